"""Target 2: the operator dashboard of the organisation with the most files (5 % of them)."""

from bench.measure import Row

from . import Context, pages


class Dashboard(pages.ListPage):
    def admin_params(self, ctx: Context, params: dict[str, str]) -> dict[str, str]:
        # The admin's changelist restricted to the operator's organisation.
        organisation = ctx.operator.memberships.get().organisation_id
        return {"organisation__id__exact": str(organisation), **params}


PAGE = Dashboard(
    target="2 dashboard",
    url_name="derogations:dashboard",
    user="operator",
    pages={
        "first page": ({}, {}),
        "filtered page": (
            {"status": "granted", "kind": "global"},
            {"status__exact": "granted", "kind__exact": "global"},
        ),
        "search": ({"q": "Modèle"}, {"q": "Modèle"}),
    },
    plans_of=("first page", "filtered page"),
)
PAGES = PAGE.pages


def run(ctx: Context) -> list[Row]:
    return PAGE.rows(ctx)
