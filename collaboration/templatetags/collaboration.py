"""The file pages' panel on messages and expert opinions: ``{% collaboration_panel req %}``
in templates/derogations/detail.html (operator) and templates/reviews/file.html (staff), so
that those pages need no change of their views (derogations and reviews do not import
collaboration)."""

from django import template

from accounts.models import User
from derogations.models import DerogationRequest

from ..access import thread_requests, visible_opinions
from ..models import Message
from ..services import unread_messages

register = template.Library()


@register.inclusion_tag("collaboration/_file_panel.html", takes_context=True)
def collaboration_panel(context: template.Context, req: DerogationRequest) -> dict[str, object]:
    user: User = context["user"]
    if not thread_requests(user).filter(pk=req.pk).exists():
        return {"shown": False}
    awaited = Message.objects.filter(
        request=req, answer_due__isnull=False, answered_at__isnull=True
    ).order_by("answer_due")
    return {
        "shown": True,
        "req": req,
        "staff": user.is_ansm_staff,
        "messages_count": Message.objects.filter(request=req).count(),
        "unread_count": unread_messages(req, user).count(),
        "awaited": awaited.first(),
        "opinions": list(visible_opinions(user).filter(request=req)) if user.is_ansm_staff else [],
    }
