"""The arrows between apps (ARCHITECTURE.md): reviews -> derogations, notifications ->
derogations, everyone -> accounts; derogations imports neither reviews nor notifications,
reviews does not import notifications, accounts imports none of the others; collaboration
(issue 19) sits on derogations and accounts, and none of them imports it. Read from the
source (every import statement, at module level or inside a function)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "accounts", "derogations", "reviews", "notifications", "collaboration", "api", "file_exports",
    "retention",
)  # fmt: skip
OUTER = {"api", "file_exports", "retention"}  # nothing imports them
FORBIDDEN = {
    "accounts": {"derogations", "reviews", "notifications", "collaboration"} | OUTER,
    "derogations": {"reviews", "notifications", "collaboration"} | OUTER,
    "reviews": {"notifications", "collaboration"} | OUTER,
    "notifications": {"reviews", "collaboration"} | OUTER,
    # collaboration -> derogations, accounts; its emails go through the accounts outbox event.
    "collaboration": {"reviews", "notifications"} | OUTER,
    # api is an interface on top of the others (as the screens are): nothing imports it.
    "api": OUTER - {"api"},
    # The whole-file download (issue 19) reads every app's part of a file (the domain, the
    # staff's notes, the thread, the copies sent) and renders through notifications' PDF
    # path; it is a screen on top of them: nothing imports it (the file pages' button is a
    # template include).
    "file_exports": OUTER - {"file_exports"},
    # retention (issue 19) reads every app's data to apply the retention policy.
    "retention": OUTER - {"retention"},
}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_what_its_arrows_allow(app):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & FORBIDDEN[app])
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {path: apps for path, apps in wrong.items() if apps} == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from notifications.tasks import x\n")
    assert imported_apps(module) == {"notifications"}


def imports_bench(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "bench" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "bench":
                return True
    return False


def test_tests_never_import_the_benchmarks():
    """bench/ may use tests helpers (tests.bulk_data, tests.plans, tests.harness); the
    tests never depend on bench/, which is run on demand and may change freely."""
    wrong = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if "node_modules" not in path.parts and imports_bench(path)
    ]
    assert wrong == []


def test_the_bench_check_sees_both_import_forms(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    import bench.measure\n")
    assert imports_bench(module)
    module.write_text("from bench.generate import Generator\n")
    assert imports_bench(module)
    module.write_text("from tests.bulk_data import Generator\n")
    assert not imports_bench(module)


# --- Browser tests wait for the page -------------------------------------------------------

# Playwright's is_visible()/is_checked()/… answer at once, without waiting: asserted right
# after a click they read the page before the answer has rendered (stop 29 failed in CI on
# one). The web-first expect(locator).to_be_visible() retries until its timeout.
IMMEDIATE_STATE = {"is_visible", "is_hidden", "is_checked", "is_enabled", "is_disabled"}


def immediate_state_asserts(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Assert):
            continue
        for inner in ast.walk(node.test):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in IMMEDIATE_STATE
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {inner.func.attr}()")
    return found


def test_browser_tests_assert_with_expect_not_an_immediate_state():
    found = [
        line
        for path in sorted((ROOT / "tests" / "e2e").rglob("*.py"))
        for line in immediate_state_asserts(path)
    ]
    assert found == []


def test_the_wait_check_sees_an_asserted_immediate_state(tmp_path):
    module = tmp_path / "test_page.py"
    module.write_text("def test_x(page):\n    assert page.get_by_text('Prêt').is_visible()\n")
    assert immediate_state_asserts(module, tmp_path) == ["test_page.py:2: is_visible()"]
    module.write_text("def test_x(page):\n    expect(page.get_by_text('Prêt')).to_be_visible()\n")
    assert immediate_state_asserts(module, tmp_path) == []


# --- HTML from templates, the ORM through its public API ------------------------------------

# Private ORM internals that rebuilt model instances by hand, and HTML written in Python
# strings: the lists come from templates (the apps' jinja2/ folders, templates/) and the public ORM.
PRIVATE_ORM_OR_HTML = {
    "klass_info": re.compile(r"\bklass_info\b"),
    "annotation_col_map": re.compile(r"\bannotation_col_map\b"),
    "from_db.__func__": re.compile(r"from_db\.__func__"),
    "ModelState(": re.compile(r"\bModelState\("),
    "SafeString(f": re.compile(r"\bSafeString\(\s*[rR]?[fF]['\"]"),
    "mark_safe(f": re.compile(r"\bmark_safe\(\s*[rR]?[fF]['\"]"),
}
# An f-string holding an HTML tag: f"<td>{…}</td>" (format_html escapes; an f-string does
# not). A Message-ID's f"<letter-{pk}@…>" is no tag.
HTML_FSTRING = re.compile(r"""\b[rR]?[fF][rR]?(['"])(?:(?!\1).)*</?[a-zA-Z][a-zA-Z0-9]*[\s>/]""")
SOURCE_DIRS = (
    "accounts", "config", "derogations", "notifications", "reviews", "collaboration", "api", "bench",
    "file_exports", "retention",
)  # fmt: skip


def html_in_python(path: Path, root: Path = ROOT) -> list[str]:
    text, name = path.read_text(), path.relative_to(root)
    found = [
        f"{name}: {word}" for word, pattern in PRIVATE_ORM_OR_HTML.items() if pattern.search(text)
    ]
    for number, line in enumerate(text.splitlines(), 1):
        if HTML_FSTRING.search(line):
            found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_no_html_in_python_strings_and_no_private_orm():
    found = [
        hit
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in html_in_python(path)
    ]
    assert found == []


def test_the_check_sees_html_in_an_f_string_and_private_orm(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        'cell = f"<td>{value}</td>"\n'
        "html = SafeString(f'{x}')\n"
        "compiler.klass_info\n"
        'fine = format_html("<td>{}</td>", value)\n'
        'message_id = f"<letter-{pk}@{domain}>"\n'
        "row = f'{a}<br>{b}'\n"
    )
    found = [hit.split(": ", 1)[1] for hit in html_in_python(module, tmp_path)]
    assert found == [
        "klass_info",
        "SafeString(f",
        'cell = f"<td>{value}</td>"',
        "row = f'{a}<br>{b}'",
    ]


POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']post[\"'][^>]*>(.*?)</form>", re.S | re.I)
TEMPLATE_DIRS = ("templates", *(f"{app}/jinja2" for app in APPS))


# A Jinja2 partial may print the token once set from csrf_input: {% set csrf_field = csrf_input|safe %}.
CSRF_ALIAS = re.compile(r"\{%-?\s*set\s+(\w+)\s*=\s*csrf_input\b")


def forms_without_csrf(path: Path) -> list[str]:
    """The POST <form> tags written in a template whose body writes no CSRF token (the
    crispy pack writes one only with a <form> tag it writes itself)."""
    text = path.read_text()
    tokens = [
        "csrf_token",
        "csrf_input",
        *(f"{{{{ {name} }}}}" for name in CSRF_ALIAS.findall(text)),
    ]
    return [
        match.group(0)[:100]
        for match in POST_FORM.finditer(text)
        if not any(token in match.group(1) for token in tokens)
    ]


def test_every_post_form_in_a_template_writes_its_csrf_token():
    found = {
        str(path.relative_to(ROOT)): forms
        for folder in TEMPLATE_DIRS
        for path in sorted((ROOT / folder).rglob("*.html"))
        if (forms := forms_without_csrf(path))
    }
    assert not found, found


def test_the_csrf_check_sees_a_crispy_form_without_a_token(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<form method="post" action=".">{% crispy form %}</form>')
    assert forms_without_csrf(page)
    page.write_text('<form method="post" action=".">{% csrf_token %}{% crispy form %}</form>')
    assert not forms_without_csrf(page)
    # A Jinja2 partial's token set once from csrf_input, and a name set from something else.
    page.write_text(
        '{% set csrf_field = csrf_input|safe %}<form method="post">{{ csrf_field }}</form>'
    )
    assert not forms_without_csrf(page)
    page.write_text('{% set csrf_field = "" %}<form method="post">{{ csrf_field }}</form>')
    assert forms_without_csrf(page)


# --- No private Django internals -------------------------------------------------------------

# Private names that Django's documentation uses as API: Model._meta (its documented
# methods), Model._default_manager / _base_manager, Manager._db (custom managers' create
# methods, as BaseUserManager does), Model._state (adding, db).
DOCUMENTED_PRIVATE = {"_meta", "_default_manager", "_base_manager", "_db", "_state"}
# Our own private names that Django happens to use for something of its own too.
OWN_PRIVATE: set[str] = set()


def django_private_names() -> set[str]:
    """Every ``_name`` (not ``__dunder__``) that a class of Django defines: its methods and
    class attributes, and the attributes its methods set on ``self`` or ``cls``."""
    import django

    names = set()
    for path in Path(django.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        names.add(item.name)
                    elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        names |= {t.id for t in targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    names.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def private_django_uses(path: Path, private: set[str], root: Path = ROOT) -> list[str]:
    """``obj._name`` read, called or set, and ``def _name`` in a class (an override), where
    ``_name`` is one of Django's private names (not documented, not our own)."""
    refused = private - DOCUMENTED_PRIVATE - OWN_PRIVATE
    name = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in refused:
            found.append(f"{name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ClassDef):
            found += [
                f"{name}:{item.lineno}: def {item.name}"
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and item.name in refused
            ]
    return sorted(found, key=lambda hit: int(hit.split(":")[1]))


@pytest.fixture(scope="module")
def django_private():
    return django_private_names()


def test_no_private_django_internals(django_private):
    found = [
        hit
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in private_django_uses(path, django_private)
    ]
    assert found == []


def test_the_check_sees_private_django_calls_and_overrides(tmp_path, django_private):
    module = tmp_path / "module.py"
    module.write_text(
        "data = self._get_session(no_load=True)\n"
        "class Email(EmailMessage):\n"
        "    def _create_attachments(self, msg):\n"
        "        return self._create_attachment('a', b'', 'text/plain')\n"
        "fields = model._meta.get_fields()\n"
        "user.save(using=self._db)\n"
        "own = self._registry_etag\n"
    )
    assert private_django_uses(module, django_private, tmp_path) == [
        "module.py:1: ._get_session",
        "module.py:3: def _create_attachments",
        "module.py:4: ._create_attachment",
    ]
