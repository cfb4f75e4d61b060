"""The arrows between apps (ARCHITECTURE.md): reviews -> derogations, notifications ->
derogations, everyone -> accounts; derogations imports neither reviews nor notifications,
reviews does not import notifications, accounts imports none of the others. Read from the
source (every import statement, at module level or inside a function)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "derogations", "reviews", "notifications")
FORBIDDEN = {
    "accounts": {"derogations", "reviews", "notifications"},
    "derogations": {"reviews", "notifications"},
    "reviews": {"notifications"},
    "notifications": {"reviews"},
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
