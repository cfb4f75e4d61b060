"""Every form of the portal with a free text refuses control and bidirectional characters
(accounts/plain_text.py): found by walking the apps' modules, not by a list kept by hand."""

import importlib
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.db import models

from accounts.plain_text import PlainTextForm
from notifications.views import ResendForm

APPS = ("accounts", "derogations", "reviews", "notifications", "collaboration", "api")
# Search boxes of lists: never stored, sent or exported; a refused search would only
# empty the list. Their values are shown escaped.
NOT_FREE_TEXT = {"RegistryFilterForm", "DashboardFilterForm", "FollowUpFilterForm",
                 "QueueFilterForm", "ProfessionalFilterForm", "LoginForm", "SecondFactorForm",
                 "VerificationForm"}  # fmt: skip


def _portal_forms() -> set[type]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found.add(sub)
    return found


def _has_free_text(form_class: type) -> bool:
    return any(
        type(field) is forms.CharField and not isinstance(field.widget, forms.PasswordInput)
        for field in getattr(form_class, "base_fields", {}).values()
    )


def test_every_form_with_a_free_text_refuses_control_characters():
    missing = sorted(
        f"{form.__module__}.{form.__name__}"
        for form in _portal_forms()
        if _has_free_text(form)
        and form.__name__ not in NOT_FREE_TEXT
        and not issubclass(form, PlainTextForm)
    )
    assert missing == []


def test_every_editable_admin_with_texts_refuses_control_characters():
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        texts = [
            f.name
            for f in model._meta.fields
            if isinstance(f, models.CharField | models.TextField)
            and f.editable
            and f.name not in (model_admin.readonly_fields or ())
            and not isinstance(f, models.EmailField)
            and f.name != "password"
        ]
        editable = type(model_admin).has_change_permission is admin.ModelAdmin.has_change_permission
        forms_used = [model_admin.form, getattr(model_admin, "add_form", model_admin.form)]
        if texts and editable and not all(issubclass(f, PlainTextForm) for f in forms_used):
            missing.append(model.__name__)
    assert missing == []


@pytest.mark.parametrize(
    "character", ["\x1b[31m", "\x07", "\u202e", "\u200f", "\u200e", "\u061c", "\u2066"]
)
def test_the_staff_resend_reason_refuses_each_control_or_bidi_character(character):
    form = ResendForm({"reason": f"Adresse corrigée{character} par téléphone", "last_copy": 1})
    assert not form.is_valid()
    assert "caractère de contrôle invisible" in form.errors["reason"][0]
    assert ResendForm(
        {"reason": "Adresse corrigée\tpar téléphone\nle 3 mai", "last_copy": 1}
    ).is_valid()
