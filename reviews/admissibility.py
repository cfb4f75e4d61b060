"""The admissibility checklist shown to the evaluator before declaring a file complete.

Each point says whether the file holds what it needs; the evaluator still judges the
content. Submission already refuses an incomplete file, so a point is usually present,
but a required field may hold a placeholder ("voir pièce jointe", "-").
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from derogations.enums import Kind, Urgency
from derogations.models import DerogationRequest

# Shorter than this, a free text cannot address a criterion (our choice).
MIN_CRITERION_LENGTH = 20


@dataclass(frozen=True)
class Point:
    label: str
    ok: bool
    detail: str = ""


def _filled(req: DerogationRequest, *names: str) -> bool:
    return all(getattr(req, name) not in (None, "") for name in names)


def _criterion(req: DerogationRequest, name: str, label: str) -> Point:
    text = (getattr(req, name) or "").strip()
    if not text:
        return Point(label, False, _("Non renseigné."))
    if len(text) < MIN_CRITERION_LENGTH:
        return Point(label, False, _("Très succinct : vérifiez que le critère est argumenté."))
    return Point(label, True)


def checklist(req: DerogationRequest) -> list[Point]:
    points = [
        Point(
            _("Opérateur identifié et courriel de contact"),
            _filled(req, "contact_email"),
        ),
        Point(
            _("Dispositif décrit (nom, fabricant, classe IVDR, destination)"),
            _filled(req, "device_name", "manufacturer_name", "ivd_class", "intended_purpose"),
        ),
        _criterion(req, "expected_benefit", _("Critère 1 — bénéfice significatif argumenté")),
        _criterion(
            req,
            "safety_performance_data",
            _("Critère 2 — données de sécurité et de performance résumées"),
        ),
        _criterion(req, "alternatives", _("Critère 3 — absence d'alternative argumentée")),
    ]
    if req.kind == Kind.INDIVIDUAL:
        points += [
            Point(
                _("Patient pseudonymisé, prescripteur et établissement identifiés"),
                _filled(
                    req,
                    "patient_reference",
                    "prescriber_name",
                    "prescriber_email",
                    "facility_name",
                    "director_name",
                    "director_email",
                ),
            ),
            Point(
                _("Urgence motivée"),
                req.urgency == Urgency.STANDARD or _filled(req, "urgency_reason"),
            ),
        ]
    else:
        points.append(
            Point(
                _("Population, nombre de patients et fin de validité demandée"),
                _filled(req, "population", "expected_patients", "requested_end_date"),
            )
        )
    return points
