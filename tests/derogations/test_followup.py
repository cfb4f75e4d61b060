"""Follow-up of a granted derogation: suspend, resume, change conditions, lift.

The table below is written from the brief and DOMAIN.md, independently of
followup.FOLLOW_UPS: (act, derogation state) -> roles allowed."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Membership
from derogations import followup, lifecycle, scenarios, union_notification
from derogations.enums import DecisionKind, DecisionState, DerogationStatus, Status
from derogations.models import AuditEntry, Decision, Derogation, UnionNotification
from derogations.scenarios import Cast
from notifications.models import Delivery
from tests import factories

OP, EV, SE = "operator_same_org", "evaluator", "senior"
EXPECTED = {
    ("suspend", "active"): {EV, SE},
    ("resume", "suspended"): {SE},
    ("change_conditions", "active"): {SE},
    ("change_conditions", "suspended"): {SE},
    ("lift", "active"): {SE},
    ("lift", "suspended"): {SE},
}
TARGET = {"suspend": "suspended", "resume": "active", "lift": "lifted"}
ACT = {
    "suspend": DecisionKind.SUSPENSION,
    "resume": DecisionKind.RESUMPTION,
    "change_conditions": DecisionKind.CONDITIONS_CHANGE,
    "lift": DecisionKind.LIFTING,
}
IN_A_YEAR = timezone.localdate() + datetime.timedelta(days=365)
ACTIONS = {
    "suspend": lambda r, a: followup.suspend(r, a, "Incidents graves signalés sur deux lots."),
    "resume": lambda r, a: followup.resume(r, a, "Cause identifiée et corrigée."),
    "change_conditions": lambda r, a: followup.change_conditions(
        r, a, "Quantité réduite.", "100 unités au plus.", IN_A_YEAR
    ),
    "lift": lambda r, a: followup.lift(r, a, "Risque grave pour les patients."),
}
DEROGATION_STATES = ["active", "suspended", "lifted", "expired"]
ACTORS = [OP, "operator_other_org", EV, SE, "professional", "administrator"]


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


def _granted(users, **fields):
    operator = users[OP]
    req = factories.RequestFactory(
        organisation=operator.memberships.get().organisation, created_by=operator, **fields
    )
    return scenarios.bring_to(req, Status.GRANTED, Cast(operator, users[EV], users["other_senior"]))


def _derogation_in(state, users):
    """A granted request whose derogation is in ``state``, reached through the lifecycle
    (expired: the end date is moved to yesterday, as time would)."""
    req = _granted(users)
    if state in ("suspended", "lifted"):
        followup.suspend(req, users[EV], "Mesure conservatoire.")
    if state == "lifted":
        followup.lift(req, users["other_senior"], "Risque confirmé.")
    if state == "expired":
        Derogation.objects.filter(request=req).update(
            valid_until=timezone.localdate() - datetime.timedelta(days=1)
        )
    req.refresh_from_db()
    assert req.derogation.effective_status() == state
    return req


@pytest.mark.django_db
@pytest.mark.parametrize("state", DEROGATION_STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_follow_up_table(users, state, action):
    """Every follow-up act from every derogation state by every role."""
    allowed = EXPECTED.get((action, state), set())
    for actor_name in ACTORS:
        req = _derogation_in(state, users)
        audit_before = AuditEntry.objects.filter(request=req).count()
        acts_before = Decision.objects.filter(request=req).count()
        if actor_name in allowed:
            act = ACTIONS[action](req, users[actor_name])
            req.refresh_from_db()
            derogation = Derogation.objects.get(request=req)
            assert derogation.status == TARGET.get(action, state), (action, state, actor_name)
            assert req.status == Status.GRANTED  # the request stays granted
            entry = AuditEntry.objects.filter(request=req).last()
            assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
                action, users[actor_name], Status.GRANTED, Status.GRANTED,
            )  # fmt: skip
            assert act.kind == ACT[action] and act.state == DecisionState.ISSUED
            assert act.verification_code and act.proposed_by == users[actor_name]
            assert act.reviewed_by is None  # issued at once, no second signature
        else:
            with pytest.raises(lifecycle.TransitionError):
                ACTIONS[action](req, users[actor_name])
            derogation = Derogation.objects.get(request=req)
            assert derogation.effective_status() == state, (action, state, actor_name)
            assert AuditEntry.objects.filter(request=req).count() == audit_before
            assert Decision.objects.filter(request=req).count() == acts_before


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["in_review", "refused", "decision_proposed"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_no_follow_up_without_a_granted_derogation(users, state, action):
    operator = users[OP]
    req = factories.RequestFactory(
        organisation=operator.memberships.get().organisation, created_by=operator
    )
    scenarios.bring_to(req, state, Cast(operator, users[EV], users["other_senior"]))
    with pytest.raises(lifecycle.TransitionError, match="pas de dérogation accordée"):
        ACTIONS[action](req, users[SE])


@pytest.mark.django_db
def test_allowed_follow_ups_match_the_table(users):
    req = _derogation_in("active", users)
    assert followup.allowed_follow_ups(req.derogation, users[EV]) == ["suspend"]
    assert followup.allowed_follow_ups(req.derogation, users[SE]) == [
        "suspend", "change_conditions", "lift",
    ]  # fmt: skip
    assert followup.allowed_follow_ups(req.derogation, users[OP]) == []
    assert followup.allowed_follow_ups(None, users[SE]) == []


@pytest.mark.django_db
def test_motivation_is_required(users):
    req = _granted(users)
    with pytest.raises(lifecycle.TransitionError, match="motivation est obligatoire"):
        followup.suspend(req, users[EV], "   ")
    assert Derogation.objects.get(request=req).status == DerogationStatus.ACTIVE


@pytest.mark.django_db
def test_change_of_conditions_writes_the_new_conditions_and_end_date(users):
    req = _granted(users, global_kind=True)
    act = followup.change_conditions(req, users[SE], "Suivi renforcé.", "Registre des patients.")
    derogation = Derogation.objects.get(request=req)
    assert derogation.conditions == "Registre des patients."
    assert derogation.valid_until == derogation.grant.valid_until  # unchanged
    assert act.conditions == "Registre des patients." and act.valid_until == derogation.valid_until
    followup.change_conditions(req, users[SE], "Prolongation.", "Idem.", IN_A_YEAR)
    assert Derogation.objects.get(request=req).valid_until == IN_A_YEAR
    with pytest.raises(lifecycle.TransitionError, match="dans le futur"):
        followup.change_conditions(req, users[SE], "x", "y", timezone.localdate())


@pytest.mark.django_db
def test_follow_up_deliveries_go_to_everyone_who_received_the_grant(users, org_a):
    colleague = factories.operator_of(org_a, email="parti@labo.example")
    req = _granted(users)
    grant = req.derogation.grant
    grant_recipients = set(grant.deliveries.values_list("recipient_email", flat=True))
    assert "parti@labo.example" in grant_recipients and req.prescriber_email in grant_recipients
    Membership.objects.filter(user=colleague).delete()  # they left the operator since
    act = followup.suspend(req, users[EV], "Mesure conservatoire.")
    assert set(act.deliveries.values_list("recipient_email", flat=True)) == grant_recipients
    assert Delivery.objects.filter(decision=act).count() == len(grant_recipients)


@pytest.mark.django_db
def test_acts_of_transitions_go_to_the_operator_only(users):
    req = _granted(users)
    ack = Decision.objects.get(request=req, kind=DecisionKind.ACKNOWLEDGMENT)
    assert ack.state == DecisionState.ISSUED and ack.verification_code
    roles = set(ack.deliveries.values_list("recipient_role", flat=True))
    assert roles == {"operator"}
    grant_roles = set(req.derogation.grant.deliveries.values_list("recipient_role", flat=True))
    assert grant_roles == {"operator", "prescriber", "director"}


@pytest.mark.django_db
def test_inadmissibility_and_complement_request_are_acts_with_their_text(users):
    operator = users[OP]
    org = operator.memberships.get().organisation
    first = scenarios.bring_to(
        factories.RequestFactory(organisation=org, created_by=operator),
        Status.INADMISSIBLE,
        Cast(operator, users[EV], users[SE]),
    )
    act = Decision.objects.get(request=first, kind=DecisionKind.INADMISSIBILITY)
    assert act.motivation == "Pièces essentielles manquantes." and act.is_appealable
    second = scenarios.bring_to(
        factories.RequestFactory(organisation=org, created_by=operator),
        Status.AWAITING_COMPLEMENTS,
        Cast(operator, users[EV], users[SE]),
    )
    act = Decision.objects.get(request=second, kind=DecisionKind.COMPLEMENT_REQUEST)
    assert "rapport d'évaluation" in act.motivation and not act.is_appealable


@pytest.mark.django_db
def test_grant_and_refusal_are_never_issued_at_once(users):
    req = _granted(users)
    with pytest.raises(ValueError):
        lifecycle.issue_act(req, users[SE], DecisionKind.GRANT, motivation="x")


@pytest.mark.django_db
def test_union_notification_only_for_global_grants_and_recorded_once(users):
    individual = _granted(users)
    assert not UnionNotification.objects.filter(grant__request=individual).exists()
    glob = _granted(users, global_kind=True)
    notification = UnionNotification.objects.get(grant__request=glob)
    assert not notification.is_sent
    today = timezone.localdate()
    with pytest.raises(lifecycle.TransitionError, match="futur"):
        union_notification.record_union_notification(
            glob, users[EV], sent_on=today + datetime.timedelta(days=1), channel="email"
        )
    with pytest.raises(lifecycle.TransitionError, match="droit"):
        union_notification.record_union_notification(
            glob, users[OP], sent_on=today, channel="email"
        )
    with pytest.raises(lifecycle.TransitionError, match="ne donne pas lieu"):
        union_notification.record_union_notification(
            individual, users[EV], sent_on=today, channel="email"
        )
    union_notification.record_union_notification(
        glob, users[EV], sent_on=today, channel="platform", reference="CIRCABC-2026-17"
    )
    notification.refresh_from_db()
    assert notification.is_sent and notification.recorded_by == users[EV]
    assert notification.sent_reference == "CIRCABC-2026-17"
    entry = AuditEntry.objects.filter(request=glob).last()
    assert entry.action == "record_union_notification" and "CIRCABC-2026-17" in entry.comment
    with pytest.raises(lifecycle.TransitionError, match="déjà enregistré"):
        union_notification.record_union_notification(
            glob, users[SE], sent_on=today, channel="email"
        )
