"""Evaluation teams on the staff side (issue 19): a file moved to another team, and the
teams with their members and routing rules (read-only: the administrator sets them in the
Django admin)."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from derogations import access, lifecycle, teams
from derogations.access import staff_required
from derogations.enums import IvdClass
from derogations.models import RoutingRule, Team

from .forms import TeamMoveForm
from .views import _render_file


@staff_required
@require_POST
def move_team(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(access.visible_requests(request.user), pk=pk)
    if not access.may_assign(request.user):
        messages.error(request, _("Vous n'avez pas le droit d'effectuer cette action."))
        return redirect("reviews:file", pk=pk)
    form = TeamMoveForm(request.POST, current=req.team_id)
    if not form.is_valid():
        return _render_file(request, pk, team_form=form)
    team = form.cleaned_data["team"]
    try:
        teams.move_to_team(req, request.user, team, form.cleaned_data["reason"])
    except lifecycle.TransitionError as exc:
        form.add_error(None, exc.message)
        return _render_file(request, pk, team_form=form)
    messages.success(
        request,
        _("Le dossier %(ref)s est déplacé vers l'équipe « %(team)s ».")
        % {"ref": req.reference, "team": team},
    )
    return redirect("reviews:file", pk=pk)


@staff_required
@require_safe
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The teams, their members and the rules that send files to them, in the order the
    rules are tried."""
    class_labels = dict(IvdClass.choices)
    members = Prefetch("members", queryset=User.objects.order_by("last_name", "first_name"))
    rules = list(RoutingRule.objects.select_related("team").order_by("priority", "pk"))
    rows = [
        {
            "rule": rule,
            "classes": ", ".join(str(class_labels.get(c, c)) for c in rule.ivd_classes),
        }
        for rule in rules
    ]
    return render(
        request,
        "reviews/teams.html",
        {
            "teams": Team.objects.prefetch_related(members).order_by("-active", "name"),
            "rules": rows,
            "my_team_ids": set(request.user.teams.values_list("pk", flat=True)),
        },
    )
