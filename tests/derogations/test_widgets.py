"""QuickSelect writes the same markup as Django's Select (whitespace and attribute order
aside), faster."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from derogations.widgets import PreparedChoices, QuickSelect


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.items.append(("start", tag, sorted(attrs, key=lambda a: a[0])))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(("text", data))


def parsed(html: str) -> list[tuple]:
    parser = _Tags()
    parser.feed(html)
    return parser.items


CHOICES = [
    ("", "Tous"),
    ("1", 'Laboratoires <Lyon> & "fils"'),
    (2, gettext_lazy("Statut")),
    ("'3'", mark_safe("<i>sûr</i> d'avance")),  # ours, marked safe: written as is
    ("Groupe <b>", [("a", "A & B"), ("b", "B")]),
]


@pytest.mark.parametrize("value", [None, "", "1", 2, "b", "inconnu"])
def test_quick_select_renders_what_select_renders(value):
    attrs = {"id": "id_operator", "class": "fr-select", "aria-describedby": "x y", "required": True}
    expected = forms.Select(choices=CHOICES).render("operator", value, attrs)
    html = QuickSelect(choices=CHOICES).render("operator", value, attrs)
    assert parsed(html) == parsed(expected)
    assert "&lt;Lyon&gt; &amp; &quot;fils&quot;" in html and "<b>" not in html
    assert '<option value="&#x27;3&#x27;"' in html and "<i>sûr</i> d'avance" in html


def test_quick_select_keeps_the_choice_of_a_bound_form():
    class Form(forms.Form):
        status = forms.ChoiceField(choices=CHOICES[:3], required=False, widget=QuickSelect)

    html = str(Form({"status": "1"})["status"])
    assert '<option value="1" selected>' in html and html.count("selected") == 1


@pytest.mark.parametrize("value", ["", "2", "7", "x", None])
def test_a_shared_list_of_choices_renders_as_the_plain_list(value):
    """PreparedChoices with a shared tail (the queue's operators): same markup as the plain
    list of the same pairs, whether the selected value is in the tail or not, and again
    once its options were written for an earlier page."""

    head = [("", gettext_lazy("Tous")), ("x", "Autre & <b>")]
    shared = tuple((str(n), f"Opérateur {n} & « fils »") for n in range(1, 9))
    plain = QuickSelect(choices=head + list(shared)).render("operator", value)
    for _ in range(2):
        fast = QuickSelect(choices=PreparedChoices(head, shared)).render("operator", value)
        assert fast == plain
