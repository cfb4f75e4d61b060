"""Statistics on how the queue's filter columns go together (issue 8), on PostgreSQL only.

The planner multiplies the selectivities of the filters as if they were independent; they
are not (a global request is always of standard urgency, a decision is proposed only on
files in review...). With ``mcv`` statistics on (kind, urgency) and on (status, kind),
pairs with few enough combinations for all of them to be in the list of the most common
ones (PostgreSQL 12+, collected by ANALYZE), it estimates from the combinations that
exist: the queue's estimated count (migration 0016) is not misled by filters that exclude
each other, and plans follow the real number of rows. (On the four columns together the
list missed combinations and "global and vital" was still estimated at 43 rows in 5,000.)
"""

from django.db import migrations

from derogations.pg_only import run_on_postgresql

CREATE = """
CREATE STATISTICS IF NOT EXISTS request_kind_urgency (mcv)
    ON kind, urgency FROM derogations_derogationrequest;
CREATE STATISTICS IF NOT EXISTS request_status_kind (mcv)
    ON status, kind FROM derogations_derogationrequest;
ANALYZE derogations_derogationrequest;
"""
DROP = "DROP STATISTICS IF EXISTS request_kind_urgency; DROP STATISTICS IF EXISTS request_status_kind;"


class Migration(migrations.Migration):
    dependencies = [("derogations", "0016_capped_count_function")]
    operations = [run_on_postgresql(CREATE, DROP)]
