"""Every URL of the project, requested by every role, for GET and POST.

URL patterns are discovered from the resolver: a new URL without a line in EXPECTED fails
this test. Objects belong to organisation A; operator B and the professional have nothing
to do with them. Expected codes: 200 page, 302 redirect (to the login page for anonymous
users), 400 form refused, 404 "does not exist for you", 405 wrong method.
"""

import datetime

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import tokens
from accounts.models import Membership
from derogations import incidents, lifecycle
from derogations.models import Attachment, AuditEntry, ComplementRequest, DerogationRequest
from derogations.professionals import link_token
from notifications import webhooks
from notifications.models import InboxItem
from reviews.models import EvaluationGrid, PrivateNote
from tests import factories
from tests.conftest import client_for

ROLES = ["anonymous", "operator_a", "operator_b", "professional", "evaluator", "senior", "admin"]

# name: (GET codes, POST codes), one code per role in ROLES order.
EXPECTED: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    #                                  anon op_a op_b  pro   ev   se   adm
    "home":                           ((200, 302, 302, 302, 302, 302, 302), (405,) * 7),
    "derogations:dashboard":          ((302, 200, 200, 302, 302, 302, 302), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:create":             ((302, 200, 200, 404, 404, 404, 404), (302, 200, 200, 404, 404, 404, 404)),
    "derogations:detail":             ((302, 200, 404, 404, 302, 302, 302), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:edit":               ((302, 200, 404, 404, 404, 404, 404), (302, 200, 404, 404, 404, 404, 404)),
    "derogations:step":               ((302, 200, 404, 404, 404, 404, 404), (302, 200, 404, 404, 404, 404, 404)),
    "derogations:attachment":         ((302, 200, 404, 404, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:attachment_delete":  ((302, 405, 405, 405, 405, 405, 405), (302, 404, 404, 404, 404, 404, 404)),
    "derogations:acknowledgment":     ((302, 200, 404, 404, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:renew":              ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 302, 302, 302)),
    "derogations:withdraw":           ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 302, 302, 302)),
    "derogations:answer_complements": ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 302, 302, 302)),
    "derogations:letter":             ((302, 200, 404, 404, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:verify":             ((200,) * 7, (405,) * 7),
    # Supplies: the operator's organisation only (the agency reads them on the file page).
    "derogations:supplies":           ((302, 200, 404, 404, 404, 404, 404), (302, 400, 404, 404, 404, 404, 404)),
    "derogations:supply_import":      ((302, 405, 405, 405, 405, 405, 405), (302, 400, 404, 404, 404, 404, 404)),
    "derogations:supply_template":    ((302, 200, 200, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405)),
    # Periodic reports: the operator's organisation files them (the agency reads them on
    # the file page); on this individual grant none is asked, so the form is refused.
    "derogations:reports":            ((302, 200, 404, 404, 404, 404, 404), (302, 400, 404, 404, 404, 404, 404)),
    "accounts:login":                 ((200, 302, 302, 302, 302, 302, 302), (200, 302, 302, 302, 302, 302, 302)),
    "accounts:logout":                ((405,) * 7, (302,) * 7),
    # OIDC sign-in: 404 while the provider is not configured (no PROCONNECT_* / PROSANTECONNECT_*)
    "accounts:oidc_start_proconnect": ((404,) * 7, (405,) * 7),
    "accounts:oidc_callback_proconnect": ((404,) * 7, (405,) * 7),
    "accounts:oidc_start_prosanteconnect": ((404,) * 7, (405,) * 7),
    "accounts:oidc_callback_prosanteconnect": ((404,) * 7, (405,) * 7),
    "reviews:queue":                  ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:file":                   ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:admissible":             ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 302, 302, 302)),
    "reviews:inadmissible":           ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:complements":            ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:propose":                ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:grid":                   ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:note":                   ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:send_back":              ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:validate":               ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 302, 302, 302)),
    "reviews:export_csv":             ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:team_dashboard":         ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:take":                   ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 302, 302, 302)),
    "reviews:assign":                 ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:unassign":               ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 302, 302, 302)),
    "accounts:start":                 ((302,) * 7, (302, 405, 405, 405, 405, 405, 405)),
    "accounts:profile":               ((302, 200, 200, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "accounts:second_factor":         ((302,) * 7, (302,) * 7),
    "accounts:second_factor_setup":   ((302, 200, 200, 200, 302, 302, 302), (302, 400, 400, 400, 302, 302, 302)),
    "accounts:second_factor_link":    ((302,) + (400,) * 6, (302,) + (405,) * 6),  # forged token
    "accounts:signup":                ((200, 302, 302, 302, 302, 302, 302), (200, 302, 302, 302, 302, 302, 302)),
    "accounts:signup_done":           ((200,) * 7, (405,) * 7),
    "accounts:resend_verification":   ((200,) * 7, (200,) * 7),
    "accounts:verify_email":          ((200,) * 7, (302,) * 7),
    "accounts:onboarding":            ((302, 302, 302, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405)),
    "accounts:organisation_create":   ((302, 302, 302, 404, 404, 404, 404), (302, 302, 302, 404, 404, 404, 404)),
    "accounts:organisation":          ((302, 200, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405)),
    "accounts:invite":                ((302, 405, 405, 405, 405, 405, 405), (302, 200, 404, 404, 404, 404, 404)),
    "accounts:invitation_revoke":     ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 404, 404, 404)),
    "accounts:member_remove":         ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 404, 404, 404)),
    "accounts:leave":                 ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 404, 404, 404)),
    "accounts:invitation":            ((200,) * 7, (302,) * 7),
    "accounts:invitation_signup":     ((200, 302, 302, 302, 302, 302, 302), (200, 302, 302, 302, 302, 302, 302)),
    "accounts:password_reset":        ((200,) * 7, (200,) * 7),
    "accounts:password_reset_done":   ((200,) * 7, (405,) * 7),
    "accounts:password_reset_confirm": ((200,) * 7, (200,) * 7),
    "accounts:password_reset_complete": ((200,) * 7, (405,) * 7),
    "accounts:password_change":       ((302, 200, 200, 200, 200, 200, 200), (302, 200, 200, 200, 200, 200, 200)),
    "reviews:followup":               ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:suspend":                ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:resume":                 ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:change_conditions":      ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:lift":                   ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "reviews:union_notification":     ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "notifications:resend":           ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "derogations:union_sheet":        ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    # A later act's sheet: none on the grant (the decision of the world), so 404 for staff too.
    "derogations:union_act_sheet":    ((302, 404, 404, 404, 404, 404, 404), (302, 404, 404, 404, 405, 405, 405)),
    "set_language":                   ((302,) * 7, (302,) * 7),
    "notifications:demo_mailbox":     ((404,) * 7, (405,) * 7),
    # Public registry: open to all, read only.
    "derogations:registry":           ((200,) * 7, (405,) * 7),
    "derogations:registry_history":   ((200,) * 7, (405,) * 7),
    "derogations:registry_detail":    ((200,) * 7, (405,) * 7),
    "derogations:registry_json":      ((200,) * 7, (405,) * 7),
    "derogations:registry_csv":       ((200,) * 7, (405,) * 7),
    "derogations:registry_feed":      ((200,) * 7, (405,) * 7),
    # Professionals' space: the matrix's professional is not named on the decision; only its
    # signed link opens it (the link is checked, then redirects to its decision).
    "derogations:pro_dashboard":      ((302, 404, 404, 200, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405)),
    "derogations:pro_link":           ((302,) * 7, (405,) * 7),
    "derogations:pro_decision":       ((404,) * 7, (404,) * 7),
    "derogations:pro_letter":         ((404,) * 7, (405,) * 7),
    "derogations:pro_incident":       ((404,) * 7, (404,) * 7),
    "derogations:pro_incident_ack":   ((404,) * 7, (405,) * 7),
    "notifications:patient_sheet":    ((404,) * 7, (405,) * 7),
    "pages:accessibility":            ((200,) * 7, (405,) * 7),
    "pages:legal":                    ((200,) * 7, (405,) * 7),
    "pages:privacy":                  ((200,) * 7, (405,) * 7),
    "pages:sitemap":                  ((200,) * 7, (405,) * 7),
    # The senior's reading of a pending proposal's letter: the matrix's files have none.
    "notifications:proposal_letter":  ((302, 404, 404, 404, 404, 404, 404), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:amend_proposal":         ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "pages:applicant_guide":          ((200,) * 7, (405,) * 7),
    "pages:applicant_guide_pdf":      ((200,) * 7, (405,) * 7),
    "pages:professional_guide":       ((200,) * 7, (405,) * 7),
    # The evaluators' day (issue 17): "À signer" for senior evaluators; each staff member's
    # inbox (items are their own: the matrix's pk is no item of theirs) and email choices.
    "reviews:to_sign":                ((302, 404, 404, 404, 404, 200, 404), (302, 404, 404, 404, 405, 405, 405)),
    "notifications:inbox":            ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "notifications:inbox_read":       ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 404, 404, 404)),
    "notifications:inbox_read_all":   ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 302, 302, 302)),
    "notifications:email_preferences": ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 400, 400, 400)),
    # A file's thread (issue 19): its operator's members and ANSM staff. The matrix's
    # document number is no message document: 404 for everyone.
    "collaboration:thread":           ((302, 200, 404, 404, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "collaboration:post_message":     ((302, 405, 405, 405, 405, 405, 405), (302, 400, 404, 404, 400, 400, 400)),
    "collaboration:mark_read":        ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 302, 302, 302)),
    "collaboration:message_document": ((302, 404, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405)),
    # Expert opinions: ANSM staff read them, evaluators ask; the expert's pages open by a
    # signed link only (the matrix's token is forged: a French page, 400).
    "collaboration:opinions":         ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "collaboration:ask_expert":       ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 404)),
    "collaboration:opinion_document": ((302, 404, 404, 404, 404, 404, 404), (302, 404, 404, 404, 405, 405, 405)),
    "collaboration:expert":           ((400,) * 7, (405,) * 7),
    "collaboration:expert_declare":   ((405,) * 7, (400,) * 7),
    "collaboration:expert_answer":    ((405,) * 7, (400,) * 7),
    "collaboration:expert_document":  ((400,) * 7, (405,) * 7),
    # API tokens page (profile): operators and ANSM staff; an empty POST is a refused form.
    "api_tokens:list":                ((302, 200, 200, 404, 200, 200, 200), (302, 400, 400, 404, 400, 400, 400)),
    "api_tokens:revoke":              ((302, 405, 405, 405, 405, 405, 405), (302, 404, 404, 404, 404, 404, 404)),
    "api:reference":                  ((200,) * 7, (405,) * 7),
    # Issue 16: joining from the registry is open to all (POST without data: the form
    # refuses it); a forged join link is refused; the consents' CSV opens like the decision.
    "derogations:join":               ((200,) * 7, (400,) * 7),
    "derogations:join_link":          ((400,) * 7, (400,) * 7),
    "derogations:pro_consents_csv":   ((404,) * 7, (405,) * 7),
    "reviews:incident_follow_up":     ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 400)),
    "derogations:union_sheet_json":   ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    # Evaluation teams (issue 19): every staff member reads the teams and their rules;
    # evaluators move a file (an empty form: 400; the administrator is no evaluator).
    "reviews:teams":                  ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "reviews:move_team":              ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 400, 400, 302)),
    # Staff mark an agency message as awaiting an answer: the matrix's message number is
    # no message of the file (404).
    "collaboration:answer_due":       ((302, 404, 404, 404, 405, 405, 405), (302, 404, 404, 404, 404, 404, 404)),
    # The whole file as one download (issue 19): its operator's members and ANSM staff; a
    # POST asks for it (queued after commit: the matrix's transaction never commits). No
    # export is ready in the matrix: the download sends back to the page.
    "file_exports:page":              ((302, 200, 404, 404, 200, 200, 200), (302, 302, 404, 404, 302, 302, 302)),
    "file_exports:status":            ((302, 200, 404, 404, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405)),
    "file_exports:download":          ((302, 302, 404, 404, 302, 302, 302), (302, 405, 405, 405, 405, 405, 405)),
    # The retention runs (issue 19): ANSM staff only.
    "retention:runs":                 ((302, 404, 404, 404, 200, 200, 200), (302, 404, 404, 404, 405, 405, 405)),
    "notifications:webhook":          ((302, 200, 404, 404, 404, 404, 404), (302, 400, 404, 404, 404, 404, 404)),
    "notifications:webhook_rotate":   ((302, 405, 405, 405, 405, 405, 405), (302, 200, 404, 404, 404, 404, 404)),
    "notifications:webhook_active":   ((302, 405, 405, 405, 405, 405, 405), (302, 302, 404, 404, 404, 404, 404)),
}  # fmt: skip
# The Django admin is checked as a whole below: only the administrator gets in.
ADMIN_NAMESPACE = "admin:"
# The API's endpoints take a token, never a session (so no CSRF token either): their matrix
# is tests/api/test_api_matrix.py. Its reference page is a page like the others (EXPECTED).
API_NAMESPACE = "api:"
# Agency systems' OAuth2 token endpoint: client credentials, never a session either (its
# answers are tests/api/test_oauth_client_credentials.py's).
OAUTH_NAMESPACE = "api_oauth:"


def discovered_url_names() -> list[tuple[str, URLPattern]]:
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
                yield from walk(pattern.url_patterns, full)
            else:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern

    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def world(org_a, org_b):
    users = {
        "anonymous": None,
        "operator_a": factories.operator_of(org_a),
        "operator_b": factories.operator_of(org_b),
        "professional": factories.UserFactory(professional=True, email="autre.pro@chu.example"),
        "evaluator": factories.UserFactory(evaluator=True),
        "senior": factories.UserFactory(senior=True),
        "admin": factories.UserFactory(administrator=True),
    }
    granted = factories.RequestFactory(organisation=org_a, created_by=users["operator_a"])
    factories.proposed(granted, users["evaluator"])
    decision = lifecycle.validate_decision(granted, users["senior"])
    decision.refresh_from_db()
    # The letter exists, as it does once the worker has run.
    from django.core.files.base import ContentFile

    decision.letter.save("letter.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    decision.letter_sha256 = "0" * 64
    decision.save(update_fields=["letter_sha256"])
    # An incomplete draft: submitting it (POST to its last step) is refused.
    draft = factories.RequestFactory(
        organisation=org_a, created_by=users["operator_a"], device_name=""
    )
    # Organisation A's screens: operator A administers it, with a colleague and a pending
    # invitation; someone signed up and has not opened their verification link yet.
    Membership.objects.filter(user=users["operator_a"]).update(is_admin=True)
    colleague = factories.operator_of(org_a, email="collegue.matrice@example.org")
    invitation = factories.InvitationFactory(organisation=org_a, invited_by=users["operator_a"])
    unverified = factories.UserFactory(unverified=True, email="pas.encore@example.org")
    global_granted = factories.RequestFactory(
        organisation=org_a, created_by=users["operator_a"], global_kind=True
    )
    factories.proposed(global_granted, users["evaluator"])
    # With its Art. 54(2) sheet rendered, as it is once the worker has run.
    sheet = lifecycle.validate_decision(global_granted, users["senior"]).union_notification
    sheet.sheet.save("sheet.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    sheet.sheet_sha256 = "1" * 64
    sheet.save(update_fields=["sheet", "sheet_sha256"])
    global_granted.refresh_from_db()
    # An incident declared on the granted file, for the evaluator's follow-up form.
    incident = incidents.record_incident(
        granted,
        declarant=None,
        declarant_email=granted.prescriber_email,
        declarant_role="prescriber",
        occurred_on=datetime.date(2026, 1, 5),
        severity="serious",
        device_lot="L1",
        description="Résultat faux.",
        patient_outcome="Aucune.",
    )
    webhooks.register(org_a, users["operator_a"], "https://recepteur.example/dmdiv")
    return {
        "incident": incident,
        "users": users,
        "granted": granted,
        "decision": decision,
        "draft": draft,
        "global_granted": global_granted,
        "organisation": org_a,
        "membership": colleague.memberships.get(),
        "invitation": invitation,
        "unverified": unverified,
    }


def _token_for(name: str, world) -> str:
    if name == "accounts:verify_email":
        return tokens.verification_token(world["unverified"].pk)
    if name.startswith("accounts:invitation"):
        return tokens.invitation_token(world["invitation"].pk)
    if name.startswith("derogations:pro_"):
        return link_token(world["decision"], world["granted"].prescriber_email)
    return "forged-token"


def url_for(name: str, world) -> str:
    kwargs = {}
    pattern = dict(discovered_url_names())[name].pattern
    converters = getattr(pattern, "converters", {})
    if "kind" in converters:
        kwargs["kind"] = "individual"
    on_draft = name in {"derogations:edit", "derogations:step"}
    if "pk" in converters and name.startswith(("accounts:", "notifications:webhook")):
        kwargs["pk"] = world["organisation"].pk
    elif "pk" in converters:
        kwargs["pk"] = (
            world["draft"]
            if on_draft
            else world["global_granted"]
            if name in {"derogations:union_sheet", "derogations:union_sheet_json"}
            else world["granted"]
        ).pk
    if "step" in converters:
        kwargs["step"] = "depot"  # the last step: POST submits (refused: incomplete)
    if "invitation_pk" in converters:
        kwargs["invitation_pk"] = world["invitation"].pk
    if "membership_pk" in converters:
        kwargs["membership_pk"] = world["membership"].pk
    if "token" in converters:
        kwargs["token"] = _token_for(name, world)
    if "uidb64" in converters:
        kwargs["uidb64"] = "MQ"
    if "decision_pk" in converters:
        kwargs["decision_pk"] = world["decision"].pk
    if "attachment_pk" in converters:
        # A document of the granted (frozen) file: downloadable, never deletable.
        kwargs["attachment_pk"] = world["granted"].attachments.first().pk
    if "reference" in converters:
        kwargs["reference"] = world["global_granted"].reference
    if "incident_pk" in converters:
        kwargs["incident_pk"] = world["incident"].pk if name == "reviews:incident_follow_up" else 1
    if "delivery_pk" in converters:
        kwargs["delivery_pk"] = world["decision"].deliveries.first().pk
    if "message_pk" in converters:
        kwargs["message_pk"] = 1
    if name == "notifications:inbox_read":
        # No one's item (the file's pk could be, by chance, the number of a senior's
        # "proposal to sign" item: then the page answered 302).
        kwargs["pk"] = (InboxItem.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    return reverse(name, kwargs=kwargs)


def test_every_url_has_a_declared_expectation():
    names = {
        name
        for name, _ in discovered_url_names()
        if not name.startswith(ADMIN_NAMESPACE)
        and (not name.startswith(API_NAMESPACE) or name in EXPECTED)
        and not name.startswith(OAUTH_NAMESPACE)
    }
    assert names - set(EXPECTED) == set(), "declare the expected answers of the new URLs"
    assert set(EXPECTED) - names == set(), "remove the expectations of URLs that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matrix(world, name):
    url = url_for(name, world)
    snapshot = (
        list(DerogationRequest.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        AuditEntry.objects.count(),
        list(Attachment.objects.order_by("pk").values_list("pk", "sha256")),
        list(EvaluationGrid.objects.values_list("pk", "version")),
        PrivateNote.objects.count(),
        ComplementRequest.objects.count(),
    )
    got = {"GET": [], "POST": []}
    for role in ROLES:
        # One session per role: a GET changes nothing, so the POST that follows it meets the
        # session a fresh sign-in would give (a signed-in staff client costs a real pass of the
        # second factor: two per role were a third of this test's time).
        client = client_for(world["users"][role])
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, {})
            if response.streaming:
                # Read to the end: the test client then closes it without closing the
                # database connection (response.close() would, inside the test's transaction).
                b"".join(response.streaming_content)
            got[method].append(response.status_code)
            if response.status_code == 302 and world["users"][role] is None and name not in {
                "home", "derogations:verify", "accounts:login", "accounts:logout", "set_language",
                "derogations:pro_link",
            }:  # fmt: skip
                assert response["Location"].startswith(reverse("accounts:login")), (role, method)
    expected_get, expected_post = EXPECTED[name]
    assert (tuple(got["GET"]), tuple(got["POST"])) == (expected_get, expected_post), dict(
        zip(ROLES, zip(got["GET"], got["POST"], strict=True), strict=True)
    )
    # Nobody changed anything: empty POSTs are refused or ask for more.
    after = (
        list(DerogationRequest.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        AuditEntry.objects.count(),
        list(Attachment.objects.order_by("pk").values_list("pk", "sha256")),
        list(EvaluationGrid.objects.values_list("pk", "version")),
        PrivateNote.objects.count(),
        ComplementRequest.objects.count(),
    )
    assert after == snapshot


@pytest.mark.django_db
def test_every_post_is_refused_without_csrf_token(world):
    # One signed-in client per role (a refused post changes nothing in its session).
    clients = {}
    for role in ROLES:
        clients[role] = Client(enforce_csrf_checks=True)
        if world["users"][role] is not None:
            clients[role].force_login(world["users"][role])
    for name in sorted(EXPECTED):
        url = url_for(name, world)
        for role in ROLES:
            response = clients[role].post(url, {})
            assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.django_db
def test_django_admin_is_for_administrators_only(world):
    for role in ROLES:
        client = client_for(world["users"][role])
        response = client.get(reverse("admin:index"))
        # Signed in without admin rights: a French 403 page, not a redirect back to the
        # sign-in page (which sent a signed-in person back to the admin, in a loop).
        expected = {"admin": 200, "anonymous": 302}.get(role, 403)
        assert response.status_code == expected, role


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_head_answers_like_get(world, name):
    """RFC 9110 § 9.3.2: every URL that answers GET answers HEAD with the same status and
    headers, and no body (a view that refuses GET refuses HEAD alike)."""
    url = url_for(name, world)
    for role in ROLES:
        client = client_for(world["users"][role])
        got = client.get(url)
        if got.streaming:
            b"".join(got.streaming_content)
        head = client.head(url)
        assert head.status_code == got.status_code, (role, head.status_code, got.status_code)
        assert head.get("Content-Type") == got.get("Content-Type"), role
        assert head.get("Location") == got.get("Location"), role
        assert b"".join(head.streaming_content if head.streaming else [head.content]) == b""


@pytest.mark.django_db
def test_head_on_the_django_admin(world):
    for role in ("anonymous", "operator_a", "admin"):
        client = client_for(world["users"][role])
        got, head = client.get(reverse("admin:index")), client.head(reverse("admin:index"))
        assert head.status_code == got.status_code and head.content == b"", role
