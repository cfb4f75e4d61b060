"""``portal_capped_count`` (migration 0016) is no longer called: the pagination counts with
the ORM on every database (``qs[:n].count()``, derogations.paging) and no longer skips the
count of a broad search on the planner's estimate. Measured side by side on 10,000
generated requests (load average 7.5, 40 alternated runs, medians): queue unfiltered
5.4 ms (ORM) against 6.9 ms (function), search "génétique" 25.0 against 24.1 ms, a word
found nowhere 3.5 against 1.8 ms. At 100,000 requests the estimate skipped counting a
broad search (3.5 ms → 0.4 ms, docs/benchmarks.md, 2026-11-30), a saving of about a quarter
of a trivial page on that one page, not measured again here. Going back recreates it."""

import importlib

from django.db import migrations

from derogations.pg_only import run_on_postgresql

CREATE = importlib.import_module("derogations.migrations.0016_capped_count_function").CREATE
DROP = "DROP FUNCTION IF EXISTS portal_capped_count(text, integer, bigint);"


class Migration(migrations.Migration):
    dependencies = [("derogations", "0018_email_normal_form")]
    operations = [run_on_postgresql(DROP, CREATE)]
