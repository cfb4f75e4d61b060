"""Joining a derogation from the public registry (derogations.joining): the form, the
page that says a link was sent, and the link that confirms the address."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from derogations import joining, lifecycle, registry
from derogations.models import Derogation

from .join_forms import JoinForm


def _public_derogation(reference: str) -> Derogation:
    return get_object_or_404(
        registry.public_derogations().select_related("request__organisation"),
        request__reference=reference,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest, reference: str) -> HttpResponse:
    """The same answer whether the address is already known or not: "a link was sent"."""
    derogation = _public_derogation(reference)
    closed = joining.refusal(derogation)
    form = JoinForm(request.POST or None)
    context = {"derogation": derogation, "req": derogation.request, "closed": closed}
    if request.method == "POST" and closed is None and form.is_valid():
        locked = joining.ask_to_join(request, derogation, **form.cleaned_data)
        if locked is None:
            return render(
                request,
                "registry/join_sent.html",
                {**context, "email": form.cleaned_data["email"]},
            )
        form.add_error(None, locked.message)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/join.html", {**context, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link confirms; POST confirms it (GET never writes)."""
    try:
        joining_request = joining.read_join_link(token)
    except joining.InvalidJoinLink:
        return render(request, "registry/join_link_error.html", status=400)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        actor = user if user is not None and user.email == joining_request.email else None
        try:
            known = joining.confirm_join(joining_request, actor)
        except lifecycle.TransitionError as exc:
            messages.error(request, exc.message)
        else:
            grant = joining.open_grant(request, known)
            messages.success(
                request,
                _(
                    "Vous êtes inscrit comme utilisateur de la dérogation %(ref)s : vous "
                    "recevrez chacun de ses actes ultérieurs."
                )
                % {"ref": joining_request.derogation.request.reference},
            )
            return redirect("derogations:pro_decision", decision_pk=grant.pk)
    return render(
        request,
        "registry/join_confirm.html",
        {"joining": joining_request, "req": joining_request.derogation.request},
    )
