"""What a decision's text must not carry when it is proposed or signed: the bracketed
passages a motivation template leaves to complete ("[indication]"), and the visas
("Vu le règlement …"), which the letter writes once itself (templates/letters/_vu.html).

Both checks read the text once, left to right: their work is linear in its length, whatever
the text (no regular expression that can backtrack).
"""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A placeholder longer than this is not one a template left: a bracket opened by mistake.
MAX_PLACEHOLDER = 300

# The texts of a decision that go into its letter, checked together: field name, French name.
DECISION_TEXTS = (
    ("motivation", gettext_lazy("La motivation")),
    ("conditions", gettext_lazy("Les conditions")),
)


def unfilled_placeholders(text: str) -> list[str]:
    """The bracketed passages of ``text`` ("[indication]"), each once, in order of
    appearance. A bracket left open, an empty pair or a passage over several lines is
    not a placeholder."""
    found: dict[str, None] = {}
    opened = -1  # index of the last "[" not yet closed on this line
    for index, char in enumerate(text):
        if char == "[" or char == "\n":
            opened = index if char == "[" else -1
        elif char == "]" and opened >= 0:
            if index - opened <= MAX_PLACEHOLDER and text[opened + 1 : index].strip():
                found.setdefault(text[opened : index + 1], None)
            opened = -1
    return list(found)


def visa_lines(text: str) -> list[str]:
    """The lines of ``text`` that are visas ("Vu le code …"): the letter writes them."""
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("Vu ")]


def text_problems(field: "StrOrPromise", text: str) -> list[str]:
    """French messages for what blocks a proposal or a signature in one field's text
    (``field``: its French name, "La motivation"), each placeholder named."""
    problems = []
    placeholders = unfilled_placeholders(text)
    if placeholders:
        problems.append(
            _(
                "%(field)s contient encore des passages du modèle à compléter : "
                "%(placeholders)s. Remplacez chacun par le texte voulu."
            )
            % {"field": field, "placeholders": ", ".join(f"« {p} »" for p in placeholders)}
        )
    if visa_lines(text):
        problems.append(
            _(
                "%(field)s contient des visas (« Vu … ») : le courrier les écrit déjà une "
                "fois. Retirez-les."
            )
            % {"field": field}
        )
    return problems
