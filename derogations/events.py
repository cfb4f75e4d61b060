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
