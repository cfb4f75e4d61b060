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

from derogations.pg_only import run_on_postgresql

CREATE = """
CREATE STATISTICS IF NOT EXISTS request_search_upper
    ON (UPPER("reference"::text)), (UPPER("device_name"::text)), (UPPER("device_model"::text))
    FROM derogations_derogationrequest;
ANALYZE derogations_derogationrequest;
"""
DROP = "DROP STATISTICS IF EXISTS request_search_upper;"


class Migration(migrations.Migration):
    dependencies = [("derogations", "0013_queue_overdue_status_kind_and_operator_indexes")]
    operations = [run_on_postgresql(CREATE, DROP)]
