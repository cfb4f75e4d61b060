"""The operator's periodic report form (issue 16)."""

import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.plain_text import PlainTextForm
from derogations import reports
from derogations.models import Derogation, PeriodicReport

from .supply_forms import DATE_FORMATS

DATE_HELP = gettext_lazy("Format : JJ/MM/AAAA.")
DATE_INVALID = gettext_lazy("Saisissez une date valide (JJ/MM/AAAA).")


def _date_field(label: "str | Any", required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=DATE_HELP,
        error_messages={"invalid": DATE_INVALID},
    )


class PeriodicReportForm(PlainTextForm, forms.ModelForm):
    """One report. Unbound, it proposes the next period and the quantities the operator
    declared supplying in it (editable); derogations.reports checks the period again under
    the row lock."""

    period_start = _date_field(gettext_lazy("Début de la période couverte"))
    period_end = _date_field(gettext_lazy("Fin de la période couverte"))
    quantity_supplied = forms.IntegerField(
        label=gettext_lazy("Quantités fournies sur la période"),
        min_value=0,
        max_value=100_000_000,
        help_text=gettext_lazy(
            "Prérempli avec le total des fournitures déclarées sur la période proposée ; "
            "corrigez-le si besoin."
        ),
    )
    incidents_count = forms.IntegerField(
        label=gettext_lazy("Nombre d'incidents connus sur la période"),
        min_value=0,
        max_value=100_000,
    )
    expected_ce_date = _date_field(gettext_lazy("Date prévue du marquage CE"), required=False)

    class Meta:
        model = PeriodicReport
        fields = [
            "period_start", "period_end", "quantity_supplied", "incidents_count",
            "incidents_summary", "notified_body", "ce_step", "expected_ce_date",
        ]  # fmt: skip
        widgets = {
            "incidents_summary": forms.Textarea(attrs={"rows": 4}),
            "ce_step": forms.RadioSelect,
        }
        labels = {"incidents_summary": gettext_lazy("Description des incidents connus")}
        help_texts = {
            "incidents_summary": gettext_lazy(
                "Obligatoire s'il y en a : nature, date, gravité, mesures prises. Sans "
                "donnée identifiant un patient."
            ),
            "notified_body": gettext_lazy("Par exemple : GMED (0459)."),
        }
        error_messages = {
            "ce_step": {"required": gettext_lazy("Indiquez l'étape du marquage CE.")},
        }

    def __init__(self, *args: Any, derogation: Derogation, **kwargs: Any) -> None:
        if not args or args[0] is None:
            start, end = reports.next_period(derogation)
            kwargs.setdefault(
                "initial",
                {
                    "period_start": start,
                    "period_end": end,
                    "quantity_supplied": reports.quantity_supplied(derogation, start, end),
                    "notified_body": derogation.request.notified_body,
                    "expected_ce_date": derogation.request.expected_ce_date,
                },
            )
        super().__init__(*args, **kwargs)
        self.derogation = derogation
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("report", _("Transmettre le rapport")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("period_start")
        end: datetime.date | None = data.get("period_end")
        if start and end:
            problem = reports.period_problem(self.derogation, start, end)
            if problem is not None:
                self.add_error("period_end", problem)
        if data.get("incidents_count") and not (data.get("incidents_summary") or "").strip():
            self.add_error("incidents_summary", _("Décrivez les incidents connus."))
        return data
