"""Fill a PostgreSQL database fast with realistic data: the query-plan tests
(tests/reviews/test_queue_plans.py, tests/derogations/test_registry_plans.py) and the
benchmarks (bench/generate.py) share it.

At scale 1.0: 100,000 requests across 500 organisations in every state with their audit
entries, 2,000 granted global derogations (Decision + Derogation rows), 5,000 files in one
organisation. Rows go in with PostgreSQL's COPY (psycopg ``cursor.copy``), never through
the ORM one by one.

The lifecycle (derogations.lifecycle) is NOT run: it would take hours. What it derives is
computed here the same way, and documented next to the code:
- reference ``DER-IND|GLO-<year>-<n>`` numbered per kind and year, and ReferenceSequence
  set to the last number given, so that the portal keeps numbering after the data;
- target date = submission day + the working days of deadlines.target_working_days
  (calendar.add_working_days, holidays included); no complements round was answered, so the
  target date is never pushed back; awaiting complements: the clock stopped at the
  ``request_complements`` audit entry;
- one audit entry per transition on the path to the status, in time order, by the right
  actor (operator, evaluator, senior evaluator);
- proposed decision for ``decision_proposed``; issued decision (reviewed by a senior other
  than the proposer, verification code) for granted and refused requests, and a Derogation
  for every grant; decided_at for granted, refused and inadmissible requests.

"""

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

from accounts.enums import OperatorRole, Role
from accounts.models import Membership, Organisation, User
from derogations import calendar, deadlines
from derogations.enums import (
    DecisionKind,
    DecisionState,
    DerogationStatus,
    DeviceType,
    IvdClass,
    Kind,
    RegulatoryStatus,
    Status,
    Urgency,
)
from derogations.models import (
    KIND_PREFIX,
    AuditEntry,
    Decision,
    Derogation,
    DerogationRequest,
    ReferenceSequence,
)

FULL = {"requests": 100_000, "organisations": 500, "granted_globals": 2_000, "big_org": 5_000}
EVALUATORS = 12
SENIORS = 4

# Path of transitions (lifecycle name, from, to) that leads to each status.
_SUBMIT = [("submit", Status.DRAFT, Status.SUBMITTED)]
_REVIEW = [*_SUBMIT, ("declare_admissible", Status.SUBMITTED, Status.IN_REVIEW)]
_PROPOSED = [*_REVIEW, ("propose_decision", Status.IN_REVIEW, Status.DECISION_PROPOSED)]
PATHS: dict[str, list[tuple[str, str, str]]] = {
    Status.DRAFT: [],
    Status.SUBMITTED: _SUBMIT,
    Status.IN_REVIEW: _REVIEW,
    Status.AWAITING_COMPLEMENTS: [
        *_REVIEW,
        ("request_complements", Status.IN_REVIEW, Status.AWAITING_COMPLEMENTS),
    ],
    Status.DECISION_PROPOSED: _PROPOSED,
    Status.GRANTED: [*_PROPOSED, ("grant", Status.DECISION_PROPOSED, Status.GRANTED)],
    Status.REFUSED: [*_PROPOSED, ("refuse", Status.DECISION_PROPOSED, Status.REFUSED)],
    Status.WITHDRAWN: [*_SUBMIT, ("withdraw", Status.SUBMITTED, Status.WITHDRAWN)],
    Status.INADMISSIBLE: [
        *_SUBMIT,
        ("declare_inadmissible", Status.SUBMITTED, Status.INADMISSIBLE),
    ],
}
OPERATOR_ACTIONS = {"submit", "withdraw", "answer_complements"}
SENIOR_ACTIONS = {"grant", "refuse"}
# Share of each status among the requests that are not the granted global ones.
WEIGHTS = {
    Status.DRAFT: 8,
    Status.SUBMITTED: 12,
    Status.IN_REVIEW: 20,
    Status.AWAITING_COMPLEMENTS: 8,
    Status.DECISION_PROPOSED: 5,
    Status.GRANTED: 17,
    Status.REFUSED: 12,
    Status.WITHDRAWN: 9,
    Status.INADMISSIBLE: 9,
}
OPEN = {
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.AWAITING_COMPLEMENTS,
    Status.DECISION_PROPOSED,
}

DEVICES = [
    "GenoRare Panel",
    "HemoScreen",
    "CardioMark",
    "OncoSeq",
    "NeuroTest",
    "ViroDetect",
    "ImmunoKit",
    "PrionAssay",
    "MétaboScan",
    "Thrombo-Q",
]
ANALYTES = ["ADN génomique, sang total", "ARN viral, écouvillon", "Protéine, sérum", "LCR"]
WORDS = [
    "diagnostic génétique d'une maladie rare",
    "dépistage néonatal",
    "suivi thérapeutique",
    "recherche de mutations somatiques",
    "typage HLA avant greffe",
    "détection d'un virus émergent",
    "dosage enzymatique",
    "maladie métabolique héréditaire",
]
COMPANY = ["Laboratoires", "Biotech", "Diagnostics", "Réactifs", "Instruments", "Biologie"]
CITIES = ["Lyon", "Paris", "Nantes", "Lille", "Rennes", "Bordeaux", "Toulouse", "Marseille"]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def luhn_complete(prefix: str) -> str:
    """The prefix followed by the digit that makes it pass the Luhn check."""
    for last in "0123456789":
        digits = [int(d) for d in prefix + last]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
            for i, d in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return prefix + last
    raise AssertionError("unreachable")


def verification_code(n: int) -> str:
    raw = ""
    for _ in range(12):
        n, digit = divmod(n, len(CODE_ALPHABET))
        raw += CODE_ALPHABET[digit]
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """COPY rows (dicts keyed by column attname) into the model's table; missing columns
    get the field's default, '' for text, None when nullable. Primary keys are given."""
    fields = model._meta.concrete_fields
    now = timezone.now()

    def fill(f: models.Field) -> Any:  # type: ignore[type-arg]
        if f.has_default():
            return f.get_default()
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return now
        if f.null:
            return None
        return ""

    defaults = {f.attname: fill(f) for f in fields}
    columns = [f.column for f in fields]
    names = [f.attname for f in fields]
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[n] if n in row else defaults[n] for n in names])
                count += 1
        reset = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: E501, S608 (table name from the model)
        cursor.execute(reset)
    return count


@dataclass
class Generator:
    scale: float
    seed: int = 54
    rng: random.Random = field(init=False)
    today: datetime.date = field(init=False)
    now: datetime.datetime = field(init=False)
    counts: dict[str, int] = field(default_factory=dict)
    next_request: int = 1
    next_audit: int = 1
    next_decision: int = 1
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)
    targets: dict[tuple[datetime.date, int], datetime.date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 (test data)
        self.now = timezone.now()
        self.today = timezone.localdate()

    def volume(self, key: str) -> int:
        return max(1, round(FULL[key] * self.scale))

    def _add(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
        name = model._meta.db_table
        self.counts[name] = self.counts.get(name, 0) + copy_rows(model, rows)

    # --- People -------------------------------------------------------------------------

    def people(self) -> None:
        """Organisations, one operator per organisation, evaluators and seniors.

        Primary keys are given from 1 (an operator's user id is its organisation's id):
        the database must hold no user, organisation or request yet."""
        if any(m.objects.exists() for m in (User, Organisation, DerogationRequest)):
            raise RuntimeError("tests.bulk_data needs a database without users or requests")
        n_orgs = max(2, self.volume("organisations"))
        orgs = [
            {
                "id": i,
                "name": f"{COMPANY[i % len(COMPANY)]} {CITIES[i % len(CITIES)]} {i:03d}",
                "siret": luhn_complete(f"{100000000 + i:09d}0001"),
                "operator_role": OperatorRole.choices[i % len(OperatorRole.choices)][0],
                "address": f"{i} rue de la Santé, {CITIES[i % len(CITIES)]}",
            }
            for i in range(1, n_orgs + 1)
        ]
        self._add(Organisation, orgs)
        users = []
        for i in range(1, n_orgs + 1):
            users.append({"id": i, "email": f"operateur{i}@bench.example", "role": Role.OPERATOR})
        for j in range(EVALUATORS):
            users.append(
                {
                    "id": n_orgs + 1 + j,
                    "email": f"evaluateur{j}@ansm.example",
                    "first_name": "Évaluateur",
                    "last_name": f"{j:02d}",
                    "role": Role.EVALUATOR,
                }
            )
        for j in range(SENIORS):
            users.append(
                {
                    "id": n_orgs + 1 + EVALUATORS + j,
                    "email": f"senior{j}@ansm.example",
                    "first_name": "Senior",
                    "last_name": f"{j:02d}",
                    "role": Role.SENIOR_EVALUATOR,
                }
            )
        for user in users:
            user.update(
                password="!unusable",  # noqa: S106 (unusable, as set_unusable_password)
                email_verified_at=self.now,
            )
        self._add(User, users)
        self._add(
            Membership,
            (
                {"id": o["id"], "user_id": o["id"], "organisation_id": o["id"], "is_admin": True}
                for o in orgs
            ),
        )
        self.organisations = [o["id"] for o in orgs]
        self.evaluators = [n_orgs + 1 + j for j in range(EVALUATORS)]
        self.seniors = [n_orgs + 1 + EVALUATORS + j for j in range(SENIORS)]

    # --- Requests -----------------------------------------------------------------------

    def _target(self, received: datetime.date, days: int) -> datetime.date:
        key = (received, days)
        if key not in self.targets:
            self.targets[key] = calendar.add_working_days(received, days)
        return self.targets[key]

    def _reference(self, kind: str, year: int) -> str:
        number = self.numbers.get((kind, year), 0) + 1
        self.numbers[(kind, year)] = number
        return f"DER-{KIND_PREFIX[Kind(kind)]}-{year}-{number:05d}"

    def requests(self, count: int, granted_globals: int, big_org_files: int) -> None:
        """Add ``count`` requests: ``granted_globals`` of them granted global ones,
        ``big_org_files`` of them in the first organisation, the rest spread."""
        plan: list[tuple[str, str]] = [(Status.GRANTED, Kind.GLOBAL)] * granted_globals
        statuses = list(WEIGHTS)
        weights = list(WEIGHTS.values())
        for status in self.rng.choices(statuses, weights, k=count - granted_globals):
            plan.append((status, Kind.GLOBAL if self.rng.random() < 0.2 else Kind.INDIVIDUAL))
        self.rng.shuffle(plan)
        requests: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        derogations: list[dict[str, Any]] = []
        for index, (status, kind) in enumerate(plan):
            org = (
                self.organisations[0]
                if index < big_org_files
                else self.rng.choice(self.organisations[1:])
            )
            self._one(org, status, kind, requests, audits, decisions, derogations)
        self._add(DerogationRequest, requests)
        self._add(AuditEntry, audits)
        self._add(Decision, decisions)
        self._add(Derogation, derogations)
        self._sequences()

    def _one(
        self,
        org: int,
        status: str,
        kind: str,
        requests: list[dict[str, Any]],
        audits: list[dict[str, Any]],
        decisions: list[dict[str, Any]],
        derogations: list[dict[str, Any]],
    ) -> None:
        rng = self.rng
        pk = self.next_request
        self.next_request += 1
        # Open files are recent (some of them late), closed ones spread over two years.
        age_days = (
            rng.uniform(0, 120)
            if status in OPEN or status == Status.DRAFT
            else rng.uniform(30, 730)
        )
        created = self.now - datetime.timedelta(days=age_days)
        urgency = (
            rng.choices([Urgency.STANDARD, Urgency.URGENT, Urgency.VITAL], [8, 1.5, 0.5])[0]
            if kind == Kind.INDIVIDUAL
            else Urgency.STANDARD
        )
        device = rng.choice(DEVICES)
        purpose = rng.choice(WORDS)
        row: dict[str, Any] = {
            "id": pk,
            "kind": kind,
            "status": status,
            "organisation_id": org,
            "created_by_id": org,
            "contact_email": f"operateur{org}@bench.example",
            "device_name": f"{device} {rng.randint(1, 9)}",
            "device_model": f"Modèle {rng.randint(100, 999)}",
            "device_reference": f"REF-{pk:06d}",
            "ivd_class": rng.choice(IvdClass.values),
            "device_type": rng.choice(DeviceType.values),
            "manufacturer_name": f"Fabricant {org}",
            "intended_purpose": f"Dispositif destiné au {purpose}.",
            "analyte_specimen": rng.choice(ANALYTES),
            "regulatory_status": rng.choice(RegulatoryStatus.values),
            "justification": (
                f"Aucun dispositif marqué CE ne permet le {purpose} ; "
                f"le {device} est le seul disponible pour ces patients. "
                f"Demande {pk} déposée pour le {rng.choice(WORDS)}."
            ),
            "expected_benefit": "Diagnostic plus précoce et traitement adapté.",
            "safety_performance_data": "Étude de performance sur 240 échantillons.",
            "alternatives": "Aucune alternative marquée CE en France.",
            "risks": "Faux négatifs : contrôle par une seconde méthode.",
            "ce_marking_plan": "Dossier déposé auprès de l'organisme notifié.",
            "urgency": urgency,
            "created_at": created,
            "updated_at": created,
        }
        if kind == Kind.INDIVIDUAL:
            row.update(
                patient_reference=f"PAT-{pk:06d}",
                patient_age="1980-1989",
                patient_indication=purpose,
                prescriber_name="Dr Martin",
                prescriber_email=f"prescripteur{pk % 997}@chu.example",
                facility_name="CHU de Lyon",
                facility_finess="690781810",
            )
            if urgency != Urgency.STANDARD:
                row["urgency_reason"] = "Traitement à débuter sans délai."
        else:
            row.update(
                population="Patients adultes suivis en centre de référence.",
                expected_patients=rng.randint(50, 5000),
                quantity="200 trousses de 96 tests",
                any_facility=rng.random() < 0.3,
            )
        path = PATHS[status]
        moment = created
        assignee = rng.choice(self.evaluators) if path[1:] else None
        if status == Status.SUBMITTED and rng.random() < 0.4:
            assignee = rng.choice(self.evaluators)
        proposer = assignee or rng.choice(self.evaluators)
        reviewer = rng.choice(self.seniors)
        for name, source, target in path:
            moment = min(moment + datetime.timedelta(hours=rng.uniform(1, 24 * 12)), self.now)
            if name == "submit":
                row["submitted_at"] = moment
                row["reference"] = self._reference(kind, timezone.localtime(moment).year)
                days = deadlines.target_working_days(kind, urgency)
                row["target_date"] = self._target(timezone.localtime(moment).date(), days)
            actor = org if name in OPERATOR_ACTIONS else proposer
            if name in SENIOR_ACTIONS:
                actor = reviewer
            audits.append(
                {
                    "id": self.next_audit,
                    "request_id": pk,
                    "actor_id": actor,
                    "action": name,
                    "from_status": source,
                    "to_status": target,
                    "comment": "Motivation de la décision." if name in SENIOR_ACTIONS else "",
                    "created_at": moment,
                }
            )
            self.next_audit += 1
            if name == "request_complements":
                row["clock_stopped_at"] = moment
            if name in {"grant", "refuse", "declare_inadmissible"}:
                row["decided_at"] = moment
        row["updated_at"] = moment
        row["assignee_id"] = assignee if status not in (Status.DRAFT,) else None
        requests.append(row)
        if status in (Status.DECISION_PROPOSED, Status.GRANTED, Status.REFUSED):
            issued = status != Status.DECISION_PROPOSED
            grant = status == Status.GRANTED or (
                status == Status.DECISION_PROPOSED and rng.random() < 0.7
            )
            decided = row.get("decided_at")
            valid_until = (
                (timezone.localtime(decided or moment).date() + datetime.timedelta(days=365))
                if grant
                else None
            )
            decision = {
                "id": self.next_decision,
                "request_id": pk,
                "kind": DecisionKind.GRANT if grant else DecisionKind.REFUSAL,
                "state": DecisionState.ISSUED if issued else DecisionState.PROPOSED,
                "motivation": "Considérant l'absence d'alternative et le bénéfice attendu "
                "pour les patients.",
                "conditions": "Traçabilité des lots ; rapport trimestriel." if grant else "",
                "valid_until": valid_until,
                "proposed_by_id": proposer,
                "proposed_at": moment,
            }
            if issued:
                decision.update(
                    reviewed_by_id=reviewer,
                    reviewed_at=decided,
                    issued_at=decided,
                    verification_code=verification_code(self.next_decision),
                )
            decisions.append(decision)
            if status == Status.GRANTED:
                derogations.append(
                    {
                        "id": self.next_decision,
                        "request_id": pk,
                        "grant_id": self.next_decision,
                        "status": DerogationStatus.ACTIVE,
                        "valid_until": valid_until,
                        "created_at": decided,
                    }
                )
            self.next_decision += 1

    def resync(self) -> None:
        """Continue numbering after rows the portal wrote itself (a lifting through the
        lifecycle writes an audit entry and an act) or copied (bench/sizes.py)."""
        self.numbers = {(s.kind, s.year): s.last_number for s in ReferenceSequence.objects.all()}
        self.next_request = (DerogationRequest.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        self.next_audit = (AuditEntry.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1
        self.next_decision = (
            max(
                Decision.objects.aggregate(m=models.Max("id"))["m"] or 0,
                Derogation.objects.aggregate(m=models.Max("id"))["m"] or 0,
            )
            + 1
        )

    def _sequences(self) -> None:
        for (kind, year), number in self.numbers.items():
            ReferenceSequence.objects.update_or_create(
                kind=kind, year=year, defaults={"last_number": number}
            )

    def analyze(self, vacuum: bool = True) -> None:
        """Statistics for the planner; VACUUM also sets the visibility map (index-only
        scans), but cannot run inside a transaction."""
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def generate(scale: float, *, share: float = 1.0, gen: Generator | None = None) -> Generator:
    """Add ``share`` of the volume at ``scale`` (people once, on the first call)."""
    if gen is None:
        gen = Generator(scale)
        gen.people()
    gen.requests(
        count=max(1, round(gen.volume("requests") * share)),
        granted_globals=max(1, round(gen.volume("granted_globals") * share)),
        big_org_files=max(1, round(gen.volume("big_org") * share)),
    )
    gen.analyze()
    return gen
