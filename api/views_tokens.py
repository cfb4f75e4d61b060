"""The personal access tokens page (linked from the profile page): list, create, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest

from . import tokens
from .forms import TokenForm
from .models import ApiToken


def _may_use_api(request: AuthenticatedHttpRequest) -> None:
    if not (request.user.is_operator or request.user.is_ansm_staff):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _may_use_api(request)
    needs_code = tokens.needs_second_factor(request.user)
    form = TokenForm(request.POST or None, needs_code=needs_code)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                token, created = tokens.create_token(
                    request.user,
                    name=data["name"],
                    scope=data["scope"],
                    days=data["days"],
                    code=data.get("code", ""),
                )
            except tokens.TokenRefused as refused:
                form.add_error("code" if needs_code else None, refused.message)
                status = 400
            else:
                form = TokenForm(needs_code=needs_code)
        else:
            status = 400
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")[:100]
    return render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": rows},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _may_use_api(request)
    if tokens.revoke(request.user, pk):
        messages.success(request, _("Le jeton est révoqué : il ne donne plus accès à l'API."))
    elif not ApiToken.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    else:
        messages.info(request, _("Action déjà effectuée : ce jeton était déjà révoqué."))
    return redirect("api_tokens:list")
