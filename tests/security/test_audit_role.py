"""The audit table is protected by database roles: the application's role may only INSERT
and SELECT it (accounts/management/commands/grant_app_role.py).

Run on PostgreSQL with the restricted role that scripts/pg_tmp.sh creates (its address in
APP_DATABASE_URL, exported by scripts/test.sh): the test grants it its privileges on the test
database, as `grant_app_role` does after `migrate`, connects with it and tries everything.
"""

import os

import dj_database_url
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from derogations.models import AuditEntry
from tests import factories

APP_DATABASE_URL = os.environ.get("APP_DATABASE_URL")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not APP_DATABASE_URL,
        reason="needs PostgreSQL and the restricted role of scripts/pg_tmp.sh (APP_DATABASE_URL)",
    ),
]


@pytest.fixture
def app_connection(org_a, operator_a):
    request = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.proposed(request, factories.UserFactory(evaluator=True))
    assert AuditEntry.objects.exists()
    config = dj_database_url.parse(APP_DATABASE_URL)
    call_command("grant_app_role", config["USER"])
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"],
        user=config["USER"],
        password=config["PASSWORD"],
        dbname=connection.settings_dict["NAME"],  # the test database
        autocommit=True,
    ) as app:
        yield app


def refused(app, sql: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        app.execute(sql)
    return str(caught.value)


def test_app_role_may_only_insert_and_select_the_audit_table(app_connection):
    app = app_connection
    entry = AuditEntry.objects.order_by("pk").first()
    # What the application does: read and append.
    assert app.execute("SELECT count(*) FROM derogations_auditentry").fetchone()[0] >= 1
    row = app.execute(
        # Names from introspection, the value bound: nothing user-supplied in the text.
        "SELECT " + ", ".join(_columns()) + " FROM derogations_auditentry WHERE id = %s",  # noqa: S608 (our own names and integers)
        [entry.pk],
    ).fetchone()
    columns = [c for c in _columns() if c != "id"]
    values = [v for c, v in zip(_columns(), row, strict=True) if c != "id"]
    app.execute(
        f"INSERT INTO derogations_auditentry ({', '.join(columns)}) "  # noqa: S608 (our own names and integers)
        f"VALUES ({', '.join(['%s'] * len(columns))})",
        [psycopg.types.json.Jsonb(v) if isinstance(v, dict | list) else v for v in values],
    )
    # What it may never do.
    assert "permission denied" in refused(
        app,
        f"UPDATE derogations_auditentry SET id = id WHERE id = {entry.pk:d}",  # noqa: S608 (our own names and integers)
    )
    assert "permission denied" in refused(
        app,
        f"DELETE FROM derogations_auditentry WHERE id = {entry.pk:d}",  # noqa: S608 (our own names and integers)
    )
    assert "permission denied" in refused(app, "TRUNCATE derogations_auditentry")
    assert "must be owner" in refused(app, "ALTER TABLE derogations_auditentry DISABLE TRIGGER ALL")
    assert "must be owner" in refused(app, "DROP TABLE derogations_auditentry")
    # Other tables stay writable by the application.
    app.execute("UPDATE derogations_derogationrequest SET updated_at = updated_at")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(
            cursor, "derogations_auditentry"
        )
    return [column.name for column in description]
