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
