"""Target 5: the decision letter (notifications/letters.py) against WeasyPrint rendering a
one-line document with the same fonts, in the same process."""

import statistics
import time
from collections.abc import Callable

from bench.measure import Row, yes_no
from derogations.enums import DecisionKind, DecisionState
from derogations.models import Decision
from notifications import letters

from . import Context

BOUND = 5.0


def _median_ms(render: Callable[[], bytes], repeat: int) -> float:
    render()  # warm up: fonts, templates
    times = []
    for _ in range(repeat):
        before = time.perf_counter()
        pdf = render()
        times.append((time.perf_counter() - before) * 1000)
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError("the renderer did not return a PDF")
    return statistics.median(times)


def run(ctx: Context) -> list[Row]:
    decision = (
        Decision.objects.select_related("request__organisation")
        .filter(state=DecisionState.ISSUED, kind=DecisionKind.GRANT, request__kind="global")
        .first()
    )
    if decision is None:
        raise RuntimeError("no granted global request: run bench/generate.py first")
    repeat = max(5, ctx.repeat // 2)
    letter = _median_ms(lambda: letters.render_act_letter(decision), repeat)
    one_line = _median_ms(lambda: letters.render_pdf("bench/one_line.html", {}), repeat)
    ratio = letter / one_line
    return [
        Row(
            "5 decision letter: median render time",
            f"{letter:.0f} ms = {ratio:.2f} × one-line PDF ({one_line:.0f} ms)",
            f"≤ {BOUND:g} ×",
            yes_no(ratio <= BOUND),
        )
    ]
