"""Evaluation teams (issue 19): which team a submitted file goes to, and moving it.

The routing rules are set by the administrator (Django admin); the first active rule, by
priority, whose conditions all match sends the file to its team; no rule matches: the file
has no team ("Sans équipe"). The team is not a status: one audit entry says each change.
"""

import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from . import events
from .lifecycle import EVALUATORS, TransitionError, record_action
from .models import DerogationRequest, RoutingRule, Team


def folded(text: str) -> str:
    """``text`` without case or accents: "Génétique" and "GENETIQUE" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def rule_matches(rule: RoutingRule, request: DerogationRequest) -> bool:
    """Every condition the rule sets holds for the file (an empty one always does)."""
    if rule.ivd_classes and request.ivd_class not in rule.ivd_classes:
        return False
    if rule.kind and request.kind != rule.kind:
        return False
    if rule.urgency and (not request.is_individual or request.urgency != rule.urgency):
        return False
    keyword = folded(rule.device_keyword.strip())
    if keyword and keyword not in folded(f"{request.device_name}\n{request.intended_purpose}"):
        return False
    return True


def active_rules() -> Iterable[RoutingRule]:
    return RoutingRule.objects.filter(active=True, team__active=True).select_related("team")


def matching_team(request: DerogationRequest) -> Team | None:
    """The team of the first active rule (by priority) that matches the file, or None."""
    for rule in active_rules():
        if rule_matches(rule, request):
            return rule.team
    return None


def route_submitted(request: DerogationRequest, actor: User) -> Team | None:
    """At submission, inside its transaction (derogations.lifecycle.submit): the file
    goes to the team the rules give, and its history says so (no rule matches: the
    file stays without a team, and no entry is written)."""
    team = matching_team(request)
    if team is None:
        return None  # "Sans équipe": nothing changes, the submission's entry says enough
    request.team = team
    request.save(update_fields=["team"])
    record_action(
        request,
        actor,
        "route_to_team",
        _("Dossier orienté vers l'équipe « %(team)s ».") % {"team": team},
    )
    return team


def move_to_team(request: DerogationRequest, actor: User, team: Team, reason: str) -> None:
    """An evaluator moves a submitted file to another team, with a reason; the new team's
    members are told (derogations.events.request_moved_to_team: their inbox)."""
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if not reason.strip():
        raise TransitionError(_("Indiquez pourquoi le dossier change d'équipe."))
    with transaction.atomic():
        locked = (
            DerogationRequest.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(pk=request.pk)
        )
        if locked.submitted_at is None:
            raise TransitionError(_("Ce dossier n'est pas déposé."))
        if not Team.objects.filter(pk=team.pk, active=True).exists():
            raise TransitionError(_("Cette équipe n'existe plus ou n'est plus active."))
        previous = locked.team
        if previous is not None and previous.pk == team.pk:
            raise TransitionError(
                _("Ce dossier est déjà dans l'équipe « %(team)s ».") % {"team": team}
            )
        locked.team = team
        locked.save(update_fields=["team", "updated_at"])
        record_action(
            locked,
            actor,
            "move_to_team",
            _("Dossier déplacé de « %(before)s » vers « %(after)s » : %(reason)s")
            % {
                "before": previous if previous is not None else _("Sans équipe"),
                "after": team,
                "reason": reason.strip(),
            },
        )
        events.request_moved_to_team.send(
            sender=DerogationRequest, request=locked, team=team, actor=actor
        )
