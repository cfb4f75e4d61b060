import datetime
import re

import pytest
from django.utils import timezone

from derogations import lifecycle, scenarios
from derogations.enums import DecisionKind, DecisionState, DerogationStatus, Status
from derogations.models import AuditEntry, Decision, Derogation
from derogations.scenarios import Cast
from reviews import services
from tests import factories

FUTURE = timezone.localdate() + datetime.timedelta(days=60)

# Written from DOMAIN.md, independently of lifecycle.TRANSITIONS: (action, from state) -> roles.
OP, EV, SE = "operator_same_org", "evaluator", "senior"
EXPECTED = {
    ("submit", "draft"): {OP},
    ("declare_admissible", "submitted"): {EV, SE},
    ("declare_inadmissible", "submitted"): {EV, SE},
    ("request_complements", "submitted"): {EV, SE},
    ("request_complements", "in_review"): {EV, SE},
    ("answer_complements", "awaiting_complements"): {OP},
    ("propose_decision", "in_review"): {EV, SE},
    ("send_back", "decision_proposed"): {SE},
    ("validate", "decision_proposed"): {SE},
    ("withdraw", "submitted"): {OP},
    ("withdraw", "in_review"): {OP},
    ("withdraw", "awaiting_complements"): {OP},
    ("withdraw", "decision_proposed"): {OP},
}
STATES = [s.value for s in Status]
ACTORS = [OP, "operator_other_org", EV, SE, "professional", "administrator"]
ACTIONS = {
    "submit": lambda r, a: lifecycle.submit(r, a),
    "declare_admissible": lambda r, a: lifecycle.declare_admissible(r, a),
    "declare_inadmissible": lambda r, a: lifecycle.declare_inadmissible(r, a, "Pièces manquantes"),
    "request_complements": lambda r, a: lifecycle.request_complements(
        r, a, "Rapport complet ?", due_date=FUTURE
    ),
    "answer_complements": lambda r, a: lifecycle.answer_complements(r, a, "Ci-joint."),
    "propose_decision": lambda r, a: _propose_on_complete_grid(r, a),
    "send_back": lambda r, a: lifecycle.send_back(r, a, "À reprendre"),
    "validate": lambda r, a: lifecycle.validate_decision(r, a),
    "withdraw": lambda r, a: lifecycle.withdraw(r, a, "Plus nécessaire"),
}


def _propose_on_complete_grid(req, actor):
    """The grid is filled by the evaluator of the file, so the proposal is judged on the
    actor's right alone (the grid requirement has its own tests)."""
    if req.status in services.GRID_EDITABLE_STATUSES:
        services.complete_grid_for_scenario(req, factories.UserFactory(evaluator=True))
    return lifecycle.propose_decision(
        req, actor, kind=DecisionKind.GRANT, motivation="Motivation", valid_until=FUTURE
    )


def _request_in(state, users):
    """A request brought to ``state`` through the lifecycle itself."""
    operator = users[OP]
    req = factories.RequestFactory(
        organisation=operator.memberships.get().organisation, created_by=operator
    )
    return scenarios.bring_to(req, state, Cast(operator, users[EV], users["other_senior"]))


@pytest.fixture
def users(org_a, org_b):
    return {
        OP: factories.operator_of(org_a),
        "operator_other_org": factories.operator_of(org_b),
        EV: factories.UserFactory(evaluator=True),
        SE: factories.UserFactory(senior=True),
        "other_senior": factories.UserFactory(senior=True),
        "professional": factories.UserFactory(professional=True),
        "administrator": factories.UserFactory(administrator=True),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(users, state, action):
    """Every action from every state by every role: allowed exactly where DOMAIN.md says."""
    allowed_roles = EXPECTED.get((action, state), set())
    for actor_name in ACTORS:
        req = _request_in(state, users)
        assert req.status == state
        audit_before = AuditEntry.objects.filter(request=req).count()
        if actor_name in allowed_roles:
            ACTIONS[action](req, users[actor_name])
            req.refresh_from_db()
            assert req.status != state, (action, state, actor_name)
            assert AuditEntry.objects.filter(request=req).count() == audit_before + 1
        else:
            with pytest.raises(lifecycle.TransitionError):
                ACTIONS[action](req, users[actor_name])
            req.refresh_from_db()
            assert req.status == state, (action, state, actor_name)
            assert AuditEntry.objects.filter(request=req).count() == audit_before


@pytest.mark.django_db
def test_submit_assigns_sequential_references_per_kind_and_year(org_a, operator_a):
    year = timezone.now().year
    first = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    second = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    glob = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    for req in (first, second, glob):
        lifecycle.submit(req, operator_a)
        req.refresh_from_db()
    assert first.reference == f"DER-IND-{year}-00001"
    assert second.reference == f"DER-IND-{year}-00002"
    assert glob.reference == f"DER-GLO-{year}-00001"
    assert first.submitted_at is not None


@pytest.mark.django_db
def test_incomplete_request_lists_every_missing_field_and_stays_draft(org_a, operator_a):
    req = factories.RequestFactory(
        organisation=org_a,
        created_by=operator_a,
        device_name="",
        alternatives="",
        director_email="",
    )
    with pytest.raises(lifecycle.IncompleteRequest) as exc:
        lifecycle.submit(req, operator_a)
    assert set(exc.value.missing) == {"device_name", "alternatives", "director_email"}
    assert "obligatoire" in exc.value.missing["device_name"]
    req.refresh_from_db()
    assert req.status == Status.DRAFT and req.reference is None
    assert not AuditEntry.objects.filter(request=req).exists()


@pytest.mark.django_db
def test_urgent_request_needs_a_reason(org_a, operator_a):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, urgency="urgent")
    with pytest.raises(lifecycle.IncompleteRequest) as exc:
        lifecycle.submit(req, operator_a)
    assert list(exc.value.missing) == ["urgency_reason"]


@pytest.mark.django_db
def test_senior_cannot_validate_own_proposal(org_a, operator_a, senior, other_senior):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.proposed(req, senior)
    with pytest.raises(lifecycle.TransitionError, match="propre proposition"):
        lifecycle.validate_decision(req, senior)
    with pytest.raises(lifecycle.TransitionError, match="propre proposition"):
        lifecycle.send_back(req, senior, "non")
    decision = lifecycle.validate_decision(req, other_senior)
    assert decision.state == DecisionState.ISSUED


@pytest.mark.django_db
def test_grant_issues_decision_creates_derogation_and_audits(draft_a, evaluator, senior):
    proposal = factories.proposed(draft_a, evaluator)
    decision = lifecycle.validate_decision(draft_a, senior)
    draft_a.refresh_from_db()
    assert draft_a.status == Status.GRANTED and draft_a.decided_at is not None
    assert decision.pk == proposal.pk
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", decision.verification_code)
    derogation = Derogation.objects.get(request=draft_a)
    assert derogation.status == DerogationStatus.ACTIVE
    assert derogation.valid_until == proposal.valid_until
    actions = list(AuditEntry.objects.filter(request=draft_a).values_list("action", "actor"))
    assert actions == [
        ("submit", draft_a.created_by_id),
        ("declare_admissible", evaluator.pk),
        ("propose_decision", evaluator.pk),
        ("grant", senior.pk),
    ]


@pytest.mark.django_db
def test_refusal_creates_no_derogation(draft_a, evaluator, senior):
    factories.proposed(draft_a, evaluator, kind=DecisionKind.REFUSAL)
    lifecycle.validate_decision(draft_a, senior)
    draft_a.refresh_from_db()
    assert draft_a.status == Status.REFUSED
    assert not Derogation.objects.filter(request=draft_a).exists()


@pytest.mark.django_db
def test_sent_back_proposal_keeps_comment_and_allows_new_proposal(draft_a, evaluator, senior):
    first = factories.proposed(draft_a, evaluator)
    lifecycle.send_back(draft_a, senior, "Préciser les conditions")
    first.refresh_from_db()
    assert (
        first.state == DecisionState.SENT_BACK and first.review_comment == "Préciser les conditions"
    )
    lifecycle.propose_decision(
        draft_a, evaluator, kind=DecisionKind.GRANT, motivation="v2", valid_until=FUTURE
    )
    assert Decision.objects.filter(request=draft_a, kind=DecisionKind.GRANT).count() == 2


@pytest.mark.django_db
def test_global_grant_needs_end_date(org_a, operator_a, evaluator):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.in_review(req, evaluator)
    with pytest.raises(lifecycle.TransitionError, match="fin de validité"):
        lifecycle.propose_decision(
            req, evaluator, kind=DecisionKind.GRANT, motivation="M", valid_until=None
        )
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


@pytest.mark.django_db
def test_expired_derogation_shows_expired(draft_a, evaluator, senior):
    factories.proposed(draft_a, evaluator)
    lifecycle.validate_decision(draft_a, senior)
    derogation = Derogation.objects.get(request=draft_a)
    later = derogation.valid_until + datetime.timedelta(days=1)
    assert derogation.effective_status(today=later) == DerogationStatus.EXPIRED
    assert derogation.effective_status(today=derogation.valid_until) == DerogationStatus.ACTIVE
