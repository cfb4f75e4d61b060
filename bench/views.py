"""Reference pages for the benchmarks (served only with bench.settings)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    """A logged-in page rendering the same base layout, with one line of content."""
    return render(request, "bench/trivial.html")


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world")
