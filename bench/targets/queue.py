"""Target 1: the evaluators' queue (reviews/queue.py) with 100,000 requests."""

from bench.measure import Row

from . import Context, pages

PAGE = pages.ListPage(
    target="1 queue",
    url_name="reviews:queue",
    user="evaluator",
    pages={
        "first page": {},
        "filtered page": {"status": "in_review", "kind": "global"},
        "search": {"q": "génétique"},
        "overdue": {"overdue": "on"},
    },
    # The default sort and the filters: the issue asks for index use there.
    plans_of=("first page", "filtered page", "overdue"),
)
PAGES = PAGE.pages


def query_counts(ctx: Context) -> dict[str, int]:
    return PAGE.query_counts(ctx)


def run(ctx: Context) -> list[Row]:
    return PAGE.rows(ctx)
