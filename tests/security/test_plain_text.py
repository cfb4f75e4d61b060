"""Free texts refuse invisible control characters (accounts/plain_text.py): terminal escape
codes, DEL, C1 controls, bidirectional overrides; tabs and line breaks stay allowed."""

import pytest
from django import forms
from django.urls import reverse

from accounts.plain_text import PlainTextForm
from derogations.models import DerogationRequest
from tests.conftest import client_for
from tests.derogations.test_views import STEP_DATA, step_url

pytestmark = pytest.mark.django_db

REFUSED = [
    "rouge \x1b[31m",
    "fin\x7f",
    "\x9bC1",
    "Réf. \u202eEXE.fdp",
    "isolé \u2066x\u2069",
    "a\x0bb",
]
ALLOWED = ["deux\tcolonnes", "ligne 1\r\nligne 2", "Émile « Zola » — 100 %", "zéro\u200blargeur"]


class _Sample(PlainTextForm, forms.Form):
    text = forms.CharField(required=False, widget=forms.Textarea)
    several = forms.MultipleChoiceField(choices=[("a", "a"), ("\x1bb", "b")], required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput)


@pytest.mark.parametrize("text", REFUSED)
def test_control_characters_are_refused_with_the_input_kept(text):
    form = _Sample({"text": text})
    assert not form.is_valid()
    assert "caractère de contrôle invisible" in form.errors["text"][0]
    assert form["text"].value() == text  # shown again as typed


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_texts_pass(text):
    form = _Sample({"text": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text"] == text.strip()


def test_a_list_value_is_checked_and_a_password_is_left_alone():
    assert not _Sample({"several": ["a", "\x1bb"]}).is_valid()
    assert _Sample({"secret": "pa\x1bss"}).is_valid()


def test_a_request_step_keeps_the_valid_fields_and_refuses_the_escape_code(draft_a):
    client = client_for(draft_a.created_by)
    data = {
        **STEP_DATA["patient"],
        "patient_indication": "Indication \x1b[2J effacée",
        "prescriber_name": "Dr Claire Martin",
        "save": "",
    }
    response = client.post(step_url(draft_a, "patient"), data)
    assert response.status_code == 200
    assert "caractère de contrôle invisible" in response.content.decode()
    draft = DerogationRequest.objects.get(pk=draft_a.pk)
    assert draft.prescriber_name == "Dr Claire Martin"  # the valid field is saved
    assert "\x1b" not in draft.patient_indication


def test_a_private_note_with_a_bidi_override_writes_nothing(evaluator, draft_a):
    from derogations import lifecycle
    from reviews.models import PrivateNote

    lifecycle.submit(draft_a, draft_a.created_by)
    response = client_for(evaluator).post(
        reverse("reviews:note", args=[draft_a.pk]), {"note-text": "Voir \u202eeton"}
    )
    assert response.status_code == 400  # the note view's answer to a refused note
    html = response.content.decode()
    assert "caractère de contrôle invisible" in html
    assert not PrivateNote.objects.exists()
