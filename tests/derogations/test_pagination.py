"""The DSFR pagination written in Python (derogations.paging.pagination_html, the
``{% pagination %}`` tag) against the template it replaced, kept here as the reference:
the same markup (whitespace between tags aside) in French and English, for every position
in short, long and capped lists, with other query parameters kept and escaped."""

import re

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from derogations.paging import pagination_html

# templates/_pagination.html as it was before this renderer.
REFERENCE = """{% load i18n %}{% if page.has_other_pages %}
<nav role="navigation" class="fr-pagination" aria-label="{% translate 'Pagination' %}">
  <ul class="fr-pagination__list">
    {% if page.has_previous %}
      <li><a class="fr-pagination__link fr-pagination__link--first" href="{% querystring page=1 %}">{% translate "Première page" %}</a></li>
      <li><a class="fr-pagination__link fr-pagination__link--prev fr-pagination__link--lg-label" href="{% querystring page=page.previous_page_number %}">{% translate "Page précédente" %}</a></li>
    {% endif %}
    <li><a class="fr-pagination__link" aria-current="page" title="{% blocktranslate with n=page.number %}Page {{ n }}{% endblocktranslate %}">{% if page.paginator.count_capped %}{{ page.number }}{% else %}{{ page.number }} / {{ page.paginator.num_pages }}{% endif %}</a></li>
    {% if page.has_next %}
      <li><a class="fr-pagination__link fr-pagination__link--next fr-pagination__link--lg-label" href="{% querystring page=page.next_page_number %}">{% translate "Page suivante" %}</a></li>
      {% if not page.paginator.count_capped %}<li><a class="fr-pagination__link fr-pagination__link--last" href="{% querystring page=page.paginator.num_pages %}">{% translate "Dernière page" %}</a></li>{% endif %}
    {% endif %}
  </ul>
</nav>
{% endif %}
"""


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("total", [0, 10, 60, 300])
@pytest.mark.parametrize("capped", [False, True])
@pytest.mark.parametrize("number", [1, 2, 3, 6])
@pytest.mark.parametrize("query", ["", "status=x&page=2", "q=%3Cb%3E+%22&tri=-reference"])
def test_same_markup_as_the_template(language, total, capped, number, query):
    reference = engines["django"].from_string("{% load i18n %}" + REFERENCE)
    paginator = Paginator(list(range(total)), 50)
    paginator.count_capped = capped  # type: ignore[attr-defined]
    page = paginator.get_page(number)
    request = RequestFactory().get("/liste/?" + query)
    with translation.override(language):
        expected = normalised(reference.render({"page": page}, request))
        written = normalised(str(pagination_html(page, request.GET)))
    assert written == expected


def test_links_keep_the_other_parameters_escaped():
    page = Paginator(list(range(300)), 50).get_page(3)
    request = RequestFactory().get("/liste/?q=%3Cb%3E&page=3")
    with translation.override("fr"):
        html = str(pagination_html(page, request.GET))
    assert 'href="?q=%3Cb%3E&amp;page=1"' in html and 'href="?q=%3Cb%3E&amp;page=4"' in html
    assert "<b>" not in html and "3 / 6" in html and "Dernière page" in html


def test_a_capped_count_has_no_last_page():
    paginator = Paginator(list(range(300)), 50)
    paginator.count_capped = True  # type: ignore[attr-defined]
    with translation.override("fr"):
        html = str(pagination_html(paginator.get_page(2), RequestFactory().get("/").GET))
    assert "Dernière page" not in html and "Page suivante" in html and ">2</a>" in html


def test_a_single_page_writes_nothing():
    page = Paginator(list(range(3)), 50).get_page(1)
    assert pagination_html(page, RequestFactory().get("/").GET) == ""
