"""The operator's supply declaration: one supply typed in, or many from a CSV file."""

import csv
import datetime
import io

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.plain_text import PlainTextForm
from derogations import supplies
from derogations.models import Derogation, Supply
from derogations.validators import normalise_finess

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

# The CSV file's columns, in this order (the first line of the file, as written here).
CSV_COLUMNS = {
    "etablissement": "facility_name",
    "finess": "facility_finess",
    "adresse": "facility_address",
    "vigilance_nom": "vigilance_name",
    "vigilance_courriel": "vigilance_email",
    "directeur_nom": "director_name",
    "directeur_courriel": "director_email",
    "quantite": "quantity",
    "date_fourniture": "supplied_on",
    "lots": "lot_numbers",
}
CSV_EXAMPLE = [
    "CHU Exemple", "750000002", "1 rue de l'Hôpital, 75000 Paris", "Claire Martin",
    "reactovigilance@chu.example", "Louis Garnier", "direction@chu.example", "12",
    "15/01/2026", "LOT-2026-001, LOT-2026-002",
]  # fmt: skip
# Caps: a file that large is not a list of supplies; each line is read once (csv module).
CSV_MAX_BYTES = 1_000_000
CSV_MAX_LINES = 1000


class SupplyForm(PlainTextForm, forms.ModelForm):
    """One supply. ``derogation`` lets the form say at once that a date is not possible;
    derogations.supplies checks everything again under the row lock."""

    supplied_on = forms.DateField(
        label=gettext_lazy("Date de fourniture"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Format : JJ/MM/AAAA. Pas dans le futur."),
    )
    # Longer than 9: spaces, dots and dashes typed between the digits are removed first.
    facility_finess = forms.CharField(
        label=gettext_lazy("Numéro FINESS de l'établissement"),
        max_length=20,
        help_text=gettext_lazy("9 chiffres, clé de contrôle comprise."),
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantité fournie"),
        min_value=1,
        max_value=1_000_000,
        help_text=gettext_lazy("Nombre d'unités (trousses, automates…)."),
    )

    class Meta:
        model = Supply
        fields = [
            "facility_name", "facility_finess", "facility_address", "vigilance_name",
            "vigilance_email", "director_name", "director_email", "quantity", "supplied_on",
            "lot_numbers",
        ]  # fmt: skip
        widgets = {
            "facility_address": forms.Textarea(attrs={"rows": 2}),
            "lot_numbers": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "vigilance_email": gettext_lazy(
                "Il recevra les décisions prises ensuite sur cette dérogation (suspension, levée…)."
            ),
            "director_email": gettext_lazy("Il recevra aussi ces décisions."),
            "lot_numbers": gettext_lazy("Facultatif. Séparez les numéros par des virgules."),
        }

    def __init__(self, *args: object, derogation: Derogation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.derogation = derogation
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("declare", _("Déclarer la fourniture")))

    def clean_facility_finess(self) -> str:
        return normalise_finess(self.cleaned_data.get("facility_finess") or "")

    def clean_supplied_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("supplied_on")
        if value is not None:
            problem = supplies.date_problem(self.derogation, value)
            if problem is not None:
                raise forms.ValidationError(problem)
        return value


class SupplyImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV des fournitures"),
        help_text=gettext_lazy(
            "UTF-8, colonnes séparées par « ; » ou « , », la première ligne étant l'en-tête "
            "du modèle. 1 000 lignes et 1 Mo au plus. Si une ligne est en erreur, rien "
            "n'est enregistré."
        ),
    )

    def __init__(self, *args: object, derogation: Derogation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.derogation = derogation
        self.rows: list[dict[str, object]] = []
        self.line_errors: list[str] = []
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("import", _("Importer les fournitures")))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 1 Mo."))
        try:
            text = upload.read(CSV_MAX_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 ».")
            ) from exc
        self.rows, self.line_errors = parse_csv(text, self.derogation)
        if self.line_errors:
            raise forms.ValidationError(
                _("Aucune fourniture n'a été enregistrée : corrigez les lignes en erreur.")
            )
        return upload


def parse_csv(text: str, derogation: Derogation) -> tuple[list[dict[str, object]], list[str]]:
    """The cleaned rows of a supplies file, or the French errors of its lines. Each line is
    validated by SupplyForm, as if typed in."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if header != list(CSV_COLUMNS):
        return [], [
            _("La première ligne doit être l'en-tête du modèle : %(header)s")
            % {"header": delimiter.join(CSV_COLUMNS)}
        ]
    lines: list[tuple[int, list[str]]] = []
    try:
        for values in reader:
            if any(value.strip() for value in values):
                lines.append((reader.line_num, values))
            if len(lines) > CSV_MAX_LINES:
                return [], [_("Le fichier dépasse 1 000 lignes de fournitures.")]
    except csv.Error:
        return [], [
            _("Ligne %(line)s : ligne illisible (guillemet non fermé ou champ trop long).")
            % {"line": reader.line_num}
        ]
    rows: list[dict[str, object]] = []
    errors: list[str] = []
    for line, values in lines:
        if len(values) != len(CSV_COLUMNS):
            errors.append(
                _("Ligne %(line)s : %(count)s colonnes au lieu de %(expected)s.")
                % {"line": line, "count": len(values), "expected": len(CSV_COLUMNS)}
            )
            continue
        data = dict(zip(CSV_COLUMNS.values(), (value.strip() for value in values), strict=True))
        form = SupplyForm(data, derogation=derogation)
        if form.is_valid():
            rows.append(form.cleaned_data)
            continue
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for message in messages:
                errors.append(
                    _("Ligne %(line)s, %(field)s : %(message)s")
                    % {"line": line, "field": label, "message": message}
                )
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucune fourniture."))
    return rows, errors


def csv_template() -> str:
    """The header and one example line; a byte order mark lets spreadsheets read it as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(CSV_EXAMPLE)
    return buffer.getvalue()
