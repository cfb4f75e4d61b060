from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Courriers et notifications")

    def ready(self) -> None:
        from accounts import events as account_events
        from derogations import events

        from . import inbox, receivers, webhooks

        events.request_transitioned.connect(
            receivers.on_request_transitioned, dispatch_uid="acts-of-transitions"
        )
        events.decision_issued.connect(receivers.on_decision_issued, dispatch_uid="letters")
        events.incident_declared.connect(
            receivers.on_incident_declared, dispatch_uid="vigilance-alert"
        )
        # The staff inbox (issue 17).
        events.request_transitioned.connect(
            inbox.on_request_transitioned, dispatch_uid="inbox-transitions"
        )
        events.incident_declared.connect(inbox.on_incident_declared, dispatch_uid="inbox-incident")
        events.request_moved_to_team.connect(
            inbox.on_request_moved_to_team, dispatch_uid="inbox-team-move"
        )
        events.operator_message_unattended.connect(
            inbox.on_operator_message_unattended, dispatch_uid="inbox-operator-message"
        )
        events.operator_report_late.connect(
            inbox.on_operator_report_late, dispatch_uid="inbox-report-late"
        )
        events.decision_issued.connect(webhooks.on_decision_issued, dispatch_uid="webhooks")
        account_events.account_email_ready.connect(
            receivers.on_account_email_ready, dispatch_uid="account-email-outbox"
        )
