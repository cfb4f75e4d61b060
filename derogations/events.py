"""Domain events announced by the lifecycle, inside the transaction that caused them.

Receivers write their own rows in that same transaction (an outbox) and queue work with
transaction.on_commit. notifications subscribes in its AppConfig.ready().
"""

from django.dispatch import Signal

# Sent with: request (DerogationRequest), transition (str), actor (User)
request_transitioned = Signal()
# Sent with: decision (Decision), once, when a senior evaluator issues it
decision_issued = Signal()
# Sent with: incident (Incident), inside the transaction that records it
incident_declared = Signal()
