"""SQL that exists on PostgreSQL only (search vectors, triggers, statistics): a migration
operation that runs it there and does nothing on SQLite (the demo and local tests)."""

from django.db import migrations


def run_on_postgresql(forwards_sql: str, backwards_sql: str) -> migrations.RunPython:
    def forwards(apps: object, schema_editor: object) -> None:
        if schema_editor.connection.vendor == "postgresql":  # type: ignore[attr-defined]
            schema_editor.execute(forwards_sql)  # type: ignore[attr-defined]

    def backwards(apps: object, schema_editor: object) -> None:
        if schema_editor.connection.vendor == "postgresql":  # type: ignore[attr-defined]
            schema_editor.execute(backwards_sql)  # type: ignore[attr-defined]

    return migrations.RunPython(forwards, backwards)
