"""{% filter_form %} writes what {% crispy %} and the dsfr_crispy pack write for the filter
forms of the lists (whitespace between tags aside): the accessible markup (labels, hints,
errors, aria-invalid, aria-describedby, error summary) did not change when the rendering
moved to Python (issue 8)."""

import re

import pytest
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from accounts.filter_forms import render_filter_form
from derogations.forms import DashboardFilterForm as OperatorDashboardFilterForm
from derogations.registry import RegistryFilterForm
from derogations.widgets import filter_form_helper
from reviews.dashboard import DashboardFilterForm as TeamDashboardFilterForm
from reviews.followup import FollowUpFilterForm
from reviews.queue import QueueFilterForm
from tests import factories

HOSTILE = '<script>alert("x")</script> l\'&amp; & \u00e9'
TOO_LONG = "x" * 201


def normalised(html: str) -> str:
    """Whitespace runs collapsed to one space, none left between two tags."""
    html = re.sub(r"\s+", " ", str(html)).strip()
    return re.sub(r">\s+<", "><", html)


def assert_same_markup(make_form) -> str:
    """Both renderings of two fresh instances of the same form; returns the Python one."""
    expected = normalised(render_crispy_form(make_form()))
    html = normalised(render_filter_form(make_form()))
    assert html == expected
    return html


def test_normalised_keeps_text_and_attributes():
    assert normalised('<p class="a">\n  x  y\n</p>\n  <br>') == '<p class="a"> x y </p><br>'


# --- The five filter forms, in their states ------------------------------------------------


@pytest.fixture
def queue_world(senior):
    evaluator = factories.UserFactory(
        evaluator=True, email="eval@ansm.example", first_name="Zoé <b>", last_name="&Co"
    )
    for name in ('Laboratoires <Lyon> & "fils"', "Biotech l'Ouest"):
        org = factories.OrganisationFactory(name=name)
        operator = factories.operator_of(org)
        factories.submitted(factories.RequestFactory(organisation=org, created_by=operator))
    return {"senior": senior, "evaluator": evaluator}


QUEUE_STATES = [
    None,
    {},
    {"q": HOSTILE, "status": "submitted", "kind": "individual", "tri": "reference"},
    {"q": "abc", "overdue": "on"},
    {"complements_overdue": "on"},
    {"overdue": "on", "complements_overdue": "on", "assignee": "moi"},
    {"overdue": "false", "complements_overdue": "true"},
    # Invalid values: the error summary, --error classes, aria-invalid, messages.
    {"q": TOO_LONG, "status": "<nope>", "kind": "x", "urgency": "y", "ivd_class": "z"},
    {"operator": "999999", "assignee": "'\"", "tri": "<b>", "overdue": "on"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", QUEUE_STATES)
def test_queue_filters(queue_world, data):
    html = assert_same_markup(lambda: QueueFilterForm(data, user=queue_world["senior"]))
    operator = QueueFilterForm(None, user=queue_world["senior"]).fields["operator"]
    assert len(operator.choices) == 3  # the two operators that submitted, and "all"
    if data and data.get("q") == HOSTILE:
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; l&#x27;&amp;amp; &amp;" in html
    if data and "z" in data.values():
        assert 'aria-invalid="true"' in html and "fr-select--error" in html
        assert "fr-input-group--error" in html and 'id="id_q-desc-error"' in html
        assert 'aria-describedby="id_q-desc-hint id_q-desc-error"' in html
        assert "portal-error-summary" in html


@pytest.mark.django_db
def test_queue_checkboxes_show_their_state(queue_world):
    form = QueueFilterForm({"overdue": "on"}, user=queue_world["senior"])
    html = normalised(render_filter_form(form))
    assert '<input type="checkbox" name="overdue" id="id_overdue" checked>' in html
    assert (
        '<input type="checkbox" name="complements_overdue"'
        ' aria-describedby="id_complements_overdue-desc-hint" id="id_complements_overdue">'
    ) in html


FOLLOWUP_STATES = [
    None,
    {"q": HOSTILE, "etat": "suspendues", "kind": "global", "fin": "30"},
    {"q": TOO_LONG, "etat": "<x>", "kind": "?", "fin": "8"},
]


@pytest.mark.parametrize("data", FOLLOWUP_STATES)
def test_followup_filters(data):
    assert_same_markup(lambda: FollowUpFilterForm(data))


TEAM_DASHBOARD_STATES = [None, {"periode": "6", "kind": "global"}, {"periode": "7", "kind": "<b>"}]


@pytest.mark.parametrize("data", TEAM_DASHBOARD_STATES)
def test_team_dashboard_filters(data):
    html = assert_same_markup(lambda: TeamDashboardFilterForm(data))
    if data and data["periode"] == "7":
        assert "Période inconnue" in html


REGISTRY_STATES = [
    None,
    {"q": HOSTILE, "statut": "suspended", "classe": "D", "tri": "reference"},
    {"q": TOO_LONG, "statut": "&", "classe": "<", "tri": '"'},
]


@pytest.mark.parametrize("history", [False, True, None])
@pytest.mark.parametrize("data", REGISTRY_STATES)
def test_registry_filters(data, history):
    assert_same_markup(lambda: RegistryFilterForm(data, history=history))


OPERATOR_DASHBOARD_STATES = [
    None,
    {"q": HOSTILE, "status": "submitted", "kind": "individual", "tri": "depot"},
    {"q": "x" * 101, "status": "?", "kind": "<", "tri": "&"},
]


@pytest.mark.parametrize("data", OPERATOR_DASHBOARD_STATES)
def test_operator_dashboard_filters(data):
    html = assert_same_markup(lambda: OperatorDashboardFilterForm(data))
    assert "<form" not in html and "filtrer" not in html  # the page writes both


# --- What the renderer supports beyond the five forms, and what it refuses -----------------


class _Everything(forms.Form):
    """A required field (marker and notice), a disabled one, hidden, localised number."""

    name = forms.CharField(label="Nom <b>", help_text="Aide <em>à nous</em>")
    code = forms.CharField(label="Code", required=False, disabled=True, initial="A&B")
    amount = forms.DecimalField(label="Montant", required=False, localize=True)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    agreed = forms.BooleanField(label="J'accepte", help_text="Obligatoire")
    email = forms.EmailField(label="Courriel", required=False)
    choice = forms.ChoiceField(label="Choix", choices=[("a", "A"), ("b", "B")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"class": "portal-email", "autocomplete": "off"})
        self.helper = filter_form_helper(
            Row(Column("name"), Column("code", css_class="fr-col-4", css_id="c<1>")),
            Row(Column("amount", "secret"), css_class="extra", data_x='"y"'),
            Row(Column("agreed"), Column("email"), Column("choice")),
        )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"name": "a", "amount": "1,5", "agreed": "on", "email": "a@b.fr", "choice": "b"},
        {"name": "", "amount": "x", "email": "<nope>", "choice": "c", "secret": '"'},
    ],
)
def test_required_disabled_hidden_and_other_inputs(data):
    html = assert_same_markup(lambda: _Everything(data))
    assert "portal-required-notice" in html and html.count("portal-required") == 4


def test_the_template_tag_writes_the_renderers_markup():
    form = FollowUpFilterForm({"q": HOSTILE})
    html = Template("{% load dsfr_forms %}{% filter_form form %}").render(Context({"form": form}))
    assert normalised(html) == normalised(render_crispy_form(FollowUpFilterForm({"q": HOSTILE})))


@pytest.mark.parametrize(
    "layout",
    [
        Layout(Div("q")),
        Layout(Fieldset("Filtres", "q")),
        Layout(Row(Div("q"))),
        Layout(Row(Column("q", template="autre.html"))),
        Layout("q", "q"),
        Layout("inconnu"),
    ],
)
def test_layouts_it_does_not_write_are_refused(layout):
    form = FollowUpFilterForm()
    form.helper.layout = layout
    with pytest.raises(ImproperlyConfigured):
        render_filter_form(form)


def test_helpers_it_does_not_write_are_refused():
    form = FollowUpFilterForm()
    form.helper.form_tag = True
    with pytest.raises(ImproperlyConfigured, match="form_tag"):
        render_filter_form(form)
    del form.helper
    with pytest.raises(ImproperlyConfigured, match="filter_form_helper"):
        render_filter_form(form)


def test_fields_it_does_not_write_are_refused():
    class Radios(forms.Form):
        mode = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Radios()
    form.helper = filter_form_helper(Row(Column("mode")))
    with pytest.raises(ImproperlyConfigured, match="choices"):
        render_filter_form(form)
