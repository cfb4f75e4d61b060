"""On PostgreSQL the audit trail is append-only: the database refuses UPDATE and DELETE."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION derogations_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'derogations_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER derogations_auditentry_append_only
    BEFORE UPDATE OR DELETE ON derogations_auditentry
    FOR EACH ROW EXECUTE FUNCTION derogations_audit_is_append_only();
CREATE TRIGGER derogations_auditentry_no_truncate
    BEFORE TRUNCATE ON derogations_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION derogations_audit_is_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS derogations_auditentry_no_truncate ON derogations_auditentry;
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
