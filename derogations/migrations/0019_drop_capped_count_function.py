"""``portal_capped_count`` (migration 0016) is no longer called: the pagination counts with
the ORM on every database (``qs[:n].count()``, derogations.paging) and no longer skips the
count of a broad search on the planner's estimate (docs/benchmarks.md has the figures
behind that choice). Going back recreates it."""

import importlib

from django.db import migrations

from derogations.pg_only import run_on_postgresql

CREATE = importlib.import_module("derogations.migrations.0016_capped_count_function").CREATE
DROP = "DROP FUNCTION IF EXISTS portal_capped_count(text, integer, bigint);"


class Migration(migrations.Migration):
    dependencies = [("derogations", "0018_email_normal_form")]
    operations = [run_on_postgresql(DROP, CREATE)]
