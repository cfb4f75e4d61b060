"""The ``dsfr_crispy`` crispy-forms template pack writes DSFR, accessible form markup."""

import datetime
from html.parser import HTMLParser

import pytest
from crispy_forms.bootstrap import FormActions
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Button, Fieldset, Layout, Submit
from django import forms
from django.template import Context, Template
from django.utils import translation


@pytest.fixture(autouse=True)
def french():
    """Messages are checked in French, whatever language an earlier test left active."""
    with translation.override("fr"):
        yield


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Element | None") -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element] = []
        self.text_parts: list[str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    @property
    def text(self) -> str:
        parts = list(self.text_parts)
        for child in self.children:
            parts.append(child.text)
        return " ".join(" ".join(parts).split())

    def ancestors(self) -> list["Element"]:
        result = []
        node = self.parent
        while node is not None:
            result.append(node)
            node = node.parent
        return result

    def closest(self, tag: str | None = None, css_class: str | None = None) -> "Element | None":
        for node in self.ancestors():
            if (tag is None or node.tag == tag) and (
                css_class is None or css_class in node.classes
            ):
                return node
        return None

    def find_all(self, tag: str | None = None, css_class: str | None = None) -> list["Element"]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (
                css_class is None or css_class in child.classes
            ):
                found.append(child)
            found.extend(child.find_all(tag, css_class))
        return found


class TreeBuilder(HTMLParser):
    """A small DOM built with the standard library's parser (no extra dependency)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, None)
        self.current = self.root
        self.by_id: dict[str, list[Element]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(element)
        if "id" in element.attrs:
            self.by_id.setdefault(element.attrs["id"], []).append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.current = self.current.parent or self.root

    def handle_endtag(self, tag: str) -> None:
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text_parts.append(data)


def parse(html: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder


def by_id(doc: TreeBuilder, element_id: str) -> Element:
    elements = doc.by_id.get(element_id, [])
    assert len(elements) == 1, (
        f"expected exactly one element with id={element_id!r}, got {elements}"
    )
    return elements[0]


class DemoForm(forms.Form):
    name = forms.CharField(
        label="Nom commercial du dispositif",
        help_text="Tel qu’il figure sur l’étiquetage.",
    )
    email = forms.EmailField(label="Adresse électronique de contact")
    kind = forms.ChoiceField(
        label="Type de demande",
        choices=[("individual", "Individuelle"), ("global", "Globale")],
        widget=forms.RadioSelect,
        help_text="Une demande globale couvre plusieurs patients.",
    )
    uses = forms.MultipleChoiceField(
        label="Usages prévus",
        choices=[("screening", "Dépistage"), ("diagnosis", "Diagnostic")],
        widget=forms.CheckboxSelectMultiple,
    )
    certify = forms.BooleanField(label="Je certifie l’exactitude des informations")
    start = forms.DateField(
        label="Date de début souhaitée", widget=forms.DateInput(attrs={"type": "date"})
    )
    ivd_class = forms.ChoiceField(
        label="Classe du dispositif",
        choices=[("", "Sélectionner une classe"), ("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Identification du dispositif", "name", "email"),
            "kind",
            "uses",
            "certify",
            "start",
            "ivd_class",
            FormActions(
                Submit("save", "Enregistrer"),
                Button("cancel", "Annuler", css_class="fr-btn--secondary"),
            ),
        )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if self.data.get("name") == "interdit":
            raise forms.ValidationError("Ce dispositif ne peut pas faire l’objet d’une demande.")
        return cleaned


INVALID_DATA = {
    "name": "",
    "email": "pas-une-adresse",
    "uses": ["inconnu"],
    "start": "2025-02-30",
    "ivd_class": "Z",
}


def render(form: forms.Form) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def test_unbound_form_uses_dsfr_markup():
    html = render(DemoForm(initial={"start": datetime.date(2025, 3, 1)}))
    doc = parse(html)

    form_tag = doc.root.find_all("form")
    assert len(form_tag) == 1 and form_tag[0].attrs["method"] == "post"

    # Text input: fr-input-group > label.fr-label[for] + input.fr-input, hint inside the label.
    name = by_id(doc, "id_name")
    assert "fr-input" in name.classes
    assert "fr-input-group" in name.parent.classes
    label = name.parent.find_all("label")[0]
    assert label.attrs["for"] == "id_name" and "fr-label" in label.classes
    hint = by_id(doc, "id_name-desc-hint")
    assert "fr-hint-text" in hint.classes and hint.parent is label
    assert name.attrs["aria-describedby"].split() == ["id_name-desc-hint"]
    assert "aria-invalid" not in name.attrs
    assert "*" in label.text  # required marker
    assert "sont obligatoires" in html  # ... and its explanation

    # Crispy Fieldset -> DSFR fieldset with a legend.
    fieldset = name.closest("fieldset")
    assert fieldset is not None and "fr-fieldset" in fieldset.classes
    legend = fieldset.find_all("legend")[0]
    assert "fr-fieldset__legend" in legend.classes
    assert legend.text == "Identification du dispositif"
    assert by_id(doc, "id_email").closest("fieldset") is fieldset

    # Every visible control has a label whose for matches its id.
    labels_for = {label.attrs.get("for") for label in doc.root.find_all("label")}
    for control in doc.root.find_all("input") + doc.root.find_all("select"):
        if control.attrs.get("type") != "hidden":
            assert control.attrs["id"] in labels_for, control.attrs

    # Radios: fieldset + legend, each option in fr-fieldset__element > fr-radio-group.
    radio = by_id(doc, "id_kind_0")
    group = radio.parent
    assert "fr-radio-group" in group.classes
    assert "fr-fieldset__element" in group.parent.classes
    radio_fieldset = radio.closest("fieldset")
    assert "fr-fieldset" in radio_fieldset.classes and radio_fieldset is not fieldset
    radio_legend = by_id(doc, "id_kind-legend")
    assert radio_legend.tag == "legend" and radio_legend.parent is radio_fieldset
    assert "Type de demande" in radio_legend.text
    assert by_id(doc, "id_kind-desc-hint").parent is radio_legend
    assert radio_fieldset.attrs["aria-labelledby"] == "id_kind-legend"
    assert [r.attrs["value"] for r in radio_fieldset.find_all("input")] == ["individual", "global"]

    # Checkboxes of a MultipleChoiceField: same structure with fr-checkbox-group.
    checkbox = by_id(doc, "id_uses_1")
    assert "fr-checkbox-group" in checkbox.parent.classes
    assert "fr-fieldset__element" in checkbox.parent.parent.classes
    assert checkbox.closest("fieldset").find_all("legend")[0].text.startswith("Usages prévus")

    # A single BooleanField: fr-checkbox-group with its label.
    certify = by_id(doc, "id_certify")
    assert certify.attrs["type"] == "checkbox"
    assert "fr-checkbox-group" in certify.parent.classes
    assert certify.closest("fieldset") is None

    # Date input: type=date, with the ISO value the browser needs.
    start = by_id(doc, "id_start")
    assert start.attrs["type"] == "date"
    assert start.attrs["value"] == "2025-03-01"
    assert "fr-input" in start.classes

    # Select: fr-select-group > select.fr-select.
    select = by_id(doc, "id_ivd_class")
    assert select.tag == "select" and "fr-select" in select.classes
    assert "fr-select-group" in select.parent.classes

    # Buttons: DSFR buttons in an inline button group, secondary when asked.
    save = by_id(doc, "submit-id-save")
    assert save.tag == "button" and save.attrs["type"] == "submit"
    assert save.classes == ["fr-btn"]
    assert save.attrs["name"] == "save"
    btns_group = save.parent
    assert {"fr-btns-group", "fr-btns-group--inline-md"} <= set(btns_group.classes)
    cancel = by_id(doc, "button-id-cancel")
    assert cancel.classes == ["fr-btn", "fr-btn--secondary"]
    assert cancel.attrs["type"] == "button"

    # No error markup on an unbound form.
    assert "fr-alert--error" not in html
    assert "-desc-error" not in html
    assert "aria-invalid" not in html


def test_invalid_form_shows_errors_accessibly_and_keeps_values():
    form = DemoForm(data=INVALID_DATA)
    assert not form.is_valid()
    html = render(form)
    doc = parse(html)

    # Text input with a hint and an error: both ids in aria-describedby, both elements exist.
    name = by_id(doc, "id_name")
    assert name.attrs["aria-invalid"] == "true"
    assert name.attrs["aria-describedby"].split() == ["id_name-desc-hint", "id_name-desc-error"]
    assert by_id(doc, "id_name-desc-hint").tag == "span"
    error = by_id(doc, "id_name-desc-error")
    assert error.tag == "p" and "fr-error-text" in error.classes
    assert error.text == "Ce champ est obligatoire."
    assert {"fr-input-group", "fr-input-group--error"} <= set(name.parent.classes)
    assert "fr-input--error" in name.classes

    # Values typed by the user are kept.
    email = by_id(doc, "id_email")
    assert email.attrs["value"] == "pas-une-adresse"
    assert email.attrs["aria-describedby"] == "id_email-desc-error"
    assert email.attrs["aria-invalid"] == "true"
    start = by_id(doc, "id_start")
    assert start.attrs["value"] == "2025-02-30"
    assert start.attrs["type"] == "date"
    assert by_id(doc, "id_start-desc-error").text == "Saisissez une date valide."

    # Select in error.
    select = by_id(doc, "id_ivd_class")
    assert {"fr-select", "fr-select--error"} <= set(select.classes)
    assert "fr-select-group--error" in select.parent.classes
    assert select.attrs["aria-describedby"] == "id_ivd_class-desc-error"

    # Radio group in error: fr-fieldset--error, error in fr-messages-group, named by the fieldset.
    radio_fieldset = by_id(doc, "id_kind")
    assert radio_fieldset.tag == "fieldset" and "fr-fieldset--error" in radio_fieldset.classes
    assert radio_fieldset.attrs["aria-labelledby"].split() == ["id_kind-legend", "id_kind-messages"]
    messages = by_id(doc, "id_kind-messages")
    assert "fr-messages-group" in messages.classes and messages.parent is radio_fieldset
    assert by_id(doc, "id_kind-desc-error").parent is messages
    assert by_id(doc, "id_kind_0").attrs["aria-invalid"] == "true"

    # Checkbox group in error keeps the (invalid) choice unticked and shows its message.
    assert "fr-fieldset--error" in by_id(doc, "id_uses").classes
    assert "checked" not in by_id(doc, "id_uses_0").attrs

    # Single checkbox in error.
    certify = by_id(doc, "id_certify")
    assert "fr-checkbox-group--error" in certify.parent.classes
    assert certify.attrs["aria-describedby"] == "id_certify-desc-error"
    assert "fr-messages-group" in by_id(doc, "id_certify-desc-error").parent.classes

    # Error summary at the top, before the first field, linking to every invalid field.
    summary = doc.root.find_all("div", "fr-alert--error")
    assert len(summary) == 1
    summary = summary[0]
    assert "fr-alert" in summary.classes and summary.attrs.get("role") == "alert"
    assert summary.find_all("h2")[0].text == "Le formulaire contient 7 erreurs"
    assert html.index("fr-alert--error") < html.index('id="id_name"')
    links = [a.attrs["href"] for a in summary.find_all("a")]
    invalid_fields = ["name", "email", "kind", "uses", "certify", "start", "ivd_class"]
    assert sorted(form.errors) == sorted(invalid_fields)
    assert links == [
        "#id_name",
        "#id_email",
        "#id_kind_0",
        "#id_uses_0",
        "#id_certify",
        "#id_start",
        "#id_ivd_class",
    ]
    for link in links:
        by_id(doc, link[1:])  # each target exists, once


def test_radio_and_checkbox_choices_are_kept_when_rerendered():
    data = dict(INVALID_DATA, kind="global", uses=["screening", "diagnosis"], certify="on")
    html = render(DemoForm(data=data))
    doc = parse(html)
    assert "checked" in by_id(doc, "id_kind_1").attrs
    assert "checked" not in by_id(doc, "id_kind_0").attrs
    assert "checked" in by_id(doc, "id_uses_0").attrs and "checked" in by_id(doc, "id_uses_1").attrs
    assert "checked" in by_id(doc, "id_certify").attrs
    # Valid fields of an invalid form show no error.
    assert "fr-fieldset--error" not in by_id(doc, "id_kind").classes
    assert "id_kind-desc-error" not in html


def test_non_field_errors_are_listed_in_the_alert_without_link():
    data = dict(
        INVALID_DATA,
        name="interdit",
        email="contact@example.org",
        kind="global",
        uses=["screening"],
        certify="on",
        start="2025-03-01",
        ivd_class="D",
    )
    form = DemoForm(data=data)
    assert not form.is_valid() and list(form.errors) == ["__all__"]
    html = render(form)
    doc = parse(html)
    alert = doc.root.find_all("div", "fr-alert--error")[0]
    assert alert.find_all("h2")[0].text == "Le formulaire contient une erreur"
    items = alert.find_all("li")
    assert [li.text for li in items] == ["Ce dispositif ne peut pas faire l’objet d’une demande."]
    assert alert.find_all("a") == []
    assert by_id(doc, "id_name").attrs["value"] == "interdit"
    assert "aria-invalid" not in by_id(doc, "id_name").attrs


def test_form_without_layout_and_filters_render_without_undefined_variables():
    class SimpleForm(forms.Form):
        comment = forms.CharField(label="Commentaire", widget=forms.Textarea, required=False)
        hidden = forms.CharField(widget=forms.HiddenInput, initial="x")

    form = SimpleForm(data={"comment": "Texte saisi", "hidden": "x"})
    html = Template(
        "{% load crispy_forms_tags %}{{ form|crispy }}{{ form.comment|as_crispy_field }}"
        "{{ form|as_crispy_errors }}"
    ).render(Context({"form": form}))
    doc = parse(html)
    textareas = doc.root.find_all("textarea")
    assert len(textareas) == 2
    assert all("fr-input" in t.classes and t.text == "Texte saisi" for t in textareas)
    assert "sont obligatoires" not in html  # no required field, no notice
    hidden = [i for i in doc.root.find_all("input") if i.attrs.get("type") == "hidden"]
    assert hidden and hidden[0].attrs["value"] == "x"


def test_helper_without_form_tag_and_email_type_from_attrs():
    class ContactForm(forms.Form):
        email = forms.CharField(label="Adresse électronique")

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.fields["email"].widget.attrs.update({"type": "email"})
            self.helper = FormHelper()
            self.helper.form_tag = False
            self.helper.add_input(Submit("send", "Envoyer", css_class="fr-btn--secondary"))

    html = render(ContactForm())
    doc = parse(html)
    assert doc.root.find_all("form") == []
    email = by_id(doc, "id_email")
    assert html.count("type=") == html.count('type="email"') + html.count('type="submit"')
    assert email.attrs["type"] == "email"
    send = by_id(doc, "submit-id-send")
    assert send.classes == ["fr-btn", "fr-btn--secondary"]
    assert send.parent.tag == "li" and "fr-btns-group" in send.parent.parent.classes


def test_other_layout_objects_render_dsfr_markup():
    from crispy_forms.bootstrap import (
        Alert,
        AppendedText,
        FieldWithButtons,
        InlineRadios,
        StrictButton,
    )
    from crispy_forms.layout import HTML, Column, Div, MultiField, Row

    class OtherForm(forms.Form):
        quantity = forms.IntegerField(label="Quantité", help_text="Nombre de tests.")
        code = forms.CharField(label="Code de vérification")
        kind = forms.ChoiceField(
            label="Type", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
        )
        first = forms.CharField(label="Prénom", required=False)
        last = forms.CharField(label="Nom", required=False)

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.helper = FormHelper()
            self.helper.layout = Layout(
                Alert("À lire avant de remplir.", css_class="alert-warning"),
                AppendedText("quantity", "tests"),
                FieldWithButtons("code", StrictButton("Vérifier", type="submit")),
                InlineRadios("kind"),
                Row(Column("first"), Column("last", css_class="fr-col-12 fr-col-md-4")),
                MultiField("Identité", Div(HTML("<p>Texte libre</p>"))),
            )

    html = render(OtherForm(data={"quantity": "x", "code": "", "kind": "a"}))
    doc = parse(html)
    assert 'class="fr-alert fr-alert--warning fr-alert--sm"' in html
    quantity = by_id(doc, "id_quantity")
    assert quantity.attrs["value"] == "x"
    assert quantity.attrs["aria-describedby"].split() == [
        "id_quantity-desc-hint",
        "id_quantity-desc-error",
        "id_quantity-appended",
    ]
    assert by_id(doc, "id_quantity-appended").text == "tests"
    code = by_id(doc, "id_code")
    assert "fr-input-wrap--addon" in code.parent.classes
    verify = [b for b in code.parent.find_all("button") if b.text == "Vérifier"][0]
    assert verify.classes == ["fr-btn"] and verify.attrs["type"] == "submit"
    assert "fr-fieldset__element--inline" in by_id(doc, "id_kind_0").parent.parent.classes
    assert "checked" in by_id(doc, "id_kind_0").attrs
    first_column = by_id(doc, "id_first").closest("div", "fr-grid-row")
    assert first_column is not None and "fr-grid-row--gutters" in first_column.classes
    assert by_id(doc, "id_last").closest("div", "fr-col-md-4") is not None
    assert by_id(doc, "id_first").closest("div", "fr-col-md") is not None


def test_formset_as_dsfr_table():
    class LineForm(forms.Form):
        reference = forms.CharField(label="Référence")
        quantity = forms.IntegerField(label="Quantité", required=False)

    LineFormSet = forms.formset_factory(LineForm, extra=2)
    helper = FormHelper()
    helper.template = "dsfr_crispy/table_inline_formset.html"
    helper.add_input(Submit("save", "Enregistrer"))
    formset = LineFormSet(
        data={
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-0-reference": "REF-1",
            "form-0-quantity": "trois",
            "form-1-reference": "",
        }
    )
    html = Template("{% load crispy_forms_tags %}{% crispy formset helper %}").render(
        Context({"formset": formset, "helper": helper})
    )
    doc = parse(html)
    headers = [th.text for th in doc.root.find_all("th")]
    assert headers == ["Référence *", "Quantité"]
    assert by_id(doc, "id_form-0-reference").attrs["value"] == "REF-1"
    assert by_id(doc, "id_form-0-quantity").attrs["aria-invalid"] == "true"
    # Labels stay for screen readers inside the cells.
    label = [
        lb for lb in doc.root.find_all("label") if lb.attrs.get("for") == "id_form-0-reference"
    ]
    assert label and "fr-sr-only" in label[0].classes
    assert 'name="form-TOTAL_FORMS"' in html
    assert by_id(doc, "submit-id-save").tag == "button"

    # The same formset without a table: each form in turn.
    helper.template = None
    html = Template("{% load crispy_forms_tags %}{% crispy formset helper %}").render(
        Context({"formset": formset, "helper": helper})
    )
    # One error summary per invalid form (the untouched extra form has none).
    assert html.count("fr-alert--error") == 1
    # Renders (an undefined template variable would raise).
    Template("{% load crispy_forms_tags %}{{ formset|crispy }}").render(
        Context({"formset": formset})
    )
