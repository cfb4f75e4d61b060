from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Instruction ANSM")

    def ready(self) -> None:
        from derogations import lifecycle, scenarios

        from . import services

        # A decision is proposed only on a complete evaluation grid (checked under the lock).
        lifecycle.add_guard("propose_decision", services.proposal_guard)
        if services.complete_grid_for_scenario not in scenarios.before_proposal:
            scenarios.before_proposal.append(services.complete_grid_for_scenario)
