"""The harness is strict about templates: an undefined variable fails the test that renders
it (config/settings/test.py), while {% if %} and {% for %} may still test a missing one."""

import pytest
from django.template import TemplateSyntaxError, engines


def render(source: str, context: dict[str, object] | None = None) -> str:
    return engines["django"].from_string(source).render(context or {})


def test_an_undefined_variable_fails_naming_it():
    with pytest.raises(TemplateSyntaxError, match="Undefined template variable: req.missing"):
        render("{{ req.missing }}", {"req": object()})


def test_a_default_filter_does_not_hide_it():
    with pytest.raises(TemplateSyntaxError, match="Undefined template variable: missing"):
        render('{{ missing|default:"—" }}')


def test_tags_that_test_a_variable_still_may():
    assert render("{% if missing %}x{% endif %}{% for a in missing %}{% endfor %}ok") == "ok"
