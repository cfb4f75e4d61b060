"""Concurrency of the lifecycle on the real PostgreSQL.

Each racer is a thread with its own database connection (Django opens one per thread), all
released at once by a barrier, so the row locks that derogations.lifecycle takes
(select_for_update inside transaction.atomic) decide who wins.

These tests can fail. In a throw-away copy of the project, with a lock replaced by a naive
read-check-write (plain ``.get()``, check the status, write), they did:
- request and pending proposal read without lock (``_run``, ``validate_decision``,
  ``_pending_proposal``), 100 trials each:
  - grant: every trial failed. One senior won, the other seven got no TransitionError but an
    IntegrityError (``derogations_derogation_grant_id_key``): the unique Derogation row
    turned the double signature into a server error;
  - refusal: every trial failed. 794 of the 800 calls "succeeded"; most requests got eight
    "refuse" audit entries and a decision whose signer was overwritten seven times;
  - 20 clicks on submit, 10 drafts: 197 of the 200 clicks succeeded, 18 to 20 "submit"
    audit entries per draft and 197 reference numbers used for 10 drafts;
- ReferenceSequence read without lock: the first trial of ten concurrent submissions failed
  with IntegrityError on ``derogations_derogationrequest_reference_key`` (duplicate
  DER-IND-YYYY-00002).

They need PostgreSQL (SQLite has no row locks and serialises every writer), so they are
skipped elsewhere; scripts/test.sh runs them on a throw-away PostgreSQL.
"""

import datetime
import threading
import time
from types import SimpleNamespace

import pytest
from django import db
from django.core import mail
from django.utils import timezone

from derogations import lifecycle
from derogations.enums import (
    FOUR_EYES_KINDS,
    DecisionKind,
    DecisionState,
    DerogationStatus,
    Kind,
    Status,
)
from derogations.models import (
    AuditEntry,
    Decision,
    Derogation,
    DerogationRequest,
    ReferenceSequence,
)
from notifications.models import Delivery, DeliveryStatus, RecipientRole
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        db.connection.vendor != "postgresql",
        reason="concurrency tests need PostgreSQL row locks; run them with DATABASE_URL set "
        "(scripts/test.sh starts a throw-away PostgreSQL)",
    ),
]

# Trials: in the naive runs above every trial of a race failed (the reference sequence's
# first), so a handful of trials catches a missing lock; each grant trial renders and sends a
# letter (about 1.4 s of CI's time: 100 trials cost 146 s).
SENIORS = 8
DECISION_TRIALS = 15
REFUSAL_TRIALS = 10
CLICKS = 20
SUBMIT_TRIALS = 10
DRAFTS = 10
REFERENCE_TRIALS = 3
THREAD_TIMEOUT = 60.0

_NOT_RUN = object()


def run_together(calls) -> list[object]:
    """Run each call in its own thread and database connection, all released at once.

    Returns what each call returned, or the exception it raised, in the order of ``calls``.
    Each thread connects before the barrier, so that connecting does not stagger the start.
    """
    barrier = threading.Barrier(len(calls), timeout=THREAD_TIMEOUT)
    outcomes: list[object] = [_NOT_RUN] * len(calls)

    def racer(index, call):
        try:
            db.connection.ensure_connection()
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = exc
        finally:
            db.connection.close()

    threads = [
        threading.Thread(target=racer, args=(i, call), name=f"racer-{i}", daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + THREAD_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {THREAD_TIMEOUT} s: {stuck}"
    assert all(outcome is not _NOT_RUN for outcome in outcomes)
    return outcomes


def refused_as_already_done(outcome: object) -> bool:
    """A TransitionError (exactly, not a subclass) saying the request has moved on."""
    return type(outcome) is lifecycle.TransitionError and "Action impossible" in outcome.message


@pytest.mark.parametrize(
    ("kind", "trials"),
    [
        pytest.param(DecisionKind.GRANT, DECISION_TRIALS, id="grant"),
        # A refusal creates no Derogation row, so no unique constraint would stop a second
        # signature: the row locks are the only guard (see the naive run above).
        pytest.param(DecisionKind.REFUSAL, REFUSAL_TRIALS, id="refusal"),
    ],
)
def test_eight_seniors_validating_one_proposal_issue_exactly_one_decision(org_a, kind, trials):
    operator = factories.operator_of(org_a)
    evaluator = factories.UserFactory(evaluator=True)  # the proposer, who never validates
    seniors = [factories.UserFactory(senior=True) for _ in range(SENIORS)]
    granted = kind == DecisionKind.GRANT
    final_status, action = (Status.GRANTED, "grant") if granted else (Status.REFUSED, "refuse")
    for trial in range(trials):
        req = factories.RequestFactory(organisation=org_a, created_by=operator)
        proposal = factories.proposed(req, evaluator, kind=kind)
        mail_before = len(mail.outbox)

        outcomes = run_together(
            [lambda s=senior, r=req: lifecycle.validate_decision(r, s) for senior in seniors]
        )

        winners = [i for i, o in enumerate(outcomes) if isinstance(o, Decision)]
        losers = [i for i, o in enumerate(outcomes) if refused_as_already_done(o)]
        assert (len(winners), len(losers)) == (1, SENIORS - 1), (trial, outcomes)
        winner = seniors[winners[0]]

        req.refresh_from_db()
        assert req.status == final_status and req.decided_at is not None
        decision = Decision.objects.get(  # the only one: no duplicate proposal
            request=req, kind__in=FOUR_EYES_KINDS
        )
        assert decision.pk == proposal.pk == outcomes[winners[0]].pk
        assert decision.state == DecisionState.ISSUED
        assert decision.reviewed_by_id == winner.pk
        if granted:
            derogation = Derogation.objects.get(request=req)
            assert derogation.grant_id == decision.pk
            assert derogation.status == DerogationStatus.ACTIVE
        else:
            assert not Derogation.objects.filter(request=req).exists()
        signed = AuditEntry.objects.filter(request=req, action=action)
        assert list(signed.values_list("actor_id", flat=True)) == [winner.pk]
        assert AuditEntry.objects.filter(request=req).count() == 4  # submit, admit, propose, sign

        # The outbox: one row per recipient, then (tasks run eagerly on commit) one letter
        # rendered once and one email per recipient.
        expected = {
            (req.contact_email, RecipientRole.OPERATOR),
            (operator.email, RecipientRole.OPERATOR),
            (req.prescriber_email, RecipientRole.PRESCRIBER),
            (req.director_email, RecipientRole.DIRECTOR),
        }
        deliveries = list(
            Delivery.objects.filter(decision=decision).values_list(
                "recipient_email", "recipient_role", "status"
            )
        )
        assert len(deliveries) == len(expected)
        assert {(email, role) for email, role, _status in deliveries} == expected
        assert {status for *_rest, status in deliveries} == {DeliveryStatus.SENT}
        assert decision.letter_sha256
        sent = mail.outbox[mail_before:]
        assert sorted(m.to[0] for m in sent) == sorted(email for email, _role in expected)


def test_twenty_clicks_on_submit_file_the_draft_once(org_a):
    operator = factories.operator_of(org_a)
    year = timezone.now().year
    for trial in range(SUBMIT_TRIALS):
        draft = factories.RequestFactory(organisation=org_a, created_by=operator)

        outcomes = run_together([lambda d=draft: lifecycle.submit(d, operator)] * CLICKS)

        winners = [o for o in outcomes if isinstance(o, DerogationRequest)]
        losers = [o for o in outcomes if refused_as_already_done(o)]
        assert (len(winners), len(losers)) == (1, CLICKS - 1), (trial, outcomes)
        draft.refresh_from_db()
        number = trial + 1  # no number burned by the refused clicks
        assert draft.status == Status.SUBMITTED
        assert draft.reference == winners[0].reference == f"DER-IND-{year}-{number:05d}"
        sequence = ReferenceSequence.objects.get(kind=Kind.INDIVIDUAL, year=year)
        assert sequence.last_number == number
        submits = AuditEntry.objects.filter(request=draft, action="submit")
        assert list(submits.values_list("actor_id", flat=True)) == [operator.pk]
        assert AuditEntry.objects.filter(request=draft).count() == 1


def test_concurrent_submissions_get_distinct_consecutive_references(org_a, monkeypatch):
    """Ten drafts of one kind submitted at once, first while the year's sequence row does not
    exist yet (all ten race through ReferenceSequence get_or_create: the losers' INSERT hits
    the unique constraint), then again once it exists (they queue on its row lock).

    The first trial uses this year; each further one moves lifecycle's clock to a new year,
    whose sequence row does not exist yet, like the first submissions of a January 1st.
    """
    operator = factories.operator_of(org_a)
    this_year = timezone.now().year
    for trial in range(REFERENCE_TRIALS):
        year = this_year + trial
        monkeypatch.setattr(lifecycle, "timezone", _clock_in(year))
        assert not ReferenceSequence.objects.filter(year=year).exists()
        for first in (1, DRAFTS + 1):
            drafts = [
                factories.RequestFactory(organisation=org_a, created_by=operator)
                for _ in range(DRAFTS)
            ]

            outcomes = run_together([lambda d=d: lifecycle.submit(d, operator) for d in drafts])

            assert all(isinstance(o, DerogationRequest) for o in outcomes), (trial, outcomes)
            references = sorted(
                DerogationRequest.objects.filter(pk__in=[d.pk for d in drafts]).values_list(
                    "reference", flat=True
                )
            )
            expected = [f"DER-IND-{year}-{n:05d}" for n in range(first, first + DRAFTS)]
            assert references == expected, (trial, references)
            sequence = ReferenceSequence.objects.get(year=year)  # one row for kind and year
            assert sequence.kind == Kind.INDIVIDUAL
            assert sequence.last_number == first + DRAFTS - 1


def _clock_in(year: int) -> SimpleNamespace:
    """django.utils.timezone as lifecycle sees it, moved by whole days into ``year``."""
    shift = datetime.date(year, 1, 1) - datetime.date(timezone.now().year, 1, 1)
    return SimpleNamespace(
        now=lambda: timezone.now() + shift,
        localdate=lambda: timezone.localdate() + shift,
    )


def test_one_conditions_form_posted_twice_at_once_issues_one_act(org_a, senior):
    """ "Modifier les conditions" leaves the derogation active, so no change of state stops
    a second post of the same form: the form's one-time token (the last act it saw) does,
    checked under the request's row lock. One act, one letter, one copy per recipient."""
    import re

    from django.urls import reverse

    from derogations import scenarios
    from tests.conftest import client_for

    operator = factories.operator_of(org_a)
    cast = scenarios.Cast(
        operator, factories.UserFactory(evaluator=True), factories.UserFactory(senior=True)
    )
    req = scenarios.bring_to(
        factories.RequestFactory(organisation=org_a, created_by=operator), Status.GRANTED, cast
    )
    clients = [client_for(senior), client_for(senior)]  # two tabs, two sessions
    page = clients[0].get(reverse("reviews:file", args=[req.pk])).content.decode()
    hidden = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="(change_conditions-[^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and 'type="hidden"' in tag:
            hidden[name.group(1)] = value.group(1)
    data = {
        **hidden,
        "change_conditions-motivation": "Prolongation.",
        "change_conditions-conditions": "50 unités.",
        "change_conditions-valid_until": "",
    }
    url = reverse("reviews:change_conditions", args=[req.pk])
    outcomes = run_together([lambda client=client: client.post(url, data) for client in clients])
    assert [getattr(outcome, "status_code", outcome) for outcome in outcomes] == [302, 302]
    acts = Decision.objects.filter(request=req, kind=DecisionKind.CONDITIONS_CHANGE)
    assert acts.count() == 1
    assert AuditEntry.objects.filter(request=req, action="change_conditions").count() == 1
    deliveries = Delivery.objects.filter(decision__request=req, decision__in=acts)
    emails = list(deliveries.values_list("recipient_email", flat=True))
    assert emails and len(emails) == len(set(emails))
    # The second post is told why in French, on the file page it is sent back to.
    pages = [
        client.get(reverse("reviews:file", args=[req.pk])).content.decode() for client in clients
    ]
    assert sum("Action déjà effectuée" in page for page in pages) == 1


def test_one_resend_form_posted_twice_at_once_sends_one_copy(org_a, senior):
    """ "Renvoyer" writes a new copy of a letter whatever the state: the form's one-time
    token (the act's last copy it saw), checked under the request's row lock, makes a
    double click or two tabs send one copy, with one audit entry."""
    import re

    from django.urls import reverse

    from derogations import scenarios
    from tests.conftest import client_for

    operator = factories.operator_of(org_a)
    cast = scenarios.Cast(
        operator, factories.UserFactory(evaluator=True), factories.UserFactory(senior=True)
    )
    req = scenarios.bring_to(
        factories.RequestFactory(organisation=org_a, created_by=operator), Status.GRANTED, cast
    )
    original = Delivery.objects.get(
        decision__request=req,
        decision__kind=DecisionKind.GRANT,
        recipient_email=req.prescriber_email,
    )
    url = reverse("notifications:resend", args=[req.pk, original.pk])
    clients = [client_for(senior), client_for(senior)]  # two tabs, two sessions
    page = clients[0].get(reverse("reviews:file", args=[req.pk])).content.decode()
    form = page[page.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    hidden = dict(re.findall(r'type="hidden" name="(last_copy)" value="(\d+)"', form))
    assert hidden, "the resend form carries its one-time token"
    data = {**hidden, "reason": "Boîte du prescripteur saturée."}
    mail.outbox.clear()
    outcomes = run_together([lambda client=client: client.post(url, data) for client in clients])
    assert [getattr(outcome, "status_code", outcome) for outcome in outcomes] == [302, 302]
    assert Delivery.objects.filter(resend_of=original).count() == 1
    assert AuditEntry.objects.filter(request=req, action="resend_delivery").count() == 1
    assert [m.to[0] for m in mail.outbox] == [req.prescriber_email]
    pages = [
        client.get(reverse("reviews:file", args=[req.pk])).content.decode() for client in clients
    ]
    assert sum("Action déjà effectuée" in page for page in pages) == 1
