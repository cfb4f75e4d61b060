"""axe-core (bundled by axe-playwright-python, injected from the package: no network) on the
current page, with the WCAG 2.0 and 2.1 rules of levels A and AA."""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}

_axe = Axe()


def violations(page) -> list[dict]:
    """The WCAG A/AA violations of the page as it is now (after any action on it)."""
    return _axe.run(page, options=OPTIONS).response["violations"]


def describe(found: list[dict]) -> str:
    """One readable block per rule: id, impact, help, then each failing element."""
    lines = []
    for violation in found:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target} — {summary}")
    return "\n".join(lines)


def assert_no_violations(page, where: str = "") -> None:
    found = violations(page)
    assert not found, f"axe: {len(found)} WCAG A/AA rule(s) violated on {where or page.url}:\n" + (
        describe(found)
    )
