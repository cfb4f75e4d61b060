"""The staff inbox (notifications.inbox): the list, read/unread, and each person's email
preferences (reached from their profile)."""

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations.access import staff_required
from derogations.paging import CappedPaginator
from derogations.tables import url_maker

from . import inbox
from .models import ALWAYS_IMMEDIATE, EmailMode, InboxItem, InboxKind

PAGE_SIZE = 50


def _rows(items: Iterable[InboxItem]) -> list[dict[str, object]]:
    """What a row of the inbox shows, prepared once (the template only prints it)."""
    file_url, read_url = url_maker("reviews:file"), url_maker("notifications:inbox_read")
    kinds = {value: str(label) for value, label in InboxKind.choices}
    zone = timezone.get_current_timezone()
    return [
        {
            "pk": item.pk,
            "kind": item.kind,
            "kind_label": kinds.get(item.kind, item.kind),
            "vital": item.kind == InboxKind.VITAL_FILE,
            "reference": item.reference,  # type: ignore[attr-defined]  # annotated below
            "device": item.device_name,  # type: ignore[attr-defined]
            "href": file_url(item.request_id),
            "read_href": read_url(item.pk),
            "created": timezone.localtime(item.created_at, zone).strftime("%d/%m/%Y %H:%M"),
            "unread": item.read_at is None,
        }
        for item in items
    ]


def _columns(items: "QuerySet[InboxItem]") -> "QuerySet[InboxItem]":
    """What a row reads: the item and its file's reference and device, one query."""
    return items.only("kind", "request_id", "created_at", "read_at").annotate(
        reference=F("request__reference"), device_name=F("request__device_name")
    )


@staff_required
@require_safe
def inbox_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What changed on my files, newest first; ``?non-lus`` for the unread only."""
    unread_only = "non-lus" in request.GET
    items = InboxItem.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    if unread_only:
        items = items.filter(read_at__isnull=True)
    number = request.GET.get("page")
    paginator = CappedPaginator(items, PAGE_SIZE, number=number, columns=_columns)
    page = paginator.get_page(number)
    page.object_list = _rows(page.object_list)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only},
    )


@staff_required
@require_POST
def inbox_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one item read ("unread" in the form marks it unread again), then back to the
    inbox, or to the file when asked to open it."""
    item = get_object_or_404(InboxItem, pk=pk, recipient=request.user)
    unread = request.POST.get("action") == "unread"
    InboxItem.objects.filter(pk=item.pk).update(read_at=None if unread else timezone.now())
    if request.POST.get("action") == "open":
        return redirect("reviews:file", pk=item.request_id)
    return redirect("notifications:inbox")


@staff_required
@require_POST
def inbox_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = InboxItem.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("%(n)s élément(s) marqué(s) comme lu(s).") % {"n": count})
    return redirect("notifications:inbox")


MODE_CHOICES = EmailMode.choices


class EmailPreferencesForm(forms.Form):
    """One choice per kind of inbox event, except those always emailed at once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind, label in InboxKind.choices:
            if kind in ALWAYS_IMMEDIATE:
                continue
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=MODE_CHOICES,
                widget=forms.RadioSelect,
                error_messages={
                    "required": gettext_lazy("Choisissez comment être prévenu."),
                    "invalid_choice": gettext_lazy(
                        "Choisissez « Courriel immédiat », « Récapitulatif quotidien » ou "
                        "« Pas de courriel »."
                    ),
                },
            )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = inbox.email_modes(request.user)
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST, initial=current)
        if form.is_valid():
            inbox.set_email_modes(request.user, form.cleaned_data)
            messages.success(request, _("Vos préférences de courriel sont enregistrées."))
            return redirect("notifications:email_preferences")
        status = 400
    else:
        form = EmailPreferencesForm(initial=current)
        status = 200
    return render(
        request,
        "notifications/email_preferences.html",
        {"form": form, "always": [InboxKind(kind).label for kind in sorted(ALWAYS_IMMEDIATE)]},
        status=status,
    )
