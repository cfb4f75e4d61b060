"""{% filter_form %} writes what {% crispy %} and the dsfr_crispy pack write for the filter
forms of the lists (whitespace between tags aside): the accessible markup (labels, hints,
errors, aria-invalid, aria-describedby, error summary) did not change when the rendering
moved to Python (issue 8)."""

import re

import pytest
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import SafeString

from accounts.filter_forms import _cache_key, _render_form, render_filter_form
from accounts.models import Organisation
from derogations.forms import DashboardFilterForm as OperatorDashboardFilterForm
from derogations.registry import RegistryFilterForm
from derogations.widgets import filter_form_helper
from reviews.dashboard import DashboardFilterForm as TeamDashboardFilterForm
from reviews.followup import FollowUpFilterForm
from reviews.queue import _CHOICES_KEY, QueueFilterForm
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


# --- The markup cache (forms with a ``render_version``: the queue's) ------------------------


def markup_keys() -> list[str]:
    return [key for key in cache._cache if "filter-form:" in key]  # type: ignore[attr-defined]


@pytest.fixture
def kept(settings):
    """The queue's choices kept (the markup with them)."""
    settings.PORTAL_FILTER_CHOICES_SECONDS = 60


CACHED_INPUTS = {
    "unbound": lambda: None,
    "empty": lambda: {},
    "values": lambda: {"q": "alpha", "status": "submitted", "tri": "reference", "overdue": "on"},
    "invalid": lambda: {"q": "beta", "status": "<nope>"},
    "querydict": lambda: QueryDict("q=gamma&status=submitted&status=closed&assignee=moi"),
    "querydict-invalid": lambda: QueryDict("q=" + "x" * 201 + "&kind=x"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("data", CACHED_INPUTS.values(), ids=CACHED_INPUTS.keys())
def test_cached_markup_is_the_fresh_markup(queue_world, kept, data):
    senior = queue_world["senior"]
    first = render_filter_form(QueueFilterForm(data(), user=senior))
    form = QueueFilterForm(data(), user=senior)
    key = _cache_key(form, form.render_version)
    assert cache.get(key) == str(first)
    assert markup_keys() == [cache.make_key(key)]
    again = render_filter_form(form)
    assert again == first == _render_form(QueueFilterForm(data(), user=senior))
    assert isinstance(again, SafeString)
    if data() and "<nope>" in data().values():
        assert "portal-error-summary" in again and 'aria-invalid="true"' in again


@pytest.mark.django_db
def test_the_markup_is_read_from_the_cache(queue_world, kept):
    form = QueueFilterForm({"q": "alpha"}, user=queue_world["senior"])
    cache.set(_cache_key(form, form.render_version), "<p>gardé</p>")
    assert render_filter_form(form) == "<p>gardé</p>"


@pytest.mark.django_db
def test_different_inputs_never_share_markup(queue_world, kept):
    senior = queue_world["senior"]
    inputs = [
        None,
        {},
        {"q": "alpha"},
        {"q": "beta"},
        {"q": "alpha", "overdue": "on"},
        {"q": "alpha", "status": "<nope>"},
        {"q": "alpha", "status": "submitted"},
        QueryDict("q=alpha&status=submitted"),
        QueryDict("q=alpha&status=closed"),
        QueryDict("q=alpha&status=closed&status=submitted"),  # the last value is shown
    ]
    rendered = []
    for data in inputs * 2:  # written, then read from the cache
        html = render_filter_form(QueueFilterForm(data, user=senior))
        assert html == _render_form(QueueFilterForm(data, user=senior))
        rendered.append(html)
    assert rendered[: len(inputs)] == rendered[len(inputs) :]
    by_input = rendered[: len(inputs)]
    assert 'value="alpha"' in by_input[2] and 'value="beta"' not in by_input[2]
    assert 'value="beta"' in by_input[3] and 'value="alpha"' not in by_input[3]
    assert "checked" in by_input[4] and "checked" not in by_input[2]
    assert "portal-error-summary" in by_input[5] and "portal-error-summary" not in by_input[6]
    assert by_input[7] == by_input[6]  # the same input, dict or QueryDict
    assert by_input[8] != by_input[7] and by_input[9] == by_input[7]
    assert len(set(by_input[2:7])) == 5  # None and {} both show the defaults
    assert len(markup_keys()) == len(inputs)


@pytest.mark.django_db
def test_new_choices_give_new_markup(queue_world, kept):
    senior = queue_world["senior"]
    before = render_filter_form(QueueFilterForm(None, user=senior))
    assert "Laboratoire Nouveau" not in before
    org = factories.OrganisationFactory(name="Laboratoire Nouveau")
    factories.submitted(
        factories.RequestFactory(organisation=org, created_by=factories.operator_of(org))
    )
    after = render_filter_form(QueueFilterForm(None, user=senior))
    assert "Laboratoire Nouveau" in after
    assert after == _render_form(QueueFilterForm(None, user=senior))


@pytest.mark.django_db
def test_markup_follows_the_choices_version(queue_world, kept):
    """A change the cache is not told of (another process's) shows once the choices are
    read again: their version is in the markup's key."""
    senior = queue_world["senior"]
    org = Organisation.objects.get(name="Biotech l'Ouest")
    before = render_filter_form(QueueFilterForm(None, user=senior))
    Organisation.objects.filter(pk=org.pk).update(name="Biotech du Sud")  # no signal
    stale = QueueFilterForm(None, user=senior)
    assert render_filter_form(stale) == before  # the choices and their markup are kept
    cache.delete(_CHOICES_KEY)  # PORTAL_FILTER_CHOICES_SECONDS have passed
    fresh = QueueFilterForm(None, user=senior)
    assert fresh.render_version != stale.render_version
    after = render_filter_form(fresh)
    assert "Biotech du Sud" in after and "Biotech l&#x27;Ouest" not in after
    assert "Biotech l&#x27;Ouest" in before


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"q": "alpha", "status": "<nope>"}])
def test_each_language_has_its_markup(queue_world, kept, data):
    senior = queue_world["senior"]
    rendered = {}
    for language in ("fr", "en", "fr", "en"):  # written, then read from the cache
        with translation.override(language):
            html = render_filter_form(QueueFilterForm(data, user=senior))
            assert html == _render_form(QueueFilterForm(data, user=senior))
            rendered.setdefault(language, html)
            assert rendered[language] == html
    french, english = normalised(rendered["fr"]), normalised(rendered["en"])
    assert 'for="id_status"> Statut <' in french and "Status" not in french
    assert 'for="id_status"> Status <' in english and "Statut" not in english
    assert "Tous les statuts" in rendered["fr"] and "All statuses" in rendered["en"]
    assert len(markup_keys()) == 2


@pytest.mark.django_db
def test_nothing_is_kept_without_choices_seconds(queue_world, settings):
    settings.PORTAL_FILTER_CHOICES_SECONDS = 0
    senior = queue_world["senior"]
    for data in (None, {"q": "alpha"}, QueryDict("q=beta&status=<nope>")):
        form = QueueFilterForm(data, user=senior)
        assert form.render_version is None
        html = render_filter_form(form)
        assert html == _render_form(QueueFilterForm(data, user=senior))
        assert cache.get(_cache_key(form, "")) is None
    assert markup_keys() == []
    # The choices are not kept either: a change shows at once.
    Organisation.objects.filter(name="Biotech l'Ouest").update(name="Biotech du Sud")
    assert "Biotech du Sud" in render_filter_form(QueueFilterForm(None, user=senior))


@pytest.mark.django_db
def test_forms_with_other_prefixes_never_share_markup():
    """The same typed values under two prefixes are two inputs (``name="a-q"`` vs
    ``name="b-q"``): the prefix is part of the key."""
    first = render_filter_form(OperatorDashboardFilterForm({"a-q": "delta"}, prefix="a"))
    second = render_filter_form(OperatorDashboardFilterForm({"b-q": "delta"}, prefix="b"))
    assert 'name="a-q"' in first and 'name="a-q"' not in second
    assert 'name="b-q"' in second
