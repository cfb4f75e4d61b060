"""Events announced by the accounts app; notifications subscribes in its AppConfig.ready(),
so that accounts never imports notifications (ARCHITECTURE.md: everyone -> accounts)."""

from django.dispatch import Signal

# Sent with: message (django.core.mail.EmailMessage, one recipient), inside the transaction
# that causes it (a sign-up, an invitation, a password reset...): the receiver writes it in
# its outbox in that transaction and sends it once it has committed.
account_email_ready = Signal()
