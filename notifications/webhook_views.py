"""The organisation's webhook page (issue 20), for its admins: register or change the URL,
rotate the secret, disable or enable, and the last 100 deliveries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation

from . import webhooks
from .models import WebhookEndpoint
from .webhook_forms import WebhookForm


def _organisation(request: AuthenticatedHttpRequest, pk: int) -> Organisation:
    return get_object_or_404(access.administered_organisations(request.user), pk=pk)


def _page(
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    form: WebhookForm | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    endpoint = WebhookEndpoint.objects.filter(organisation=organisation).first()
    if form is None:
        form = WebhookForm(initial={"url": endpoint.url if endpoint else ""})
    context = {
        "organisation": organisation,
        "endpoint": endpoint,
        "form": form,
        "secret": secret,
        "deliveries": webhooks.delivery_log(endpoint) if endpoint else [],
    }
    return render(request, "notifications/webhook.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhook(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if request.method != "POST":
        return _page(request, organisation)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, organisation, form, status=400)
    _endpoint, secret = webhooks.register(organisation, request.user, form.cleaned_data["url"])
    if secret:
        return _page(request, organisation, WebhookForm(initial=form.cleaned_data), secret=secret)
    messages.success(request, _("L'adresse du webhook est enregistrée ; il est actif."))
    return redirect("notifications:webhook", pk=organisation.pk)


@login_required
@require_POST
def webhook_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    endpoint = get_object_or_404(WebhookEndpoint, organisation=organisation)
    secret = webhooks.rotate(endpoint, request.user)
    return _page(request, organisation, secret=secret)


@login_required
@require_POST
def webhook_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    endpoint = get_object_or_404(WebhookEndpoint, organisation=organisation)
    active = request.POST.get("active") == "1"
    if not webhooks.set_active(endpoint, request.user, active):
        messages.info(request, _("Action déjà effectuée."))
    elif active:
        messages.success(request, _("Le webhook est réactivé."))
    else:
        messages.success(request, _("Le webhook est désactivé : plus aucun acte n'y sera envoyé."))
    return redirect("notifications:webhook", pk=organisation.pk)
