"""One module per target of issue 8. Each has ``run(ctx) -> list[Row]``; those that count
SQL queries also have ``query_counts(ctx) -> dict[str, int]`` (called at two data sizes).

Not yet measured (other branches are building them): 3 public registry under gunicorn,
4 registry exports, 6 fan-out. Add bench/targets/registry.py, exports.py, fanout.py with
the same ``run(ctx)`` and list them in TARGETS; ``pending`` prints their rows meanwhile.
"""

from dataclasses import dataclass, field

from django.test import Client

from accounts.models import User


@dataclass
class Context:
    scale: float
    repeat: int
    mixed_requests: int
    evaluator: User
    operator: User  # of the organisation with the most files
    clients: dict[str, Client] = field(default_factory=dict)
    trivial_ms: float = 0.0
    small_counts: dict[str, int] = field(default_factory=dict)

    def client(self, user: User) -> Client:
        if user.email not in self.clients:
            client = Client()
            client.force_login(user)
            self.clients[user.email] = client
        return self.clients[user.email]
