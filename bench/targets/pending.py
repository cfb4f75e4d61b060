"""Targets of issue 8 not measured yet: their code is being built on other branches."""

from bench.measure import Row

from . import Context

PENDING = [
    ("3 public registry under gunicorn", "≥ 40 % of hello-world req/s; 304 on conditional GET"),
    ("4 registry CSV/JSON exports", "streamed; peak memory +< 30 MB from 2,000 to 20,000"),
    ("5 one render per act", "never per recipient (fan-out)"),
    ("6 fan-out of a lifting to 2,000 recipients", "≥ 50 % of a bare smtplib loop"),
]


def run(ctx: Context) -> list[Row]:
    return [Row(target, "—", bound, "not measured") for target, bound in PENDING]
