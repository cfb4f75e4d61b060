"""Letters of every kind of act, read back from the PDF; emails in the recipient's
language; deliberate resends; the Art. 54(2) sheet. Tasks run inline after commit."""

import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from derogations import followup, lifecycle, scenarios
from derogations.enums import DecisionKind, Status
from derogations.models import AuditEntry, Decision, UnionNotification
from derogations.scenarios import Cast
from notifications.models import Delivery, DeliveryStatus
from notifications.services import resend_delivery
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

APPEAL = "deux mois"
HOSTILE = (
    "<b>gras</b> {{ settings.SECRET_KEY }} {% now 'Y' %} <img src='http://evil.example/x.png'>"
)


def pdf_text(field) -> str:
    with field.open("rb") as handle:
        content = handle.read()
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


@pytest.fixture
def cast(org_a, operator_a, evaluator, senior, other_senior):
    return Cast(operator_a, evaluator, other_senior)


def _act(req, kind):
    return Decision.objects.get(request=req, kind=kind)


def _check(act, *, motivation, obligations, appeal):
    """What every letter must say: reference, verification code; and per kind the
    motivation, the obligations and the voies et délais de recours."""
    act.refresh_from_db()
    assert len(act.letter_sha256) == 64
    text = pdf_text(act.letter)
    assert act.request.reference in text
    assert act.verification_code in text
    assert "/verifier/?code=" in text
    if motivation:
        assert " ".join(motivation.split()) in text, (act.kind, motivation)
    for sentence in obligations:
        assert sentence in text, (act.kind, sentence)
    assert (APPEAL in text) == appeal, act.kind
    if appeal:
        assert "recours gracieux" in text and "tribunal administratif" in text
    return text


def test_letters_of_acts_before_a_decision(org_a, operator_a, cast):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.AWAITING_COMPLEMENTS, cast)
    text = _check(
        _act(req, DecisionKind.ACKNOWLEDGMENT),
        motivation="",
        obligations=["Tant qu'aucune décision d'octroi n'est notifiée"],
        appeal=False,
    )
    assert "accuse réception" in text and "Date cible indicative" in text
    text = _check(
        _act(req, DecisionKind.COMPLEMENT_REQUEST),
        motivation="Merci de transmettre le rapport d'évaluation des performances complet.",
        obligations=["Tant qu'aucune décision d'octroi n'est notifiée"],
        appeal=False,
    )
    assert "délai d'instruction est suspendu" in text
    other = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(other, Status.INADMISSIBLE, cast)
    text = _check(
        _act(other, DecisionKind.INADMISSIBILITY),
        motivation="Pièces essentielles manquantes.",
        obligations=["Le dispositif ne peut pas être mis à disposition"],
        appeal=True,
    )
    assert "déclarée irrecevable" in text


def test_letters_of_grant_refusal_and_follow_up_acts(org_a, operator_a, cast, evaluator, senior):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    text = _check(
        _act(req, DecisionKind.GRANT),
        motivation=scenarios.GRANT_MOTIVATION,
        obligations=[
            "jamais après un refus, une suspension, une levée ou la date de fin de validité",
            "recueillent son consentement",
            "déclarent sans délai",
            "peut suspendre ou lever la présente dérogation à tout moment, sans délai",
        ],
        appeal=True,
    )
    for expected in (
        "règlement (UE) 2017/746", "article 54, paragraphe 1", "L. 5221-3",
        "GenoRare PCR Kit", "Traçabilité des lots", "Nouveau-nés avec suspicion",
        "RÉPUBLIQUE FRANÇAISE", "Pour le directeur général",
        "notifiée à la Commission européenne",
    ):  # fmt: skip
        assert expected in text, expected

    followup.suspend(req, evaluator, "Deux incidents graves déclarés sur le lot 42.")
    _check(
        _act(req, DecisionKind.SUSPENSION),
        motivation="Deux incidents graves déclarés sur le lot 42.",
        obligations=["cesse immédiatement toute mise à disposition", "n'utilisent plus"],
        appeal=True,
    )
    followup.resume(req, senior, "Cause identifiée, lot retiré.")
    _check(
        _act(req, DecisionKind.RESUMPTION),
        motivation="Cause identifiée, lot retiré.",
        obligations=["recueillent son consentement", "sans délai"],
        appeal=False,
    )
    followup.change_conditions(
        req, senior, "Suivi renforcé.", "Registre national des patients traités."
    )
    text = _check(
        _act(req, DecisionKind.CONDITIONS_CHANGE),
        motivation="Suivi renforcé.",
        obligations=["recueillent son consentement"],
        appeal=True,
    )
    assert "Registre national des patients traités." in text
    followup.lift(req, senior, "Risque grave confirmé.")
    _check(
        _act(req, DecisionKind.LIFTING),
        motivation="Risque grave confirmé.",
        obligations=["cesse immédiatement et définitivement", "cessent d'utiliser"],
        appeal=True,
    )

    refused = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(refused, Status.REFUSED, cast)
    _check(
        _act(refused, DecisionKind.REFUSAL),
        motivation=scenarios.REFUSAL_MOTIVATION,
        obligations=["ne doit pas mettre le dispositif à disposition"],
        appeal=True,
    )


def test_motivation_with_markup_or_template_syntax_renders_as_text(org_a, operator_a, cast):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.GRANTED, cast)
    act = followup.suspend(req, cast.evaluator, HOSTILE)
    act.refresh_from_db()
    text = pdf_text(act.letter)
    assert "<b>gras</b>" in text and "{{ settings.SECRET_KEY }}" in text
    assert "{% now 'Y' %}" in text


def test_union_sheet_is_rendered_with_the_global_grant_and_downloadable_by_staff(
    org_a, operator_a, cast, evaluator
):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    notification = UnionNotification.objects.get(grant__request=req)
    assert len(notification.sheet_sha256) == 64
    text = pdf_text(notification.sheet)
    assert "Article 54(2)" in text and req.reference in text and "France" in text
    assert APPEAL not in text
    url = reverse("derogations:union_sheet", args=[req.pk])
    response = client_for(evaluator).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    response.close()
    assert client_for(operator_a).get(url).status_code == 404


def test_email_language_follows_the_recipient(org_a, operator_a, cast):
    english = factories.operator_of(org_a, email="en@labo.example", preferred_language="en")
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    mail.outbox.clear()
    scenarios.bring_to(req, Status.SUBMITTED, cast)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert Delivery.objects.get(recipient_email=english.email).language == "en"
    assert "Please find attached the letter from ANSM" in by_recipient[english.email].body
    assert "Acknowledgment of receipt" in by_recipient[english.email].subject
    assert "Vous trouverez ci-joint" in by_recipient[operator_a.email].body
    assert "Accusé de réception" in by_recipient[operator_a.email].subject


def test_staff_resend_a_copy_deliberately(org_a, operator_a, cast, evaluator):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.GRANTED, cast)
    grant = _act(req, DecisionKind.GRANT)
    original = grant.deliveries.get(recipient_email=req.prescriber_email)
    mail.outbox.clear()
    with pytest.raises(lifecycle.TransitionError):
        resend_delivery(original, operator_a, "Je veux le recevoir encore.")
    with pytest.raises(lifecycle.TransitionError, match="Indiquez pourquoi"):
        resend_delivery(original, evaluator, " ")
    url = reverse("notifications:resend", args=[req.pk, original.pk])
    last_copy = grant.deliveries.order_by("pk").last().pk
    response = client_for(evaluator).post(
        url, {"reason": "Boîte du prescripteur saturée.", "last_copy": last_copy}
    )
    assert response.status_code == 302
    assert [m.to[0] for m in mail.outbox] == [req.prescriber_email]
    copy = Delivery.objects.get(resend_of=original)
    assert copy.status == DeliveryStatus.SENT and copy.requested_by == evaluator
    assert copy.reason == "Boîte du prescripteur saturée."
    assert copy.message_id != original.message_id
    entry = AuditEntry.objects.filter(request=req).last()
    assert entry.action == "resend_delivery" and entry.actor == evaluator
    assert "Boîte du prescripteur saturée." in entry.comment
    page = client_for(evaluator).get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Nouvel envoi : Boîte du prescripteur saturée." in page
    # The operator does not see staff-only audit entries.
    detail = client_for(operator_a).get(reverse("derogations:detail", args=[req.pk]))
    assert "Boîte du prescripteur" not in detail.content.decode()


def test_verification_page_says_whether_the_derogation_is_in_force(
    client, org_a, operator_a, cast, senior
):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.GRANTED, cast)
    grant = _act(req, DecisionKind.GRANT)
    url = reverse("derogations:verify")

    def page(code):
        return client.get(url, {"code": code}).content.decode()

    html = page(grant.verification_code)
    assert "Ce courrier est authentique." in html and "La dérogation est en vigueur." in html
    assert grant.letter_sha256 in html and "Octroi de la dérogation" in html
    suspension = followup.suspend(req, cast.evaluator, "Incident.")
    html = page(grant.verification_code)
    assert "La dérogation est suspendue." in html
    suspension.refresh_from_db()
    html = page(suspension.verification_code)
    assert "Suspension de la dérogation" in html and suspension.letter_sha256 in html
    followup.lift(req, senior, "Risque.")
    assert "La dérogation a été levée." in page(grant.verification_code)

    other = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(other, Status.GRANTED, cast)
    other.derogation.__class__.objects.filter(request=other).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=2)
    )
    assert "La dérogation a expiré." in page(_act(other, DecisionKind.GRANT).verification_code)


def test_verification_code_is_extracted_whole_whatever_its_letters(org_a, operator_a, cast):
    """Kerning off: a pair such as "QJ" must not come out of the PDF as "Q J"."""
    from notifications.letters import render_act_letter

    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.SUBMITTED, cast)
    act = _act(req, DecisionKind.ACKNOWLEDGMENT)
    act.verification_code = "GG98-WQJ7-NVBG"  # not saved: rendered only
    content = render_act_letter(act)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert text.count("GG98-WQJ7-NVBG") >= 3  # verification box, its URL, each page footer


def test_a_resend_refused_shows_its_form_again_with_what_was_typed(
    org_a, operator_a, cast, evaluator
):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(req, Status.GRANTED, cast)
    grant = _act(req, DecisionKind.GRANT)
    original = grant.deliveries.get(recipient_email=req.prescriber_email)
    last_copy = grant.deliveries.order_by("pk").last().pk
    url = reverse("notifications:resend", args=[req.pk, original.pk])
    client = client_for(evaluator)
    mail.outbox.clear()

    blank = client.post(url, {"reason": "   ", "last_copy": last_copy})
    assert blank.status_code == 400
    assert "Indiquez pourquoi le courrier est envoyé à nouveau." in blank.content.decode()
    assert req.prescriber_email in blank.content.decode()

    typed = "Adresse corrigée <b>urgente</b> " + "x" * 2000
    too_long = client.post(url, {"reason": typed, "last_copy": last_copy})
    page = too_long.content.decode()
    assert too_long.status_code == 400
    assert "Adresse corrigée &lt;b&gt;urgente&lt;/b&gt; xxx" in page  # kept, escaped
    assert not Delivery.objects.filter(resend_of=original).exists() and not mail.outbox
