"""What the portal's Celery tasks share: they retry on their own while the database or the
broker is briefly unavailable, and they are queued after commit without ever failing the
request whose change committed (a task the broker refused waits as a pending row for the
sweep, notifications.tasks.sweep_pending)."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# A lost or refused connection to PostgreSQL or Redis: worth trying again later.
OUTAGES = (
    OperationalError,
    InterfaceError,
    BrokerUnavailable,
    RedisConnectionError,
    RedisTimeoutError,
)
BROKER_OUTAGES = (BrokerUnavailable, RedisConnectionError, RedisTimeoutError)
MAX_RETRIES = 7

# Options of every task (Celery's automatic retries): exponential back-off from the first
# retry delay of NOTIFICATION_RETRY_DELAYS up to its longest (which the visibility timeout
# covers), each delay drawn at random below that bound so that tasks that failed together
# do not come back together.
RETRY_ON_OUTAGE: dict[str, Any] = {
    "autoretry_for": OUTAGES,
    "retry_backoff": settings.NOTIFICATION_RETRY_DELAYS[0],
    "retry_backoff_max": max(settings.NOTIFICATION_RETRY_DELAYS),
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}

# Queuing after commit: a few quick tries (about 1.5 s in all), then the sweep's turn.
PUBLISH_RETRY_POLICY = {
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}


def queue_on_commit(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` to the broker once the current transaction commits. A broker
    that stays unavailable is logged as a warning (the outbox row it concerns stays
    pending and the sweep queues it again); the request goes on."""

    def queue() -> None:
        try:
            task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
        except BROKER_OUTAGES as exc:
            logger.warning("%s%r not queued, left for the sweep: %s", task.name, args, exc)

    callback: Callable[[], None] = queue
    callback.__qualname__ = f"queue_on_commit({task.name})"  # named in Django's robust log
    transaction.on_commit(callback, robust=True)
