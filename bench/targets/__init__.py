"""One module per target of issues 8 and 18. Each has ``run(ctx) -> list[Row]``.

bench/run.py runs them in the order of TARGETS (``--targets`` picks some): ``exports``
comes last because it adds global derogations up to 20,000.
"""

from dataclasses import dataclass, field

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.models import User
from bench.generate import Generator


@dataclass
class Context:
    scale: float
    repeat: int
    mixed_requests: int
    evaluator: User
    operator: User  # of the organisation with the most files
    admin: User  # superuser of the Django admin's changelist (bench/admin.py)
    generator: Generator
    small: int = 0  # requests in the small database (bench/sizes.py)
    large: int = 0  # requests in the database of DATABASE_URL
    clients: dict[str, Client] = field(default_factory=dict)

    @classmethod
    def bare(cls, repeat: int) -> "Context":
        """For the targets that need no data (``NEEDS_DATA = False``): no users."""
        return cls(0.0, repeat, 0, None, None, None, None)  # type: ignore[arg-type]

    def client(self, user: User) -> Client:
        if user.email not in self.clients:
            client = Client()
            client.force_login(user)
            if second_factor.is_mandatory_for(user):  # staff: type the code, as a person
                device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
                code = second_factor.current_code(device)
                answer = client.post(reverse("accounts:second_factor"), {"code": code})
                if answer.status_code != 302:
                    raise RuntimeError(f"second factor of {user.email}: HTTP {answer.status_code}")
            self.clients[user.email] = client
        return self.clients[user.email]
