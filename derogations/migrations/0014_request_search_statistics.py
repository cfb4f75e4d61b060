"""Statistics on the upper-cased columns an operator's search matches (issue 8), on
PostgreSQL only.

"Mes demandes" searches with ``icontains``: ``UPPER(column) LIKE UPPER('%text%')``. On an
expression without statistics PostgreSQL assumes few rows match; when most of the
organisation's files do, it then reads and sorts them all instead of walking the
(organisation, created_at) index for a page. With statistics on these expressions
(``CREATE STATISTICS``, PostgreSQL 14+, collected by ANALYZE) it estimates from the
values themselves.
"""

from django.db import migrations

CREATE = """
CREATE STATISTICS IF NOT EXISTS request_search_upper
    ON (UPPER("reference"::text)), (UPPER("device_name"::text)), (UPPER("device_model"::text))
    FROM derogations_derogationrequest;
ANALYZE derogations_derogationrequest;
"""
DROP = "DROP STATISTICS IF EXISTS request_search_upper;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("derogations", "0013_queue_overdue_status_kind_and_operator_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
