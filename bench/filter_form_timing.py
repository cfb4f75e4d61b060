"""Time to render the queue's filter form with {% crispy form %} and the dsfr_crispy pack
(issue 8; the hand-written {% filter_form %} it was compared with is gone): median of 50 renderings in this process, the operator select holding 500 choices.

Run: bash scripts/test.sh bench/filter_form_timing.py -q -s -p no:randomly
"""

import statistics
import time

import pytest
from django.template import Context, Template

from reviews.queue import QueueFilterForm
from tests import factories

RUNS = 50
OPERATORS = 500
CRISPY = Template("{% load crispy_forms_tags %}{% crispy form %}")


def median_ms(template: Template, make_form) -> float:
    timings = []
    for _run in range(RUNS):
        form = make_form()
        start = time.perf_counter()
        template.render(Context({"form": form}))
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "sang <b>", "status": "submitted", "overdue": "on", "tri": "reference"},
        {"q": "x" * 201, "status": "?", "operator": "0"},
    ],
    ids=["unbound", "bound", "errors"],
)
def test_queue_filter_form_rendering_time(data, request):
    senior = factories.UserFactory(senior=True)
    operators = [("", "Tous les opérateurs")] + [
        (str(pk), f"Opérateur n° {pk} & fils") for pk in range(1, OPERATORS + 1)
    ]

    def make_form() -> QueueFilterForm:
        form = QueueFilterForm(data, user=senior)
        form.fields["operator"].choices = operators  # type: ignore[attr-defined]
        return form

    CRISPY.render(Context({"form": make_form()}))  # warm the template caches
    crispy = median_ms(CRISPY, make_form)
    print(f"\nqueue filter form, {request.node.callspec.id}: crispy {crispy:.2f} ms "
          f"(median of {RUNS}, {OPERATORS} operators)")  # fmt: skip
