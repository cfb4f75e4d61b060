"""The sweep (celery beat, every few seconds) queues again what a fault left unsent, and
never races the task that holds a row: it skips a copy locked by its sender and leaves a
copy it has just queued alone for NOTIFICATION_SWEEP_AGE seconds.

On PostgreSQL (SKIP LOCKED, a second connection holding a row lock); tasks run inline.
"""

import threading
from datetime import timedelta

import pytest
from django import db
from django.core import mail
from django.db import transaction
from django.utils import timezone

from derogations import lifecycle
from notifications.models import Delivery, DeliveryStatus
from notifications.tasks import sweep_pending
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        db.connection.vendor != "postgresql",
        reason="SKIP LOCKED and a second connection need PostgreSQL",
    ),
]


def _grant_left_unsent(draft_a, evaluator, senior):
    """A grant whose copies were all left pending by a fault, a while ago."""
    factories.proposed(draft_a, evaluator)
    grant = lifecycle.validate_decision(draft_a, senior)
    copies = Delivery.objects.filter(decision=grant)
    copies.update(
        status=DeliveryStatus.PENDING,
        created_at=timezone.now() - timedelta(minutes=5),
        queued_at=None,
    )
    mail.outbox.clear()
    return copies.order_by("pk")


def test_the_sweep_skips_a_copy_its_sender_holds_and_sends_the_others(draft_a, evaluator, senior):
    copies = _grant_left_unsent(draft_a, evaluator, senior)
    held = copies.first()
    others = set(copies.exclude(pk=held.pk).values_list("recipient_email", flat=True))
    assert others
    locked, release = threading.Event(), threading.Event()

    def sender() -> None:  # a task in the middle of sending ``held``
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            db.connection.close()

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    assert locked.wait(10)
    try:
        assert sweep_pending() == 1
    finally:
        release.set()
        thread.join(10)
    assert {m.to[0] for m in mail.outbox} == others
    held.refresh_from_db()
    assert held.status == DeliveryStatus.PENDING and held.queued_at is None
    # Released (its sender died, say): the next sweep sends it, once.
    mail.outbox.clear()
    assert sweep_pending() == 1
    assert [m.to[0] for m in mail.outbox] == [held.recipient_email]
    assert set(copies.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_copy_just_queued_is_left_alone_for_the_sweep_age(draft_a, evaluator, senior, settings):
    settings.NOTIFICATION_SWEEP_AGE = 15
    copies = _grant_left_unsent(draft_a, evaluator, senior)
    copies.update(queued_at=timezone.now() - timedelta(seconds=5))  # its task is on its way
    assert sweep_pending() == 0
    assert mail.outbox == []
    copies.update(queued_at=timezone.now() - timedelta(seconds=16))  # that task was lost
    assert sweep_pending() == 1
    assert len(mail.outbox) == copies.count()


def test_a_copy_refused_many_times_is_queued_again_every_few_minutes(
    draft_a, evaluator, senior, settings
):
    settings.NOTIFICATION_SWEEP_FAST_ATTEMPTS = 3
    settings.NOTIFICATION_SWEEP_SLOW_AGE = 300
    copies = _grant_left_unsent(draft_a, evaluator, senior)
    copies.update(status=DeliveryStatus.FAILED, attempts=3)
    copies.update(queued_at=timezone.now() - timedelta(minutes=4))
    assert sweep_pending() == 0
    copies.update(queued_at=timezone.now() - timedelta(minutes=6))
    assert sweep_pending() == 1
    assert len(mail.outbox) == copies.count()


def test_beat_sweeps_every_few_seconds_and_drops_sweeps_piled_up(settings):
    """What celery beat's database scheduler makes of the entry: a sweep every
    NOTIFICATION_SWEEP_INTERVAL seconds, each sent with that many seconds to live."""
    from django_celery_beat.schedulers import ModelEntry

    from config.celery import app

    name = "requeue-pending-deliveries"
    entry = ModelEntry.from_entry(name, app=app, **settings.CELERY_BEAT_SCHEDULE[name])
    assert entry.model.task == "notifications.tasks.sweep_pending"
    assert (entry.model.interval.every, entry.model.interval.period) == (
        settings.NOTIFICATION_SWEEP_INTERVAL,
        "seconds",
    )
    assert entry.options["expires"] == settings.NOTIFICATION_SWEEP_INTERVAL
