"""What evaluators write besides status changes: the evaluation grid and private notes.

The rule "a proposal needs a complete grid" lives here, once: proposal_guard is
registered on the lifecycle's propose_decision in ReviewsConfig.ready().
"""

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from derogations import lifecycle
from derogations.enums import Status
from derogations.models import DerogationRequest

from .enums import Assessment, BenefitRisk
from .models import CRITERIA, EvaluationGrid, GridRevision, PrivateNote

GRID_FIELDS = (
    "benefit_assessment", "benefit_comment", "data_assessment", "data_comment",
    "alternative_assessment", "alternative_comment", "benefit_risk", "conclusion",
)  # fmt: skip
# The grid is worked on once the file is admissible, until a decision is proposed (and
# again if the proposal is sent back).
GRID_EDITABLE_STATUSES = frozenset({Status.IN_REVIEW, Status.AWAITING_COMPLEMENTS})


def missing_grid_items(grid: EvaluationGrid | None) -> list[str]:
    """What the grid still lacks before a decision may be proposed (French labels)."""
    missing: list[str] = []
    for prefix, label in CRITERIA:
        assessed = grid is not None and getattr(grid, f"{prefix}_assessment") != (
            Assessment.NOT_ASSESSED
        )
        commented = grid is not None and getattr(grid, f"{prefix}_comment").strip()
        if not assessed or not commented:
            missing.append(str(label))
    if (
        grid is None
        or grid.benefit_risk == BenefitRisk.NOT_CONCLUDED
        or not grid.conclusion.strip()
    ):
        missing.append(_("conclusion bénéfice/risque"))
    return missing


def proposal_guard(request: DerogationRequest) -> str | None:
    """Lifecycle guard on propose_decision: the grid must be complete."""
    grid = EvaluationGrid.objects.filter(request=request).first()
    missing = missing_grid_items(grid)
    if not missing:
        return None
    return _(
        "La grille d'évaluation est incomplète (%(missing)s) : complétez l'appréciation et "
        "le commentaire de chaque critère et la conclusion bénéfice/risque avant de proposer "
        "une décision."
    ) % {"missing": ", ".join(missing)}


def _check_evaluator(actor: User) -> None:
    if not actor.is_active or actor.role not in lifecycle.EVALUATORS:
        raise lifecycle.TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))


def save_grid(request: DerogationRequest, actor: User, values: dict[str, str]) -> EvaluationGrid:
    """Write the grid (partial is fine) and keep a copy of this version.

    The request row is locked, as a proposal locks it: a grid cannot change between the
    proposal's check and its decision.
    """
    _check_evaluator(actor)
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status not in GRID_EDITABLE_STATUSES:
            raise lifecycle.TransitionError(
                _("La grille ne peut plus être modifiée : la demande est au statut « %(status)s ».")
                % {"status": locked.get_status_display()}
            )
        grid = EvaluationGrid.objects.filter(request=locked).first() or EvaluationGrid(
            request=locked
        )
        for name in GRID_FIELDS:
            setattr(grid, name, values[name])
        grid.version += 1
        grid.updated_by = actor
        grid.updated_at = timezone.now()
        grid.save()
        GridRevision.objects.create(
            grid=grid,
            version=grid.version,
            data=model_to_dict(grid, fields=GRID_FIELDS),
            saved_by=actor,
            saved_at=grid.updated_at,
        )
    return grid


def add_note(request: DerogationRequest, actor: User, text: str) -> PrivateNote:
    _check_evaluator(actor)
    if not text.strip():
        raise lifecycle.TransitionError(_("La note est vide."))
    return PrivateNote.objects.create(request=request, author=actor, text=text)


# --- Scenarios (demo data and tests) ------------------------------------------------------

SCENARIO_GRID = {
    "benefit_assessment": Assessment.FAVOURABLE,
    "benefit_comment": "Le diagnostic conditionne l'instauration du traitement ; pas de retard acceptable.",
    "data_assessment": Assessment.FAVOURABLE,
    "data_comment": "Rapport d'évaluation des performances probant (sensibilité et spécificité élevées).",
    "alternative_assessment": Assessment.FAVOURABLE,
    "alternative_comment": "Aucun dispositif marqué CE ne répond à cette indication.",
    "benefit_risk": BenefitRisk.FAVOURABLE,
    "conclusion": "Balance bénéfice/risque favorable pour l'usage demandé.",
}


def complete_grid_for_scenario(request: DerogationRequest, evaluator: User) -> None:
    """derogations.scenarios step before a proposal: a complete grid, if none is."""
    grid = EvaluationGrid.objects.filter(request=request).first()
    if missing_grid_items(grid):
        save_grid(request, evaluator, SCENARIO_GRID)
