from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Instruction ANSM")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Organisation, User
        from derogations import lifecycle, scenarios
        from derogations.models import DerogationRequest, Team

        from . import queue, services

        for model in (User, Organisation, DerogationRequest, Team):
            for signal in (post_save, post_delete):
                signal.connect(
                    queue.forget_filter_choices, sender=model, dispatch_uid=f"queue-{model}"
                )

        # A decision is proposed only on a complete evaluation grid (checked under the lock).
        lifecycle.add_guard("propose_decision", services.proposal_guard)
        if services.complete_grid_for_scenario not in scenarios.before_proposal:
            scenarios.before_proposal.append(services.complete_grid_for_scenario)
