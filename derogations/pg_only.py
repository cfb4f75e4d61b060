"""SQL that exists on PostgreSQL only (search vectors, triggers, statistics): a migration
operation that runs it there and does nothing on SQLite (the demo and local tests)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def run_on_postgresql(forwards_sql: str, backwards_sql: str) -> migrations.RunPython:
    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forwards_sql)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backwards_sql)

    return migrations.RunPython(forwards, backwards)
