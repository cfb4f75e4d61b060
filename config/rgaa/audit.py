"""The RGAA 4.1 self-audit: the 106 criteria, the sample of pages and the grid (one row per
criterion and page) read from this folder, checked, and summed up by the RGAA method.

The formulas are those of the RGAA 4.1 method, "Obligations" section, "Taux de conformité à la
norme" (DISIC/RGAA, v4.1/md/obligations.md):

- a criterion is *validated* for the sample when it is validated on every page where it
  applies (C or NA) and applies somewhere; *not validated* when invalidated (NC) on a single
  page; *not applicable* when NA on every page;
- the rate of RGAA criteria met = validated / (validated + not validated);
- the average rate = the mean of the pages' rates (each page: C / (C + NC); on a page of a
  process, a criterion failed on another page of the process counts as failed);
- the state: total conformity at 100 %, partial from 50 %, non-conformity below.

The files are read once per process (``current()``); the statement page and the report read
the same ``Audit``.
"""

import csv
import datetime
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
STATUSES = ("C", "NC", "NA")
# The day the grid was last reviewed as a whole (the statement's "établie le").
AUDIT_DATE = datetime.date(2026, 12, 4)


class GridError(ValueError):
    """The grid does not cover the sample, or one of its rows is malformed."""


@dataclass(frozen=True)
class Criterion:
    number: str
    topic: str
    title: str


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    role: str
    visit: str | None  # a Visit of tests/e2e/pages.py VISITS[role]; None: a document
    url: str
    process: str | None = None  # pages of one process (a form over several pages) share it


@dataclass(frozen=True)
class Row:
    criterion: str
    page: str
    status: str
    evidence: str
    defect: str = ""
    planned_date: datetime.date | None = None

    @property
    def automated(self) -> bool:
        return self.evidence.startswith("auto:")

    @property
    def check(self) -> str:
        """The automated check's name ("auto:<name>"), or ""."""
        return self.evidence.removeprefix("auto:").strip() if self.automated else ""


@dataclass(frozen=True)
class NonConformity:
    """One defect of one criterion, with the pages where it was found."""

    criterion: Criterion
    defect: str
    planned_date: datetime.date
    pages: tuple[Page, ...]


@dataclass(frozen=True)
class Audit:
    criteria: tuple[Criterion, ...]
    pages: tuple[Page, ...]
    rows: tuple[Row, ...]
    date: datetime.date = AUDIT_DATE

    def __post_init__(self) -> None:
        problems = validate(self.criteria, self.pages, self.rows)
        if problems:
            raise GridError("\n".join(problems))

    @cached_property
    def results(self) -> dict[str, str]:
        """Each criterion over the whole sample: NC if NC on one page, else C if C on one
        page, else NA."""
        found: dict[str, set[str]] = {criterion.number: set() for criterion in self.criteria}
        for row in self.rows:
            found[row.criterion].add(row.status)
        return {
            number: "NC" if "NC" in statuses else "C" if "C" in statuses else "NA"
            for number, statuses in found.items()
        }

    @cached_property
    def counts(self) -> Counter[str]:
        return Counter(self.results.values())

    @property
    def rate(self) -> float:
        """Percentage of applicable criteria met over the sample (RGAA 4.1 rate)."""
        counts = self.counts
        applicable = counts["C"] + counts["NC"]
        return 100 * counts["C"] / applicable if applicable else 100.0

    def page_rate(self, page: str) -> float | None:
        """C / (C + NC) on one page; None when no criterion applies to it. A page of a
        process fails a criterion failed on any page of the process (the RGAA method)."""
        process = next(item.process for item in self.pages if item.id == page)
        siblings = {item.id for item in self.pages if process and item.process == process}
        failed = {row.criterion for row in self.rows if row.page in siblings and row.status == "NC"}
        counts = Counter(
            "NC" if row.criterion in failed and row.status != "NA" else row.status
            for row in self.rows
            if row.page == page
        )
        applicable = counts["C"] + counts["NC"]
        return 100 * counts["C"] / applicable if applicable else None

    @cached_property
    def page_rates(self) -> dict[str, float | None]:
        return {page.id: self.page_rate(page.id) for page in self.pages}

    @cached_property
    def average_rate(self) -> float:
        rates = [rate for rate in self.page_rates.values() if rate is not None]
        return sum(rates) / len(rates) if rates else 100.0

    @property
    def state(self) -> str:
        """ "total", "partial" or "none" (the RGAA thresholds: 100 %, 50 %)."""
        counts = self.counts
        if counts["NC"] == 0:
            return "total"
        return "partial" if 2 * counts["C"] >= counts["C"] + counts["NC"] else "none"

    @cached_property
    def non_conformities(self) -> list[NonConformity]:
        """Each (criterion, defect, date) once, with its pages, in criterion order."""
        pages = {page.id: page for page in self.pages}
        grouped: dict[tuple[str, str, datetime.date], list[Page]] = {}
        for row in self.rows:
            if row.status == "NC" and row.planned_date is not None:
                key = (row.criterion, row.defect, row.planned_date)
                grouped.setdefault(key, []).append(pages[row.page])
        criteria = {criterion.number: criterion for criterion in self.criteria}
        order = {criterion.number: index for index, criterion in enumerate(self.criteria)}
        return [
            NonConformity(criteria[number], defect, date, tuple(found))
            for (number, defect, date), found in sorted(
                grouped.items(), key=lambda item: (order[item[0][0]], item[0][2], item[0][1])
            )
        ]

    def checks(self) -> set[str]:
        """The names of the automated checks the grid relies on."""
        return {row.check for row in self.rows if row.automated}


def validate(
    criteria: tuple[Criterion, ...], pages: tuple[Page, ...], rows: tuple[Row, ...]
) -> list[str]:
    """Every criterion × every page exactly once, valid statuses, evidence on every row, a
    defect and a planned date on every NC. Returns the problems found (empty: valid)."""
    problems = []
    numbers = [criterion.number for criterion in criteria]
    ids = [page.id for page in pages]
    for name, values in (("criterion", numbers), ("page", ids)):
        doubles = sorted(value for value, n in Counter(values).items() if n > 1)
        if doubles:
            problems.append(f"{name} listed twice: {', '.join(doubles)}")
    seen = Counter((row.criterion, row.page) for row in rows)
    for row in rows:
        where = f"{row.criterion} × {row.page}"
        if row.criterion not in numbers or row.page not in ids:
            problems.append(f"{where}: unknown criterion or page")
        if seen[(row.criterion, row.page)] > 1:
            problems.append(f"{where}: more than one row")
        if row.status not in STATUSES:
            problems.append(f"{where}: status {row.status!r} is not one of {', '.join(STATUSES)}")
        if not (row.automated and row.check) and not row.evidence.startswith("manuel: "):
            problems.append(
                f"{where}: evidence must be 'auto:' and a check name, or 'manuel: ' and what"
            )
        if row.status == "NC" and (not row.defect or row.planned_date is None):
            problems.append(f"{where}: a non-conformity needs its defect and its planned date")
    missing = [(c, p) for c in numbers for p in ids if (c, p) not in seen]
    if missing:
        shown = ", ".join(f"{c} × {p}" for c, p in missing[:10])
        problems.append(f"{len(missing)} criterion × page rows missing: {shown}")
    return problems


def load(folder: Path = FOLDER) -> Audit:
    """Read criteria.json, sample.json and grid.csv from ``folder``; GridError if invalid."""
    criteria = tuple(
        Criterion(item["number"], item["topic"], item["title"])
        for item in json.loads((folder / "criteria.json").read_text(encoding="utf-8"))
    )
    pages = tuple(
        Page(
            item["id"], item["title"], item["role"], item["visit"], item["url"], item.get("process")
        )
        for item in json.loads((folder / "sample.json").read_text(encoding="utf-8"))
    )
    with (folder / "grid.csv").open(encoding="utf-8", newline="") as handle:
        rows = tuple(_row(line, number) for number, line in enumerate(csv.DictReader(handle), 2))
    return Audit(criteria, pages, rows)


def _row(line: dict[str, str], number: int) -> Row:
    planned = line.get("planned_date") or ""
    try:
        planned_date = datetime.date.fromisoformat(planned) if planned else None
    except ValueError as error:
        raise GridError(
            f"grid.csv line {number}: planned_date {planned!r} is not a date"
        ) from error
    return Row(
        criterion=line["criterion"],
        page=line["page"],
        status=line["status"],
        evidence=line["evidence"],
        defect=line.get("defect") or "",
        planned_date=planned_date,
    )


@cache
def current() -> Audit:
    """The committed audit, read and checked once per process."""
    return load()
