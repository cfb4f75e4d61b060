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
    },
    # The default sort and the filters: the issue asks for index use there.
    plans_of=("first page", "filtered page", "overdue"),
    admin_notes={"overdue": "its default view: the admin has no overdue filter"},
)
PAGES = PAGE.pages


def run(ctx: Context) -> list[Row]:
    return PAGE.rows(ctx)
