from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ExplicitLanguageMiddleware:
    """French unless the person chose another language with the switch (its cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a French public
    service answers in French first, whatever the browser's settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecondFactorMiddleware:
    """The one place that enforces the second factor (accounts.second_factor).

    A signed-in session that owes a second factor and has not passed it reaches only the
    code and enrolment pages (and the emailed enrolment link), logout and the language switch; any other URL (the staff
    space, the Django admin, every page) redirects to the code page. No query is made: the
    role is on the user and the verification in the session.
    """

    ALLOWED = ("accounts:second_factor", "accounts:second_factor_setup", "accounts:logout")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from . import second_factor

        if second_factor.is_required(request) and not second_factor.is_verified(request):
            allowed = {reverse(name) for name in self.ALLOWED} | {reverse("set_language")}
            # The enrolment page's prefix also lets the emailed enrolment link through.
            prefixes = (settings.STATIC_URL, reverse("accounts:second_factor_setup"))
            if request.path not in allowed and not request.path.startswith(prefixes):
                target = reverse("accounts:second_factor")
                if request.method in ("GET", "HEAD"):
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
