"""docs/rgaa.md, written from the audit by ``manage.py rgaa_report`` (Markdown, not HTML:
the grid's text is escaped so that GitHub shows ``<img alt="">`` as text)."""

from collections import Counter
from pathlib import Path

from config.rgaa.audit import Audit

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "rgaa.md"
LABELS = {"C": "conforme", "NC": "non conforme", "NA": "non applicable"}
STATES = {
    "total": "totalement conforme",
    "partial": "partiellement conforme",
    "none": "non conforme",
}


def cell(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def render(audit: Audit) -> str:
    counts = audit.counts
    lines = [
        "# RGAA 4.1 self-audit",
        "",
        "<!-- Written by `manage.py rgaa_report` from config/rgaa/: edit the grid, not this file"
        " (tests/test_rgaa_audit.py checks it is up to date). -->",
        "",
        "The portal's accessibility statement (`/accessibilite/`, `config/pages.py`) is generated"
        " from this audit: `config/rgaa/criteria.json` (the 106 criteria), `config/rgaa/sample.json`"
        " (the sample) and `config/rgaa/grid.csv` (one row per criterion × page: status C, NC or NA,"
        " evidence, defect and planned date of each NC), read and checked by `config/rgaa/audit.py`.",
        "",
        "- **Criteria**: RGAA 4.1, `v4.1/JSON/criteres.json` of the DISIC/RGAA repository"
        " (numbers, topics and titles; links of the glossary removed), published by the DINUM under"
        " the Licence Ouverte 2.0 (etalab-2.0).",
        '- **Sample**: the RGAA method\'s rules ("Obligations", *Échantillon*): home, contact and'
        " legal notice, the statement, the site map, help, authentication, each kind of form and"
        " each step of the filing process, the staff pages, the registry, one document of each kind"
        " for download, plus pages drawn at random (at least 10 %: 3 pages, seed 22, among the"
        " other pages of `tests/e2e/pages.py`). Each web page is a `Visit` of"
        " `tests/e2e/pages.py`, so the browser suite visits it in the state audited.",
        "- **Evidence**: `auto:<check>` names an automated check of `tests/e2e/rgaa_checks.py`"
        " (`CHECKS`), run in CI on the sample; `manuel: …` says what was checked by reading the"
        " rendered page, the templates, the DSFR styles and the scripts. No screen reader session"
        " has been held yet.",
        '- **Formulas** (RGAA 4.1, "Obligations", *Taux de conformité à la norme*): a criterion is'
        " met if it is met (or not applicable) on every page and applies to one at least; not met"
        " if not met on a single page; not applicable if not applicable everywhere. Rate = met /"
        " (met + not met). Average rate = mean of the pages' rates (C / (C + NC) on each page;"
        " on a page of a process, here the four filing steps, a criterion failed on another"
        " step counts as failed)."
        " State: total at 100 %, partial from 50 %, non-compliant below.",
        "",
        "## Result",
        "",
        f"- Audit of {audit.date.isoformat()}: **{STATES[audit.state]}**.",
        f"- Rate of RGAA criteria met: **{percent(audit.rate)}** ({counts['C']} met,"
        f" {counts['NC']} not met, {counts['NA']} not applicable).",
        f"- Average rate of the pages: **{percent(audit.average_rate)}**.",
        f"- Rows: {len(audit.rows)} ({len(audit.criteria)} criteria × {len(audit.pages)} pages),"
        f" {sum(row.automated for row in audit.rows)} decided by an automated check.",
        "",
        "### Non-compliances",
        "",
    ]
    if not audit.non_conformities:
        lines.append("None.")
    for item in audit.non_conformities:
        listed = ", ".join(f"`{page.id}`" for page in item.pages)
        lines.append(
            f"- **{item.criterion.number}** {cell(item.defect)} Planned: {item.planned_date}."
            f" Pages: {listed}."
        )
    lines += ["", "## Sample, per role", ""]
    lines.append(
        "Each page with the role that sees it, its `Visit` of `tests/e2e/pages.py` (the state"
        ' audited) or "document", the URL and the page\'s rate.'
    )
    for role in dict.fromkeys(page.role for page in audit.pages):
        lines += ["", f"### {role}", "", "| Page | Title | Visit | URL | Rate |"]
        lines.append("|---|---|---|---|---|")
        for page in audit.pages:
            if page.role == role:
                lines.append(
                    f"| `{page.id}` | {cell(page.title)} | {page.visit or 'document'}"
                    f" | `{page.url}` | {percent(audit.page_rates[page.id])} |"
                )
    checks = Counter(row.check for row in audit.rows if row.automated)
    lines += ["", "## Automated checks used", "", "| Check | Rows |", "|---|---|"]
    lines += [f"| `{name}` | {checks[name]} |" for name in sorted(checks)]
    lines += ["", "## Grid, by topic", ""]
    lines.append(
        "Each criterion, its result over the sample, then each distinct status and evidence"
        " with the pages it applies to (the full grid: `config/rgaa/grid.csv`)."
    )
    topic = None
    for criterion in audit.criteria:
        if criterion.topic != topic:
            topic = criterion.topic
            lines += ["", f"### {topic}", "", "| Criterion | Status | Evidence | Pages |"]
            lines.append("|---|---|---|---|")
        groups: dict[tuple[str, str, str], list[str]] = {}
        for row in audit.rows:
            if row.criterion == criterion.number:
                key = (row.status, row.evidence, row.defect)
                groups.setdefault(key, []).append(row.page)
        result = LABELS[audit.results[criterion.number]]
        head = f"**{criterion.number}** ({result}) {cell(criterion.title)}"
        for (status, evidence, defect), pages in groups.items():
            where = "all" if len(pages) == len(audit.pages) else ", ".join(pages)
            text = cell(evidence) + (f" — **défaut**: {cell(defect)}" if defect else "")
            lines.append(f"| {head} | {status} | {text} | {where} |")
            head = "″"
    lines.append("")
    return "\n".join(lines)
