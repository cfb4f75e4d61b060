"""The arrows between apps (ARCHITECTURE.md): reviews -> derogations, notifications ->
derogations, everyone -> accounts; derogations imports neither reviews nor notifications,
reviews does not import notifications, accounts imports none of the others. Read from the
source (every import statement, at module level or inside a function)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "derogations", "reviews", "notifications", "api")
# api/ is an outer layer, like the screens: it calls the domain and reads the outbox's
# records; no app imports it.
FORBIDDEN = {
    "accounts": {"derogations", "reviews", "notifications", "api"},
    "derogations": {"reviews", "notifications", "api"},
    "reviews": {"notifications", "api"},
    "notifications": {"reviews", "api"},
    "api": {"reviews"},
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
SOURCE_DIRS = ("accounts", "config", "derogations", "notifications", "reviews", "bench", "api")


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
