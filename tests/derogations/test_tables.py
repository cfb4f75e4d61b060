"""Rows of "Mes demandes" (derogations.tables, derogations/jinja2/derogations/dashboard_table.html):
the markup of each cell, every text escaped."""

import pytest
from django.urls import reverse
from django.utils.text import Truncator

from derogations import lifecycle
from derogations.enums import Urgency
from derogations.tables import shorten, url_maker
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_dashboard_rows_show_urgency_renewal_and_escape_texts(operator_a, org_a):
    vital = factories.RequestFactory(
        organisation=org_a,
        created_by=operator_a,
        urgency=Urgency.VITAL,
        urgency_reason="Pronostic vital engagé.",
        device_name="Kit <script>alert(1)</script>",
        device_model='M "1" & <b>2</b>',
    )
    vital = lifecycle.submit(vital, operator_a)
    first = factories.RequestFactory(global_kind=True, organisation=org_a, created_by=operator_a)
    renewal = factories.RequestFactory(
        global_kind=True, organisation=org_a, created_by=operator_a, renewal_of=first
    )
    html = client_for(operator_a).get(reverse("derogations:dashboard")).content.decode()
    assert (
        '<p class="fr-badge fr-badge--sm fr-badge--warning fr-badge--error">Urgence vitale</p>'
        in html
    )
    assert (
        # Jinja2 writes a double quote as &#34; (Django: &quot;), the same text to a browser.
        "Kit &lt;script&gt;alert(1)&lt;/script&gt; M &#34;1&#34; &amp; &lt;b&gt;2&lt;/b&gt;" in html
    )
    assert "<script>alert(1)" not in html
    detail = reverse("derogations:detail", args=[renewal.pk])
    assert (
        f'<a href="{detail}">Brouillon n° {renewal.pk}</a><br><span class="fr-text--xs">Renouvellement</span>'
        in html
    )
    # Status badge (the operator sees "Déposée"), received date and target date.
    assert '<p class="fr-badge fr-badge--sm fr-badge--no-icon fr-badge--info">Déposée</p>' in html
    assert f"<td>{vital.target_date:%d/%m/%Y}</td>" in html


@pytest.mark.parametrize(
    "text",
    [
        "",
        "court",
        "x" * 120,
        "x" * 121,
        "Réactif " * 30,
        # Combining accents count for nothing in Truncator: 130 characters, 115 shown.
        "e\u0301" * 15 + "y" * 100,
        "e\u0301" * 40 + "y" * 100,
    ],
)
def test_shorten_writes_what_truncatechars_writes(text):
    assert shorten(text, 120) == Truncator(text).chars(120)


def test_url_maker_quotes_a_text_key_as_reverse_does():
    detail = url_maker("derogations:registry_detail")
    for reference in ["DG-2026-00012", "é ü?#%"]:
        assert detail(reference) == reverse("derogations:registry_detail", args=[reference])
    assert url_maker("derogations:detail")(42) == reverse("derogations:detail", args=[42])


def test_the_dashboard_counts_a_search_less_far(operator_a, org_a, settings):
    """A search counts its matches up to PORTAL_SEARCH_COUNT_CAP (at least one past its
    page of 25); the unsearched list counts them all."""
    settings.PORTAL_SEARCH_COUNT_CAP = 5
    factories.RequestFactory.create_batch(
        30, organisation=org_a, created_by=operator_a, device_name="Cardiotest"
    )
    client = client_for(operator_a)
    url = reverse("derogations:dashboard")
    searched = client.get(url, {"q": "cardiotest"}).content.decode()
    assert "Plus de 25 demandes" in searched
    assert "30 demandes" in client.get(url).content.decode()
    assert "30 demandes" in client.get(url, {"q": "cardiotest", "page": "2"}).content.decode()
