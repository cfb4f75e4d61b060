"""Target 1: the evaluators' queue (reviews/queue.py) at 1,000,000 requests."""

from bench.measure import Row

from . import Context, pages

PAGE = pages.ListPage(
    target="1 queue",
    url_name="reviews:queue",
    user="evaluator",
    pages={
        "first page": ({}, {}),
        "filtered page": (
            {"status": "in_review", "kind": "global"},
            {"status__exact": "in_review", "kind__exact": "global"},
        ),
        "search": ({"q": "génétique"}, {"q": "génétique"}),
        "overdue": ({"overdue": "on"}, {}),
        # The preset "Tous les dossiers" and a header's sort (migration derogations 0032).
        "every file": ({"status": "tous"}, {}),
        "by receipt": ({"tri": "reception"}, {}),
    },
    # The default sort and the filters: the issue asks for index use there.
    plans_of=("first page", "filtered page", "overdue", "every file", "by receipt"),
    admin_notes={
        "overdue": "its default view: the admin has no overdue filter",
        "every file": "its default view: every file",
        "by receipt": "its default view, sorted by target date",
    },
)
PAGES = PAGE.pages


def run(ctx: Context) -> list[Row]:
    return PAGE.rows(ctx)
