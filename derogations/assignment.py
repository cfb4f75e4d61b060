"""Who holds an open file: assignment is not a change of status, one audit entry says it."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .lifecycle import EVALUATORS, TransitionError, record_action
from .models import OPEN_STATUSES, DerogationRequest


def assign(
    request: DerogationRequest,
    actor: User,
    assignee: User | None,
    *,
    only_if_unassigned: bool = False,
) -> DerogationRequest:
    """Give an open file to an evaluator (``assignee=None``: hand it back to the pool).

    The status does not change; one audit entry names the assignee. With
    ``only_if_unassigned`` (an evaluator taking a file), a file someone took meanwhile is
    not taken from them.
    """
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if assignee is not None and (not assignee.is_active or assignee.role not in EVALUATORS):
        raise TransitionError(
            _("Un dossier ne peut être attribué qu'à un évaluateur ou un évaluateur senior.")
        )
    with transaction.atomic():
        locked = (
            DerogationRequest.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=request.pk)
        )
        if locked.status not in OPEN_STATUSES:
            raise TransitionError(
                _(
                    "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
                )
                % {"status": locked.get_status_display()}
            )
        previous = locked.assignee
        if assignee is None and previous is None:
            raise TransitionError(_("Ce dossier n'est attribué à personne."))
        if assignee is not None and previous is not None:
            if previous.pk == assignee.pk:
                raise TransitionError(
                    _("Ce dossier est déjà attribué à %(name)s.") % {"name": previous}
                )
            if only_if_unassigned:
                raise TransitionError(
                    _("Ce dossier a été attribué entre-temps à %(name)s.") % {"name": previous}
                )
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        if assignee is None:
            action = "unassign"
            comment = _("Dossier rendu (il était attribué à %(name)s).") % {"name": previous}
        else:
            action = "assign"
            comment = _("Dossier attribué à %(name)s.") % {"name": assignee}
        record_action(locked, actor, action, comment)
    return locked
