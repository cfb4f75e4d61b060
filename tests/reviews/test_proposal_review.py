"""A letter cannot be signed wrong: a motivation template's placeholders and repeated visas
block the proposal, the amendment and the signature; the senior reads the exact letter,
amends it (audited before/after) and signs the version read."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from derogations import lifecycle
from derogations.enums import DecisionState, Status
from derogations.models import AuditEntry, Decision
from derogations.placeholders import unfilled_placeholders, visa_lines
from notifications.letters import PREVIEW_CODE
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TEMPLATE_TEXT = (
    "Considérant que le dispositif est destiné à [indication] ;\n"
    "Considérant les données transmises, notamment "
    "[rapport d'évaluation des performances, données publiées] ;"
)


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_placeholders_are_found_each_once_in_order():
    assert unfilled_placeholders(TEMPLATE_TEXT + " [indication]") == [
        "[indication]",
        "[rapport d'évaluation des performances, données publiées]",
    ]
    assert unfilled_placeholders("Aucun passage à compléter.") == []
    # Not placeholders: an empty pair, a bracket left open, a pair over two lines.
    assert unfilled_placeholders("[] [ ] [ouvert\nfermé] ] [") == []
    assert unfilled_placeholders("[a [b] c]") == ["[b]"]
    assert visa_lines("Vu le règlement ;\n  Vu le code ;\nConsidérant …") == [
        "Vu le règlement ;",
        "Vu le code ;",
    ]


def test_placeholder_detection_reads_hostile_text_once():
    """Inputs that make a backtracking pattern quadratic: the single left-to-right pass
    answers them (correctly) at once."""
    size = 200_000
    assert unfilled_placeholders("[" * size) == []
    assert unfilled_placeholders("[" + "a" * size) == []
    assert unfilled_placeholders("[a" * size + "]") == ["[a]"]
    assert len(unfilled_placeholders("".join(f"[{n}]" for n in range(size // 10)))) == size // 10


def test_proposal_with_placeholders_is_refused_naming_each(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)
    factories.graded(draft_a, evaluator)
    response = client_for(evaluator).post(
        reverse("reviews:propose", args=[draft_a.pk]),
        {"kind": "refusal", "motivation": TEMPLATE_TEXT, "conditions": "Lots [numéros]"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "« [indication] »" in html
    assert "« [rapport d&#x27;évaluation des performances, données publiées] »" in html
    assert "« [numéros] »" in html
    assert "destiné à [indication]" in html  # what was typed is kept
    assert not Decision.objects.filter(request=draft_a, state=DecisionState.PROPOSED).exists()
    with pytest.raises(lifecycle.TransitionError, match=r"\[indication\]"):
        lifecycle.propose_decision(draft_a, evaluator, kind="refusal", motivation=TEMPLATE_TEXT)
    with pytest.raises(lifecycle.TransitionError, match="visas"):
        lifecycle.propose_decision(
            draft_a, evaluator, kind="refusal", motivation="Vu le règlement ;\nConsidérant …"
        )
    draft_a.refresh_from_db()
    assert draft_a.status == Status.IN_REVIEW


def test_signature_is_refused_while_a_placeholder_remains(draft_a, evaluator, senior):
    proposal = factories.proposed(draft_a, evaluator)
    # A proposal written before the rule, still carrying its template's placeholder.
    Decision.objects.filter(pk=proposal.pk).update(motivation=TEMPLATE_TEXT)
    response = client_for(senior).post(reverse("reviews:validate", args=[draft_a.pk]), follow=True)
    assert "« [indication] »" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    proposal.refresh_from_db()
    assert proposal.state == DecisionState.PROPOSED and not proposal.verification_code


def test_senior_amends_the_proposal_and_the_trail_keeps_before_and_after(
    draft_a, evaluator, senior, operator_a
):
    proposal = factories.proposed(draft_a, evaluator, conditions="Lots tracés.")
    before = proposal.motivation
    url = reverse("reviews:amend_proposal", args=[draft_a.pk])
    # A placeholder typed in the amendment: refused in French, the text kept.
    response = client_for(senior).post(
        url, {"amend-motivation": "Considérant [préciser] ;", "amend-conditions": ""}
    )
    assert response.status_code == 400
    assert "« [préciser] »" in response.content.decode()
    # The proposer and the operator may not amend.
    assert client_for(operator_a).post(url, {"amend-motivation": "x"}).status_code == 404
    response = client_for(evaluator).post(url, {"amend-motivation": "Autre texte."}, follow=True)
    assert "droit" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.motivation == before

    client_for(senior).post(
        url,
        {"amend-motivation": "Considérant le bénéfice établi.", "amend-conditions": "Lots tracés."},
    )
    proposal.refresh_from_db()
    assert proposal.motivation == "Considérant le bénéfice établi."
    entry = AuditEntry.objects.get(request=draft_a, action="amend_proposal")
    assert entry.actor == senior
    assert entry.from_status == entry.to_status == Status.DECISION_PROPOSED
    assert f"Motivation — avant :\n{before}" in entry.comment
    assert "Motivation — après :\nConsidérant le bénéfice établi." in entry.comment
    assert "Conditions" not in entry.comment  # unchanged, not recorded
    page = client_for(senior).get(reverse("reviews:file", args=[draft_a.pk])).content.decode()
    assert "Proposition modifiée avant signature" in page
    # Staff only: the operator's timeline does not show the four-eyes exchange.
    operator_page = client_for(operator_a).get(reverse("derogations:detail", args=[draft_a.pk]))
    assert "Proposition modifiée avant signature" not in operator_page.content.decode()


def test_a_proposal_amended_after_the_reading_is_not_signed(
    draft_a, evaluator, senior, other_senior
):
    proposal = factories.proposed(draft_a, evaluator)
    read = lifecycle.proposal_digest(proposal)
    lifecycle.amend_proposal(
        draft_a, other_senior, motivation="Considérant autrement.", conditions=""
    )
    response = client_for(senior).post(
        reverse("reviews:validate", args=[draft_a.pk]), {"digest": read}, follow=True
    )
    assert "modifiée depuis que vous l&#x27;avez lue" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DECISION_PROPOSED
    proposal.refresh_from_db()
    client_for(senior).post(
        reverse("reviews:validate", args=[draft_a.pk]),
        {"digest": lifecycle.proposal_digest(proposal)},
    )
    draft_a.refresh_from_db()
    assert draft_a.status == Status.GRANTED


def test_the_senior_reads_the_letter_that_signing_sends(
    draft_a, evaluator, senior, operator_a, django_capture_on_commit_callbacks
):
    factories.proposed(draft_a, evaluator, motivation="Considérant le bénéfice attendu.")
    url = reverse("notifications:proposal_letter", args=[draft_a.pk])
    page = client_for(senior).get(reverse("reviews:file", args=[draft_a.pk])).content.decode()
    assert url in page
    entries = AuditEntry.objects.count()
    response = client_for(senior).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-cache" in response["Cache-Control"]
    preview = pdf_text(response.content)
    assert AuditEntry.objects.count() == entries  # GET writes nothing
    assert client_for(operator_a).get(url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        decision = lifecycle.validate_decision(draft_a, senior)
    decision.refresh_from_db()
    with decision.letter.open("rb") as handle:
        sent = pdf_text(handle.read())
    # The same letter, but for the code drawn at the signature.
    assert PREVIEW_CODE in preview and "Considérant le bénéfice attendu." in preview
    assert preview.replace(PREVIEW_CODE, decision.verification_code) == sent
    assert client_for(senior).get(url).status_code == 404  # nothing pending any more
