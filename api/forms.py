from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm

from .models import TokenScope
from .tokens import LIFETIMES_DAYS


class TokenForm(PlainTextForm, forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Par exemple : logiciel qualité, script de dépôt."),
    )
    scope = forms.ChoiceField(
        label=_("Droits"), choices=TokenScope.choices, widget=forms.RadioSelect
    )
    days = forms.TypedChoiceField(
        label=_("Durée de validité"),
        coerce=int,
        choices=[(days, _("%(days)s jours") % {"days": days}) for days in LIFETIMES_DAYS],
        initial=90,
    )
    code = forms.CharField(
        label=_("Code de double authentification"),
        help_text=_("Le code à 6 chiffres affiché par votre application d'authentification."),
        max_length=10,
        required=False,
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("create", _("Créer le jeton")))
