"""Complement requests: questions, due date, answer and reminder, one row per round.

A request already awaiting complements gets its open round from its audit trail (the
last questions asked), due 15 working days after the clock stopped.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from derogations import calendar

COMPLEMENT_WORKING_DAYS = 15  # as derogations.lifecycle when this migration was written


def backfill_open_rounds(apps, schema_editor):
    DerogationRequest = apps.get_model("derogations", "DerogationRequest")
    AuditEntry = apps.get_model("derogations", "AuditEntry")
    ComplementRequest = apps.get_model("derogations", "ComplementRequest")
    for req in DerogationRequest.objects.filter(status="awaiting_complements"):
        asked = (
            AuditEntry.objects.filter(request_id=req.pk, action="request_complements")
            .order_by("-created_at", "-pk")
            .first()
        )
        stopped = req.clock_stopped_at or req.updated_at
        ComplementRequest.objects.create(
            request_id=req.pk,
            questions=asked.comment if asked else "",
            due_date=calendar.add_working_days(
                timezone.localdate(stopped), COMPLEMENT_WORKING_DAYS
            ),
            requested_by_id=asked.actor_id if asked else req.created_by_id,
            requested_at=asked.created_at if asked else stopped,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('derogations', '0004_request_content_attachments_renewal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplementRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('questions', models.TextField(verbose_name="questions posées à l'opérateur")),
                ('due_date', models.DateField(verbose_name='date limite de réponse')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='demandés le')),
                ('answer', models.TextField(blank=True, verbose_name="réponse de l'opérateur")),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='répondu le')),
                ('reminded_at', models.DateTimeField(blank=True, null=True, verbose_name='rappel envoyé le')),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complement_requests', to='derogations.derogationrequest')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'demande de compléments',
                'verbose_name_plural': 'demandes de compléments',
                'ordering': ['-requested_at', '-pk'],
                'indexes': [models.Index(condition=models.Q(('answered_at__isnull', True)), fields=['due_date'], name='complement_open_due')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('answered_at__isnull', True)), fields=('request',), name='one_open_complement_request_per_request'), models.CheckConstraint(condition=models.Q(models.Q(('answered_at__isnull', True), ('answered_by__isnull', True)), models.Q(('answered_at__isnull', False), ('answered_by__isnull', False)), _connector='OR'), name='answered_complement_has_author')],
            },
        ),
        migrations.RunPython(backfill_open_rounds, migrations.RunPython.noop),
    ]
