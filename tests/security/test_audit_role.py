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


def test_the_role_is_created_once_with_its_password_then_granted(db, monkeypatch):
    """docker-compose.yml's migrate service: `grant_app_role portal_app --create` makes a
    login role with the password of PORTAL_APP_DB_PASSWORD (quoted by psycopg), then grants
    it; a second run finds it and only grants. Without a usable password it refuses."""
    import io

    from django.core.management.base import CommandError

    role = "portal_compose_test"
    password = "pa'ss wörd; DROP ROLE x --"
    monkeypatch.setenv("PORTAL_APP_DB_PASSWORD", password)
    try:
        out = io.StringIO()
        call_command("grant_app_role", role, "--create", stdout=out)
        assert f"role {role} created" in out.getvalue()
        out = io.StringIO()
        call_command("grant_app_role", role, "--create", stdout=out)
        assert "created" not in out.getvalue() and "granted" in out.getvalue()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                "WHERE rolname = %s",
                [role],
            )
            assert cursor.fetchone() == (True, False, False, False)
            cursor.execute(
                "SELECT has_table_privilege(%s, 'derogations_auditentry', 'UPDATE'), "
                "has_table_privilege(%s, 'derogations_auditentry', 'INSERT')",
                [role, role],
            )
            assert cursor.fetchone() == (False, True)
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=role,
            password=password,
            dbname=settings["NAME"],
        ) as app:
            assert app.execute("SELECT current_user").fetchone()[0] == role
        monkeypatch.setenv("PORTAL_APP_DB_PASSWORD", "short")
        with pytest.raises(CommandError, match="PORTAL_APP_DB_PASSWORD"):
            call_command("grant_app_role", "portal_other", "--create")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():  # role: a constant of this test
                cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
                cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
                cursor.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
                cursor.execute(f"DROP ROLE {role}")
