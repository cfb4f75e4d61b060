"""On PostgreSQL the audit trail is append-only: the database refuses UPDATE and DELETE.

TRUNCATE is left to privileges rather than a trigger: the test harness empties tables
with TRUNCATE between transactional tests; the application's database role will not
hold the TRUNCATE privilege (issue 7: separate owner and application roles).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION derogations_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'derogations_auditentry is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER derogations_auditentry_append_only
    BEFORE UPDATE OR DELETE ON derogations_auditentry
    FOR EACH ROW EXECUTE FUNCTION derogations_audit_is_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS derogations_auditentry_append_only ON derogations_auditentry;
DROP FUNCTION IF EXISTS derogations_audit_is_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("derogations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
