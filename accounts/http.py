"""The type of a request whose user has signed in.

``HttpRequest.user`` is ``User | AnonymousUser``; behind ``login_required`` (and the
decorators built on it, such as ``derogations.access.staff_required``) it is a ``User``.
Views behind those decorators annotate their request with this class so that the type
checker knows it (the pattern django-stubs documents). It is never instantiated.
"""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
