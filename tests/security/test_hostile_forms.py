"""Every form of the portal, fed hostile values (hypothesis): never a 500, and a refused
submission writes nothing (every table of the portal compared, audit entries included, and
no email sent).

TARGETS declares, per URL name, who posts (or GETs, for the filters of lists) what fields to
which object; test_every_form_is_fuzzed checks it against the permission matrix: every URL
that accepts a POST from some role has its line here.
"""

import dataclasses
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import messages
from django.core import mail
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.forms import (
    EmailForm,
    InvitationForm,
    OrganisationForm,
    PasswordChangeForm,
    SecondFactorForm,
    SetPasswordForm,
    SignUpForm,
)
from api.forms import TokenForm
from collaboration import links as expert_links
from collaboration import services as collaboration_services
from collaboration.forms import (
    AnswerDueForm,
    AnswerForm,
    DeclarationForm,
    MarkReadForm,
    MessageForm,
    OpinionRequestForm,
)
from derogations import filing, followup, lifecycle
from derogations.models import DerogationRequest
from derogations.professionals import link_token
from derogations.registry import RegistryFilterForm
from derogations.www.operators.forms import (
    AttachmentForm,
    ComplementAnswerForm,
    DashboardFilterForm,
    WithdrawForm,
)
from derogations.www.operators.report_forms import PeriodicReportForm
from derogations.www.operators.supply_forms import SupplyForm
from derogations.www.professionals.forms import ConsentForm, IncidentForm
from derogations.www.professionals.join_forms import JoinForm
from derogations.www.public.forms import VerificationForm
from notifications.webhook_forms import WebhookForm
from reviews.followup import ConditionsForm, FollowUpActForm, FollowUpFilterForm, LiftForm
from reviews.forms import (
    INSERT_TEMPLATE,
    AmendProposalForm,
    AssignForm,
    ComplementsForm,
    GridForm,
    ProposalForm,
    TeamMoveForm,
)
from reviews.queue import QueueFilterForm
from reviews.safety import IncidentFollowUpForm
from tests import factories, hostile
from tests.test_permission_matrix import EXPECTED, url_for

APPS = ("accounts", "derogations", "reviews", "notifications", "otp_totp", "collaboration")


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def names(form_class, prefix: str | None = None, *extra: str) -> tuple[str, ...]:
    fields = [f"{prefix}-{name}" if prefix else name for name in form_class.base_fields]
    return (*fields, *extra)


@dataclass(frozen=True)
class Target:
    role: str
    url: Callable[[dict], str]
    fields: tuple[str, ...] = ()
    method: str = "POST"
    files: str = ""  # name of a file field, sent with hostile content and file names
    # Models a refused submission may write by design (failed sign-ins are counted;
    # a draft step keeps its valid fields).
    may_write: tuple[str, ...] = ()


def obj(key: str, name: str, **kwargs: object) -> Callable[[dict], str]:
    return lambda w: reverse(name, kwargs={"pk": w[key].pk, **kwargs})


def matrix(name: str) -> Callable[[dict], str]:
    return lambda w: url_for(name, w)


STEP_FIELDS = {s.slug: s.fields for s in filing.steps_for("individual")}
DRAFT_WRITES = ("derogations.DerogationRequest",)
LIST_FIELDS = ("page",)

TARGETS: dict[str, list[Target]] = {
    # --- Operator: filing, attachments, complements, withdrawal, renewal ------------------
    "derogations:create": [
        Target("operator_a", lambda w: reverse("derogations:create", args=["individual"]),
               (*STEP_FIELDS["dispositif"], "next"), may_write=DRAFT_WRITES),
    ],
    "derogations:edit": [
        Target("operator_a", obj("draft", "derogations:edit"), STEP_FIELDS["dispositif"],
               may_write=DRAFT_WRITES),
    ],
    "derogations:step": [
        Target("operator_a", obj("draft", "derogations:step", step=slug), (*fields, "next"),
               may_write=DRAFT_WRITES)
        for slug, fields in STEP_FIELDS.items() if fields
    ] + [
        Target("operator_a", obj("full_draft", "derogations:step", step=filing.ATTACHMENTS_STEP),
               names(AttachmentForm, None, "next"), files="files"),
        Target("operator_a", obj("draft", "derogations:step", step=filing.SUMMARY_STEP)),
    ],
    "derogations:attachment_delete": [
        Target("operator_a", lambda w: reverse("derogations:attachment_delete", kwargs={
            "pk": w["full_draft"].pk, "attachment_pk": w["full_draft"].attachments.first().pk})),
    ],
    "derogations:renew": [Target("operator_a", obj("global_granted", "derogations:renew"))],
    "derogations:withdraw": [
        Target("operator_a", obj("submitted", "derogations:withdraw"), names(WithdrawForm)),
    ],
    "derogations:answer_complements": [
        Target("operator_a", obj("awaiting", "derogations:answer_complements"),
               names(ComplementAnswerForm), files="files"),
    ],
    "derogations:supplies": [
        Target("operator_a", obj("global_granted", "derogations:supplies"), names(SupplyForm)),
    ],
    "derogations:supply_import": [
        Target("operator_a", obj("global_granted", "derogations:supply_import"),
               files="import-file"),
    ],
    "derogations:reports": [
        Target("operator_a", obj("global_granted", "derogations:reports"),
               names(PeriodicReportForm)),
    ],
    # --- ANSM staff: review of a file --------------------------------------------------------
    "reviews:admissible": [Target("evaluator", obj("submitted", "reviews:admissible"))],
    "reviews:inadmissible": [
        Target("evaluator", obj("submitted", "reviews:inadmissible"), ("inadmissible-comment",)),
    ],
    "reviews:complements": [
        Target("evaluator", obj("in_review", "reviews:complements"), names(ComplementsForm, "complements")),
    ],
    "reviews:propose": [
        Target("evaluator", obj("in_review", "reviews:propose"), names(ProposalForm)),
        Target("evaluator", obj("in_review", "reviews:propose"), names(ProposalForm, None, INSERT_TEMPLATE)),
    ],
    "reviews:grid": [
        Target("senior", obj("in_review", "reviews:grid"), names(GridForm, "grid")),
    ],
    "reviews:note": [Target("senior", obj("in_review", "reviews:note"), ("note-text",))],
    "reviews:send_back": [
        Target("senior", obj("proposed", "reviews:send_back"), ("send_back-comment",)),
    ],
    "reviews:validate": [
        Target("senior", obj("proposed", "reviews:validate")),
        Target("senior", obj("proposed", "reviews:validate"), ("digest",)),
    ],
    "reviews:amend_proposal": [
        Target("senior", obj("proposed", "reviews:amend_proposal"), names(AmendProposalForm, "amend")),
    ],
    "reviews:take": [Target("evaluator", obj("in_review", "reviews:take"), ("next",))],
    "reviews:assign": [
        Target("senior", obj("in_review", "reviews:assign"), names(AssignForm, None, "next")),
    ],
    "reviews:unassign": [Target("senior", obj("in_review", "reviews:unassign"), ("next",))],
    "reviews:suspend": [
        Target("senior", obj("granted", "reviews:suspend"), names(FollowUpActForm, "suspend")),
    ],
    "reviews:resume": [
        Target("senior", obj("suspended", "reviews:resume"), names(FollowUpActForm, "resume")),
    ],
    "reviews:change_conditions": [
        Target("senior", obj("granted", "reviews:change_conditions"),
               names(ConditionsForm, "change_conditions")),
    ],
    "reviews:lift": [
        Target("senior", obj("granted", "reviews:lift"), names(LiftForm, "lift")),
    ],
    "reviews:union_notification": [
        Target("senior", obj("global_granted", "reviews:union_notification"),
               ("union-sent_on", "union-channel", "union-reference")),
    ],
    "notifications:resend": [Target("evaluator", matrix("notifications:resend"))],
    # The staff inbox (issue 17): read/unread (the matrix's pk is no item of theirs: 404),
    # all read, the email choices per kind of event.
    "notifications:inbox_read": [
        Target("evaluator", matrix("notifications:inbox_read"), ("action",)),
    ],
    # The whole-file download (issue 19): a button, no field; extra fields are ignored.
    "file_exports:page": [Target("operator_a", obj("in_review", "file_exports:page"))],
    "notifications:inbox_read_all": [
        Target("evaluator", matrix("notifications:inbox_read_all"),
               may_write=("notifications.InboxItem",)),
    ],
    # The organisation's webhook (issue 20): its URL, a new secret (shown on a 200 page,
    # so written on a "form shown again"), disable or enable.
    "notifications:webhook": [
        Target("operator_a", matrix("notifications:webhook"), names(WebhookForm)),
    ],
    "notifications:webhook_rotate": [
        Target("operator_a", matrix("notifications:webhook_rotate"),
               may_write=("notifications.WebhookEndpoint",)),
    ],
    "notifications:webhook_active": [
        Target("operator_a", matrix("notifications:webhook_active"), ("active",)),
    ],
    "notifications:email_preferences": [
        Target("evaluator", matrix("notifications:email_preferences"),
               ("complements_answered", "proposal_to_sign", "incident", "report_late",
                "vital_file"),
               may_write=("notifications.EmailPreference",)),
    ],
    # --- Accounts ----------------------------------------------------------------------------
    "accounts:login": [
        Target("anonymous", matrix("accounts:login"), ("username", "password", "next"),
               may_write=("accounts.LoginThrottle",)),
    ],
    "accounts:logout": [Target("operator_a", matrix("accounts:logout"), ("next",))],
    "accounts:second_factor": [
        Target("password_only", matrix("accounts:second_factor"), names(SecondFactorForm),
               may_write=("accounts.LoginThrottle", "otp_totp.TOTPDevice")),
    ],
    "accounts:second_factor_setup": [
        Target("operator_a", matrix("accounts:second_factor_setup"), names(SecondFactorForm),
               may_write=("otp_totp.TOTPDevice",)),
    ],
    # Forms that send an email count it (accounts/throttle.py) before sending.
    "accounts:signup": [
        Target("anonymous", matrix("accounts:signup"), names(SignUpForm),
               may_write=("accounts.LoginThrottle",)),
    ],
    "accounts:resend_verification": [
        Target("anonymous", matrix("accounts:resend_verification"), names(EmailForm),
               may_write=("accounts.LoginThrottle",)),
    ],
    "accounts:verify_email": [Target("anonymous", matrix("accounts:verify_email"))],
    "accounts:organisation_create": [
        Target("newcomer", matrix("accounts:organisation_create"), names(OrganisationForm)),
    ],
    "accounts:invite": [
        Target("operator_a", matrix("accounts:invite"), names(InvitationForm),
               may_write=("accounts.LoginThrottle",)),
    ],
    "accounts:invitation_revoke": [Target("operator_a", matrix("accounts:invitation_revoke"))],
    "accounts:member_remove": [Target("operator_a", matrix("accounts:member_remove"))],
    "accounts:leave": [Target("operator_a", matrix("accounts:leave"))],
    "accounts:invitation": [Target("anonymous", matrix("accounts:invitation"))],
    "accounts:invitation_signup": [
        Target("anonymous", matrix("accounts:invitation_signup"), names(SignUpForm)),
    ],
    "accounts:password_reset": [
        Target("anonymous", matrix("accounts:password_reset"), ("email",),
               may_write=("accounts.LoginThrottle",)),
    ],
    "accounts:password_reset_confirm": [
        Target("anonymous", matrix("accounts:password_reset_confirm"), names(SetPasswordForm)),
    ],
    "accounts:password_change": [
        Target("operator_a", matrix("accounts:password_change"), names(PasswordChangeForm)),
    ],
    "set_language": [Target("anonymous", matrix("set_language"), ("language", "next"))],
    # A valid name, scope and duration create a token (what the form is for).
    "api_tokens:list": [
        Target("operator_a", matrix("api_tokens:list"), names(TokenForm), may_write=("api.ApiToken",)),
        Target("senior", matrix("api_tokens:list"), names(TokenForm), may_write=("api.ApiToken",)),
    ],
    # --- Professionals (through their signed link) -------------------------------------------
    "derogations:pro_decision": [
        Target("prescriber", matrix("derogations:pro_decision"), names(ConsentForm)),
    ],
    "derogations:pro_incident": [
        Target("prescriber", matrix("derogations:pro_incident"), names(IncidentForm)),
    ],
    # --- Issue 16: joining from the registry, the evaluator's follow-up of an incident --------
    "derogations:join": [
        Target("anonymous", matrix("derogations:join"), names(JoinForm),
               may_write=("accounts.LoginThrottle", "notifications.AccountEmail")),
    ],
    "derogations:join_link": [Target("anonymous", matrix("derogations:join_link"))],
    "reviews:incident_follow_up": [
        Target("evaluator", matrix("reviews:incident_follow_up"),
               names(IncidentFollowUpForm, "incident")),
    ],
    # --- Filters of lists (GET) ----------------------------------------------------------------
    "derogations:dashboard": [
        Target("operator_a", matrix("derogations:dashboard"), names(DashboardFilterForm, None, *LIST_FIELDS), "GET"),
    ],
    "derogations:verify": [
        Target("anonymous", matrix("derogations:verify"), names(VerificationForm), "GET"),
    ],
    "reviews:queue": [
        Target("senior", matrix("reviews:queue"), names(QueueFilterForm, None, *LIST_FIELDS), "GET"),
    ],
    "reviews:export_csv": [
        Target("senior", matrix("reviews:export_csv"), names(QueueFilterForm), "GET"),
    ],
    "reviews:followup": [
        Target("senior", matrix("reviews:followup"), names(FollowUpFilterForm, None, *LIST_FIELDS), "GET"),
    ],
    # --- Collaboration (issue 19): a file's thread, expert opinions ------------------------
    "collaboration:post_message": [
        Target("operator_a", obj("in_review", "collaboration:post_message"),
               names(MessageForm, "message"), files="message-files"),
        Target("evaluator", obj("in_review", "collaboration:post_message"),
               names(MessageForm, "message"), files="message-files"),
    ],
    "collaboration:mark_read": [
        Target("operator_a", obj("in_review", "collaboration:mark_read"), names(MarkReadForm)),
    ],
    "collaboration:ask_expert": [
        Target("evaluator", obj("in_review", "collaboration:ask_expert"),
               names(OpinionRequestForm, "opinion")),
    ],
    "collaboration:answer_due": [
        Target("evaluator", lambda w: reverse("collaboration:answer_due", kwargs={
            "pk": w["in_review"].pk, "message_pk": w["agency_message"].pk}),
               names(AnswerDueForm, "due")),
    ],
    "reviews:move_team": [
        Target("evaluator", obj("in_review", "reviews:move_team"), names(TeamMoveForm, "team")),
    ],
    "collaboration:expert_declare": [
        Target("anonymous", lambda w: reverse("collaboration:expert_declare", args=[
            expert_links.link_token(w["opinion_requested"])]), names(DeclarationForm, "declaration")),
    ],
    "collaboration:expert_answer": [
        Target("anonymous", lambda w: reverse("collaboration:expert_answer", args=[
            expert_links.link_token(w["opinion_accepted"])]), names(AnswerForm, "answer"),
               files="answer-files"),
    ],
    **{
        name: [Target("anonymous", matrix(name), names(RegistryFilterForm, None, *LIST_FIELDS), "GET")]
        for name in ("derogations:registry", "derogations:registry_history",
                     "derogations:registry_json", "derogations:registry_csv",
                     "derogations:registry_feed")
    },
}  # fmt: skip


def _accepts_post(codes: tuple[int, ...]) -> bool:
    # Some signed-in role gets an answer other than 404 or 405 (anonymous users are sent to
    # the login page). The professionals' pages (404 to everyone in the matrix, which has no
    # signed link) are declared above all the same.
    return any(code not in (404, 405) for code in codes[1:])


def test_every_form_is_fuzzed():
    posting = {name for name, (_get, post) in EXPECTED.items() if _accepts_post(post)}
    assert posting - set(TARGETS) == set(), "declare how to fuzz these forms in TARGETS"
    assert set(TARGETS) - set(EXPECTED) == set(), "TARGETS names URLs that do not exist"


# --- The objects, one per state a form acts on ---------------------------------------------


@pytest.fixture
def fuzz_world(world):
    users = world["users"]
    operator, evaluator, senior = users["operator_a"], users["evaluator"], users["senior"]
    org = world["organisation"]

    def new(**kwargs: object) -> DerogationRequest:
        return factories.RequestFactory(organisation=org, created_by=operator, **kwargs)

    submitted = factories.submitted(new())
    in_review = factories.in_review(new(), evaluator)
    factories.graded(in_review, evaluator)
    proposed = new()
    factories.proposed(proposed, evaluator)
    awaiting = factories.awaiting_complements(new(), evaluator)
    suspended = new()
    factories.proposed(suspended, evaluator)
    lifecycle.validate_decision(suspended, senior)
    followup.suspend(suspended, senior, "Motif de la suspension.")
    opinions = [
        collaboration_services.request_opinion(
            in_review, evaluator, expert_name="Pr Morel", expert_email=f"expert{n}@univ.example",
            speciality="Génétique", declared_interests="", question="Votre avis ?",
            due_date=datetime.date.today() + datetime.timedelta(days=400),
            shared_fields=["device_name"], shared_attachments=[],
        )
        for n in (1, 2)
    ]  # fmt: skip
    collaboration_services.declare_no_conflict(opinions[1])
    agency_message = collaboration_services.post_message(in_review, evaluator, "Question ?", [])
    return {
        **world,
        "agency_message": agency_message,
        "opinion_requested": opinions[0],
        "opinion_accepted": opinions[1],
        "submitted": submitted,
        "in_review": in_review,
        "proposed": proposed,
        "awaiting": awaiting,
        "suspended": suspended,
        "full_draft": new(),
    }


def client_as(role: str, w: dict) -> Client:
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if role == "prescriber":
        token = link_token(w["decision"], w["granted"].prescriber_email)
        assert client.get(reverse("derogations:pro_link", args=[token])).status_code == 302
        return client
    if role == "newcomer":
        client.force_login(factories.UserFactory(email="nouveau@example.org"))
        return client
    if role == "password_only":
        client.force_login_password_only(
            factories.UserFactory(senior=True, email="s2@ansm.example")
        )
        return client
    client.force_login(w["users"][role])
    return client


# --- Snapshot of every table of the portal ---------------------------------------------------


def snapshot(exempt: tuple[str, ...]) -> dict[str, str]:
    """A digest of every row of every table of the portal (one query on PostgreSQL)."""
    models = [
        model
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in exempt
    ]
    if connection.vendor == "postgresql":
        digest = (
            "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t.{pk}), '')) FROM {table} t"
        )
        parts = [
            digest.format(pk=qn(m._meta.pk.column), table=qn(m._meta.db_table)) for m in models
        ]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), [m._meta.label for m in models])
            return dict(cursor.fetchall())
    return {
        m._meta.label: hashlib.sha256(
            repr(list(m._base_manager.order_by("pk").values_list())).encode()
        ).hexdigest()
        for m in models
    }


def refused(response, method: str) -> bool:
    """A 4xx, a form shown again (200 to a POST), or an error message on a redirect (only
    this request's messages: older ones may wait in the client's cookie)."""
    if response.status_code >= 400 or (method == "POST" and response.status_code == 200):
        return True
    queued = getattr(response.wsgi_request, "_messages", None)
    return any(m.level >= messages.ERROR for m in getattr(queued, "_queued_messages", []))


def send(client: Client, target: Target, url: str, data: dict, upload: tuple | None):
    if target.method == "GET":
        return client.get(url, data)
    if upload is not None:
        name, content = upload
        try:
            document = SimpleUploadedFile(name, content)
        except SuspiciousFileOperation:  # the test client itself cannot send such a name
            document = SimpleUploadedFile(f"x{name}.pdf", content)
        data = {**data, target.files: document}
    return client.post(url, data)


uploads_strategy = st.one_of(
    st.none(), st.tuples(hostile.file_name, st.binary(max_size=3000)),
    st.tuples(hostile.file_name, st.just(factories.MINIMAL_PDF)),
)  # fmt: skip


# Each form is also fuzzed by a role that has no right on its object.
OUTSIDERS = {"operator_a": "operator_b", "evaluator": "operator_a", "senior": "operator_a"}
# Forms on the user's own space (their own account, their own new draft): no outsider.
OWN_SPACE = {"derogations:create", "accounts:logout", "accounts:password_change",
             "accounts:second_factor_setup", "api_tokens:list"}  # fmt: skip
GROUPS = sorted({name.split(":")[0] for name in TARGETS})


@pytest.mark.django_db
@pytest.mark.parametrize("group", GROUPS)
def test_hostile_input_never_breaks_a_form(fuzz_world, group):
    """One world per group of forms (building it is the slow part), each example in a
    savepoint rolled back, every failing form reported."""
    failures = []
    for name, targets in sorted(TARGETS.items()):
        if name.split(":")[0] != group:
            continue
        for index, target in enumerate(targets):
            runs = [target]
            outsider = OUTSIDERS.get(target.role)
            if outsider and target.method == "POST" and name not in OWN_SPACE:
                # Someone with no right on the object: refused, and nothing written at all.
                runs.append(dataclasses.replace(target, role=outsider, may_write=()))
            for run in runs:
                try:
                    fuzz(run, fuzz_world)
                except Exception as exc:  # noqa: BLE001 (collected, reported below)
                    failures.append(f"{name}[{index}] as {run.role}: {type(exc).__name__}: {exc}")
    assert not failures, "\n\n".join(failures)


def fuzz(target: Target, world: dict) -> None:
    url = target.url(world)
    client = client_as(target.role, world)
    seen: list[int] = []

    @given(
        data=hostile.payloads(target.fields),
        upload=uploads_strategy if target.files else st.none(),
    )
    def check(data, upload):
        with transaction.atomic():
            before = snapshot(target.may_write)
            outbox = len(mail.outbox)
            response = send(client, target, url, data, upload)
            if response.streaming:
                b"".join(response.streaming_content)
            seen.append(response.status_code)
            assert response.status_code < 500, (response.status_code, data)
            if refused(response, target.method) or target.method == "GET":
                assert snapshot(target.may_write) == before, ("partial write", data)
                assert len(mail.outbox) == outbox, ("mail sent on a refused input", data)
            transaction.set_rollback(True)

    check()
    assert seen, "no example ran"
