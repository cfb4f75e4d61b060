"""Domain events announced by the lifecycle, inside the transaction that caused them.

Receivers write their own rows in that same transaction (an outbox) and queue work with
transaction.on_commit. notifications subscribes in its AppConfig.ready().
"""

from django.dispatch import Signal

# Sent with: request (DerogationRequest), transition (str), actor (User), comment (str:
# the reasons, questions or motivation given with the transition)
request_transitioned = Signal()
# Sent with: decision (Decision, any act), once, when it is issued (a grant or refusal when
# a senior evaluator signs it; any other act when the lifecycle function performs it)
decision_issued = Signal()
# Sent with: incident (Incident), inside the transaction that records it
incident_declared = Signal()
# Sent with: request (DerogationRequest), key (str: names the report, e.g. its pk, so that
# announcing the same late report twice posts it once), inside the transaction that finds
# the operator's periodic report late: notifications posts it to the staff inbox (its
# assignee and whoever proposed its grant), emailed as each person chose.
operator_report_late = Signal()
# Sent with: request (DerogationRequest), team (Team), actor (User), inside the transaction
# that moves the file to another team (derogations.teams.move_to_team): notifications
# posts it to the new team's members' inbox.
request_moved_to_team = Signal()
# Sent with: request (DerogationRequest), key (str: the message's pk), inside the
# transaction of an operator's message on a file no agent wrote in and nobody holds
# (collaboration.services.post_message): notifications posts it to the file's team, or
# without a team to every evaluator, emailed as each chose.
operator_message_unattended = Signal()
