import gc

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests import factories
from tests import second_factor as second_factor_helpers

# The longest tests (one to four minutes each in CI, docs/testing.md), started first: with
# scripts/test.sh's `--maxschedchunk 2`, pytest-xdist hands each worker two tests at a
# time, so the long ones spread over both workers and the short ones fill the gaps, instead
# of one worker finishing alone on a journey at the end of the run. The sort stays within
# pytest-django's groups, in its order (_database_group), except for the long tests that use
# no test database (the load smoke starts its own PostgreSQL): they cannot depend on what
# ran before, and start first. Last in the run, the load smoke left a core idle for its
# last minute or two (CPU use sampled every 10 s on a clean clone, 2026-12-04).
LONGEST_FIRST = (
    ("tests/e2e/test_journeys.py", "sans-javascript"),
    ("tests/e2e/test_journeys.py",),
    ("tests/load/",),
    ("tests/e2e/test_accessibility.py",),
    ("tests/derogations/test_concurrency.py",),
    ("tests/e2e/",),
    ("tests/integration/",),
)


def _database_group(item) -> int:
    """pytest-django's order, kept: tests in a rolled-back transaction, then those that
    flush the tables (which also removes what data migrations wrote), then those without a
    database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    flushes = "transactional_db" in fixtures or "live_server" in fixtures
    if marker is not None:
        flushes = flushes or bool(
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        )
    if flushes:
        return 1
    return 0 if marker is not None or "db" in fixtures else 2


def pytest_collection_modifyitems(items):
    def rank(item) -> tuple[int, int]:
        group = _database_group(item)
        for index, parts in enumerate(LONGEST_FIRST):
            if item.nodeid.startswith(parts[0]) and all(part in item.nodeid for part in parts):
                return (-1 if group == 2 else group), index
        return group, len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within each group is kept


def pytest_collection_finish(session):
    """What is imported and collected by now (Django, the apps, the test modules and their
    parameters) lives as long as the process: it is moved out of the garbage collector's
    sight (gc.freeze, after a last collection so that no garbage is kept), which otherwise
    walks all of it at each full collection, dozens of times a run. Measured on tests/reviews
    with two workers (2026-12-04): collections took 6.6-7.0 s of each worker's 39-45 s of
    CPU (17 %); frozen, 3.0-4.1 s. Raising the thresholds as well gained nothing more."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _each_test_starts_in_french():
    """A request in English (the API's Accept-Language, the language switch) leaves the
    thread's language in English after it, as Django's LocaleMiddleware does in a server
    (where the next request sets its own): the next test in this process starts in the
    site's language whatever the previous one asked, so its messages do not depend on the
    order the tests run in."""
    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture(autouse=True, scope="session")
def _staff_clients_pass_the_second_factor():
    """Client.force_login passes the second factor for real (tests/second_factor.py)."""
    second_factor_helpers.install()
    yield
    second_factor_helpers.uninstall()


@pytest.fixture
def org_a():
    return factories.OrganisationFactory(name="Organisation A")


@pytest.fixture
def org_b():
    return factories.OrganisationFactory(name="Organisation B")


@pytest.fixture
def operator_a(org_a):
    return factories.operator_of(org_a, email="operateur.a@example.org")


@pytest.fixture
def colleague_a(org_a):
    return factories.operator_of(org_a, email="collegue.a@example.org")


@pytest.fixture
def operator_b(org_b):
    return factories.operator_of(org_b, email="operateur.b@example.org")


@pytest.fixture
def evaluator():
    return factories.UserFactory(evaluator=True, email="evaluateur@ansm.example")


@pytest.fixture
def senior():
    return factories.UserFactory(senior=True, email="senior@ansm.example")


@pytest.fixture
def other_senior():
    return factories.UserFactory(senior=True, email="senior2@ansm.example")


@pytest.fixture
def professional():
    return factories.UserFactory(professional=True, email="dr.roux@chu.example")


@pytest.fixture
def administrator():
    return factories.UserFactory(administrator=True, email="admin@ansm.example")


@pytest.fixture
def draft_a(org_a, operator_a):
    return factories.RequestFactory(organisation=org_a, created_by=operator_a)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the registry stores rendered pages there)."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _reset_celery_join_flag():
    """Celery marks "inside a task" in a process-wide flag (celery.result.denied_join_result
    saves and restores it). Eager tasks run by two threads at once (live-server pages, the
    draft lock test) can restore it crosswise and leave it set, which would make a later
    test's result.get() fail."""
    from celery._state import _set_task_join_will_block

    yield
    _set_task_join_will_block(False)
