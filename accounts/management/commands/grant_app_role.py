"""Give the application's PostgreSQL role what it needs, and no more, after `migrate`.

The tables belong to the migration role (MIGRATION_DATABASE_URL); the application connects
as another role (DATABASE_URL) that may read and write the portal's tables but may only
INSERT and SELECT the audit table: no UPDATE, DELETE or TRUNCATE, and, not being its owner,
it cannot ALTER it (so it cannot disable the append-only triggers either).

    DATABASE_URL=<owner's URL> manage.py grant_app_role portal_app   (scripts/stack.sh)

With ``--create``, the role is first created if it does not exist (LOGIN, no other right),
with the password in the environment variable PORTAL_APP_DB_PASSWORD: the one-shot
``migrate`` service of docker-compose.yml does this, so that web, worker and beat never
connect as the tables' owner.
"""

import os

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

PASSWORD_VARIABLE = "PORTAL_APP_DB_PASSWORD"  # noqa: S105 (the name of a variable, not a password)

AUDIT_TABLE = "derogations_auditentry"


def grant(connection: BaseDatabaseWrapper, role: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(role)}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
        for table in tables:
            cursor.execute(f"REVOKE ALL ON {quote(table)} FROM {quote(role)}")
            allowed = "SELECT, INSERT" if table == AUDIT_TABLE else "SELECT, INSERT, UPDATE, DELETE"
            cursor.execute(f"GRANT {allowed} ON {quote(table)} TO {quote(role)}")


def create_role(connection: BaseDatabaseWrapper, role: str, password: str) -> bool:
    """Create the login role if it is missing; True if it was created. The statement is
    composed by psycopg (role as an identifier, password as a literal): CREATE ROLE takes no
    bound parameters."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            return False
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE"
        ).format(sql.Identifier(role), sql.Literal(password))
        cursor.execute(statement.as_string(connection.connection))
    return True


class Command(BaseCommand):
    help = "Grant the application role its privileges (audit table: INSERT and SELECT only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the PostgreSQL role the application connects as")
        parser.add_argument("--database", default="default", help="the owner's connection")
        parser.add_argument(
            "--create",
            action="store_true",
            help=f"create the role first if missing, with the password in ${PASSWORD_VARIABLE}",
        )

    def handle(self, *args: object, **options: object) -> None:
        connection = connections[str(options["database"])]
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL only")
        role = str(options["role"])
        if options["create"]:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if len(password) < 12:
                raise CommandError(f"--create needs {PASSWORD_VARIABLE} (12 characters or more)")
            connection.ensure_connection()
            if create_role(connection, role, password):
                self.stdout.write(f"role {role} created")
        grant(connection, role)
        self.stdout.write(f"privileges granted to {options['role']}")
