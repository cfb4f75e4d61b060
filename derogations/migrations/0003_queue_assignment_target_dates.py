"""The evaluators' queue: assignee, target date and stopped clock; French search.

- Existing submitted requests get their target date by replaying their audit trail
  (working days from receipt, pushed back by every complements round), and a request
  awaiting complements gets the moment its clock stopped; then constraints hold.
- On PostgreSQL, a text search configuration ``french_unaccent`` (French stemming,
  accents ignored) for the queue's search. ``unaccent`` is a trusted extension since
  PostgreSQL 13: the owner of the database may create it without being superuser.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from derogations import calendar

SEARCH_CONFIG = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent ( COPY = french );
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP_SEARCH_CONFIG = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;"

# As derogations.deadlines.DEFAULT_TARGET_WORKING_DAYS when this migration was written.
DEFAULT_DAYS = {
    "individual": {"vital": 2, "urgent": 5, "standard": 30},
    "global": {"standard": 60},
}


def search_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_CONFIG)


def drop_search_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH_CONFIG)


def backfill_clock(apps, schema_editor):
    DerogationRequest = apps.get_model("derogations", "DerogationRequest")
    AuditEntry = apps.get_model("derogations", "AuditEntry")
    table = getattr(settings, "PORTAL_TARGET_WORKING_DAYS", DEFAULT_DAYS)
    for req in DerogationRequest.objects.exclude(status="draft").exclude(submitted_at=None):
        urgency = req.urgency if req.kind == "individual" else "standard"
        target = calendar.add_working_days(
            timezone.localdate(req.submitted_at), table[req.kind][urgency]
        )
        stopped = None
        entries = AuditEntry.objects.filter(
            request_id=req.pk, action__in=["request_complements", "answer_complements"]
        ).order_by("created_at", "pk")
        for entry in entries:
            if entry.action == "request_complements":
                stopped = entry.created_at
            elif stopped is not None:
                target = calendar.add_working_days(
                    target,
                    calendar.working_days_between(
                        timezone.localdate(stopped), timezone.localdate(entry.created_at)
                    ),
                )
                stopped = None
        req.target_date = target
        if req.status == "awaiting_complements":
            req.clock_stopped_at = stopped or req.updated_at
        else:
            req.clock_stopped_at = None
        req.save(update_fields=["target_date", "clock_stopped_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('derogations', '0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='derogationrequest',
            name='assignee',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='attribuée à'),
        ),
        migrations.AddField(
            model_name='derogationrequest',
            name='clock_stopped_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='horloge arrêtée depuis le'),
        ),
        migrations.AddField(
            model_name='derogationrequest',
            name='target_date',
            field=models.DateField(blank=True, null=True, verbose_name='date cible'),
        ),
        migrations.RunPython(backfill_clock, migrations.RunPython.noop),
        migrations.RunPython(search_config, drop_search_config),
        migrations.AddIndex(
            model_name='derogationrequest',
            index=models.Index(fields=['status', 'target_date'], name='request_status_target'),
        ),
        migrations.AddIndex(
            model_name='derogationrequest',
            index=models.Index(fields=['assignee', 'target_date'], name='request_assignee_target'),
        ),
        migrations.AddConstraint(
            model_name='derogationrequest',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), ('target_date__isnull', False), _connector='OR'), name='submitted_request_has_target_date'),
        ),
        migrations.AddConstraint(
            model_name='derogationrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('clock_stopped_at__isnull', False), ('status', 'awaiting_complements')), models.Q(models.Q(('status', 'awaiting_complements'), _negated=True), ('clock_stopped_at__isnull', True)), _connector='OR'), name='clock_stopped_while_awaiting_complements'),
        ),
    ]
