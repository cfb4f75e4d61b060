"""Public pages of derogations: the home page and the verification of a letter's code."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from accounts.enums import Role

from . import verification


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        if user.role in {Role.EVALUATOR, Role.SENIOR_EVALUATOR, Role.ADMINISTRATOR}:
            return redirect("reviews:queue")
        if user.role == Role.PROFESSIONAL:
            return redirect("derogations:pro_dashboard")
        return redirect("derogations:dashboard")
    return render(request, "derogations/home.html")


@require_safe
@cache_control(private=True, no_cache=True)  # kept by the browser, asked again with its ETag
@condition(etag_func=verification.etag, last_modified_func=verification.last_modified)
def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone types a letter's code and learns whether it is authentic, what the
    act was, and whether the derogation it concerns is still in force. A browser that has
    the page asks again with its validators and gets 304 while nothing shown changed."""
    found = verification.verification(request)
    return render(
        request,
        "derogations/verify.html",
        {
            "form": found.form,
            "decision": found.decision,
            "searched": found.searched,
            "derogation": found.derogation,
            "derogation_status": found.derogation_status,
        },
    )
