"""Valid HTML on every page: the Nu HTML Checker (tests/html_validator.py) on every page of
tests/e2e/pages.py, for each role and in each error state its visits produce, rendered by
the Django test client and checked in one run of the checker.

A visit's action (press a button, fill labelled fields) is played by ``ClientPage``: the
few Playwright calls the actions of pages.py make, done on the served HTML by posting the
button's form the way a browser without JavaScript would.
"""

import re
from contextlib import nullcontext
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.test import Client

from tests.e2e.pages import ROLES, VISITS, build_world
from tests.html_validator import describe, validate

VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
NOT_SENT = {"submit", "button", "image", "reset", "file"}
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\".*?</form>", re.S | re.I)


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Element | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def iter(self):
        """This element and its descendants, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def hidden(self) -> bool:
        return any(
            "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true"
            for node in (self, *self.ancestors())
        )

    def name(self) -> str:
        """The accessible name of a button."""
        if self.attrs.get("aria-label"):
            return _squash(self.attrs["aria-label"] or "")
        if self.tag == "input":
            return _squash(self.attrs.get("value") or "")
        return _squash(self.text())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


class Locator:
    def __init__(self, page: "ClientPage", elements: list[Element]):
        self.page, self.elements = page, elements

    @property
    def first(self) -> "Locator":
        return Locator(self.page, self.elements[:1])

    def _one(self) -> Element:
        assert len(self.elements) == 1, f"{len(self.elements)} elements match on {self.page.url}"
        return self.elements[0]

    def _within(self):
        for scope in self.elements:
            yield from scope.iter()

    def get_by_role(self, role: str, name: str) -> "Locator":
        assert role == "button", role
        wanted = _squash(name)
        return Locator(
            self.page,
            [
                element
                for element in self._within()
                if (
                    element.tag == "button"
                    or (element.tag == "input" and element.attrs.get("type") == "submit")
                )
                and wanted in element.name()
                and not element.hidden()
            ],
        )

    def get_attribute(self, name: str) -> str | None:
        return self._one().attrs.get(name)

    def fill(self, value: str) -> None:
        self.page.values[id(self._one())] = value

    def click(self) -> None:
        self.page.submit(self._one())


class ClientPage:
    """What the actions of tests/e2e/pages.py ask of a Playwright page, on the test client:
    a page without JavaScript, whose forms are posted as the browser would post them."""

    def __init__(self, client: Client):
        self.client = client
        self.url = ""
        self.html = ""
        self.status = 0
        self.values: dict[int, str] = {}  # typed in fields, by id() of the element

    # --- Loading ---------------------------------------------------------------------

    def goto(self, url: str) -> None:
        self._load(self.client.get(url, follow=True))

    def _load(self, response) -> None:
        self.status = response.status_code
        query = response.request.get("QUERY_STRING", "")
        self.url = response.request["PATH_INFO"] + (f"?{query}" if query else "")
        self.html = response.content.decode()
        builder = _TreeBuilder()
        builder.feed(self.html)
        builder.close()
        self.root = builder.root
        self.values = {}

    def content(self) -> str:
        return self.html

    def has_alert(self) -> bool:
        return any(element.attrs.get("role") == "alert" for element in self.root.iter())

    # --- What the actions call ---------------------------------------------------------

    def evaluate(self, script: str):
        if "noValidate" in script:  # the test client never validates in the browser's way
            return None
        if "data-fr-js" in script:  # is JavaScript on?
            return False
        raise NotImplementedError(script)

    def expect_navigation(self):
        return nullcontext()  # a post through the test client has returned the next page

    def get_by_role(self, role: str, name: str) -> Locator:
        return Locator(self, [self.root]).get_by_role(role, name)

    def get_by_label(self, text: str, exact: bool = False) -> Locator:
        assert not exact
        wanted = _squash(text)
        found = []
        for element in self.root.iter():
            if element.tag == "label" and wanted in _squash(element.text()):
                target = element.attrs.get("for")
                found += [self._by_id(target)] if target else []
            elif wanted in _squash(element.attrs.get("aria-label") or ""):
                found.append(element)
        return Locator(self, found)

    def locator(self, selector: str) -> Locator:
        if selector.startswith("#"):
            return Locator(self, [self._by_id(selector[1:])])
        tag, attribute, value = re.fullmatch(r"(\w+)\[([\w-]+)='([^']*)'\]", selector).groups()
        return Locator(
            self,
            [e for e in self.root.iter() if e.tag == tag and e.attrs.get(attribute) == value],
        )

    # --- Forms ---------------------------------------------------------------------------

    def _by_id(self, element_id: str) -> Element:
        return next(e for e in self.root.iter() if e.attrs.get("id") == element_id)

    def _form_of(self, element: Element) -> Element | None:
        if element.attrs.get("form"):
            return self._by_id(element.attrs["form"])
        return next((a for a in element.ancestors() if a.tag == "form"), None)

    def submit(self, button: Element) -> None:
        form = self._form_of(button)
        assert form is not None, f"button outside any form on {self.url}"
        data: dict[str, list[str]] = {}
        for field in self.root.iter():
            name = field.attrs.get("name")
            if not name or "disabled" in field.attrs or self._form_of(field) is not form:
                continue
            for value in self._values_of(field):
                data.setdefault(name, []).append(value)
        if button.attrs.get("name"):
            data.setdefault(button.attrs["name"], []).append(button.attrs.get("value") or "")
        action = urljoin(self.url, button.attrs.get("formaction") or form.attrs.get("action") or "")
        method = (button.attrs.get("formmethod") or form.attrs.get("method") or "get").lower()
        send = self.client.post if method == "post" else self.client.get
        self._load(send(action, data, follow=True))

    def _values_of(self, field: Element) -> list[str]:
        typed = self.values.get(id(field))
        if field.tag == "input":
            kind = (field.attrs.get("type") or "text").lower()
            if kind in NOT_SENT or (kind in ("checkbox", "radio") and "checked" not in field.attrs):
                return []
            default = "on" if kind in ("checkbox", "radio") else ""
            return [typed if typed is not None else field.attrs.get("value") or default]
        if field.tag == "textarea":
            return [typed if typed is not None else field.text().removeprefix("\n")]
        if field.tag == "select":
            options = [e for e in field.iter() if e.tag == "option"]
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            if "multiple" in field.attrs:
                chosen = [o for o in options if "selected" in o.attrs]
            return [o.attrs.get("value", o.text().strip()) or "" for o in chosen]
        return []


def render_every_page() -> dict[str, str]:
    """The HTML of every visit of tests/e2e/pages.py, by "role / visit (URL)"."""
    world = build_world()
    documents = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        for visit in VISITS[role]:
            page = ClientPage(client)
            page.goto(visit.url(world))
            if visit.act is None:  # 400: the invalid links' pages
                assert page.status in (200, 400), f"{role} / {visit.name}: {page.status}"
            else:
                visit.act(page)
                assert page.has_alert(), f"{role} / {visit.name}: no error shown at {page.url}"
            documents[f"{role} / {visit.name} ({page.url})"] = page.content()
    return documents


@pytest.mark.django_db(transaction=True)  # the world's letters are rendered on commit
def test_every_page_is_valid_html(settings, tmp_path):
    # The demo mailbox (DEBUG and emails written to files only) shows the world's emails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    documents = render_every_page()
    settings.DEBUG = True
    mailbox = Client().get("/demo/courriels/")
    assert mailbox.status_code == 200
    documents["anonymous / demo-courriels (/demo/courriels/)"] = mailbox.content.decode()

    # One CSRF token per POST form: the crispy pack writes it with the <form> tag it writes,
    # a template that writes its own <form> writes its own token (none missing, none twice).
    wrong = [
        (name, form[:80])
        for name, html in documents.items()
        for form in POST_FORM.findall(html)
        if form.count('name="csrfmiddlewaretoken"') != 1
    ]
    assert not wrong, f"POST forms without exactly one CSRF token: {wrong}"

    errors = validate(documents)

    invalid = [name for name, found in errors.items() if found]
    assert not invalid, f"{len(invalid)} of {len(documents)} pages:\n{describe(errors)}"


def test_the_checker_is_not_blind():
    """A nested form and a div labelled without a role are reported, a valid page is not."""
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head>'
        "<body>{}</body></html>"
    )
    errors = validate(
        {
            "nested form": page.format(
                '<form method="post"><form method="post"><button>Retirer</button></form></form>'
            ),
            "labelled div": page.format(
                '<button id="menu">Menu</button><div id="m" aria-labelledby="menu"></div>'
            ),
            "valid / with a slash": page.format("<p>Bonjour</p>"),
        }
    )
    assert any("Nested forms are not allowed" in error for error in errors["nested form"])
    assert any("“aria-labelledby” attribute" in error for error in errors["labelled div"])
    assert errors["valid / with a slash"] == []
    assert all(error.startswith("line 1: ") for error in errors["nested form"])
