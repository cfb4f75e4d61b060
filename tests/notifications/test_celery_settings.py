"""The Celery and Redis settings that make a crashed worker lose nothing (issue 7).

The crash tests (tests/integration/test_worker_crashes.py) show them at work; this module
checks the production values themselves."""

import ast
import re
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "config", "derogations", "notifications", "reviews")


def _delay_arguments() -> list[tuple[str, ast.expr]]:
    """Every countdown=/eta= argument given to a call in the project's code."""
    found = []
    for app_dir in APPS:
        for path in (ROOT / app_dir).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg in ("countdown", "eta", "expires"):
                            found.append((f"{path.relative_to(ROOT)}:{node.lineno}", keyword.value))
    return found


def test_a_task_is_acknowledged_after_it_ran_and_handed_back_when_its_process_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_visibility_timeout_is_longer_than_any_task_plus_the_longest_countdown():
    arguments = _delay_arguments()
    assert arguments, "the retries' countdowns should be found in notifications/tasks.py"
    for where, value in arguments:
        # Every delay goes through retry_delay(), bounded by NOTIFICATION_RETRY_DELAYS.
        assert (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "retry_delay"
        ), f"{where}: a countdown/eta not taken from retry_delay(); bound it here"
    longest_countdown = max(settings.NOTIFICATION_RETRY_DELAYS)
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] > longest_countdown + app.conf.task_time_limit


def test_unacknowledged_tasks_are_looked_for_every_few_seconds():
    options = app.conf.broker_transport_options
    # kombu scans Redis every interval * throttle seconds (and once when a worker starts).
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10


def test_redis_keeps_its_queue_across_a_restart_and_never_evicts_a_task():
    compose = (ROOT / "docker-compose.yml").read_text()
    stack = (ROOT / "scripts" / "stack.sh").read_text()
    conftest = (ROOT / "tests" / "services.py").read_text()  # the tests' Redis server
    assert re.search(r'"--appendonly",\s*"yes",\s*"--maxmemory-policy",\s*"noeviction"', compose)
    assert re.search(r"--appendonly yes --maxmemory-policy noeviction", stack)
    assert re.search(r'"--appendonly", "yes", "--maxmemory-policy", "noeviction"', conftest)


def test_every_task_retries_on_its_own_while_the_database_or_the_broker_is_away():
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerUnavailable

    # What a worker imports when it starts (the apps' tasks modules, autodiscovered): the
    # list does not depend on which tests imported which tasks before this one.
    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if name.split(".")[0] in APPS]
    assert len(ours) >= 8
    for task in ours:
        assert {OperationalError, InterfaceError, BrokerUnavailable} <= set(task.autoretry_for)
        assert task.retry_backoff and task.retry_jitter and task.max_retries, task.name
        # Within the visibility timeout's margin (the test above).
        assert task.retry_backoff_max <= max(settings.NOTIFICATION_RETRY_DELAYS), task.name
