import os

import pytest

from tests import clamav

# The permission matrix's objects of every kind, for the security tests.
from tests.test_permission_matrix import world  # noqa: F401


def _start_or_skip(workdir):
    try:
        return clamav.start_clamd(workdir)
    except FileNotFoundError as exc:
        # Locally without the package: skip; in CI (bootstrap installs it): fail.
        if os.environ.get("CI"):
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd on 127.0.0.1, for the session, with our test signatures."""
    daemon = _start_or_skip(tmp_path_factory.mktemp("clamd"))
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def antivirus(clamd, settings):
    """The portal configured to scan uploads with the session's clamd."""
    settings.CLAMAV_URL = clamd.url
    return clamd


@pytest.fixture
def stopped_clamd(tmp_path, settings):
    """The portal configured with a clamd that was started, then stopped."""
    daemon = _start_or_skip(tmp_path)
    settings.CLAMAV_URL = daemon.url
    daemon.stop()
    return daemon
