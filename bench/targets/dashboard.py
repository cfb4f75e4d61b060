"""Target 2: the operator dashboard of the organisation with 5,000 files."""

from bench.measure import Row

from . import Context, pages

PAGE = pages.ListPage(
    target="2 dashboard",
    url_name="derogations:dashboard",
    user="operator",
    pages={
        "first page": {},
        "filtered page": {"status": "granted", "kind": "global"},
        "search": {"q": "Modèle"},
    },
    plans_of=("first page", "filtered page"),
)
PAGES = PAGE.pages


def query_counts(ctx: Context) -> dict[str, int]:
    return PAGE.query_counts(ctx)


def run(ctx: Context) -> list[Row]:
    return PAGE.rows(ctx)
