"""Give the application's PostgreSQL role what it needs, and no more, after `migrate`.

The tables belong to the migration role (MIGRATION_DATABASE_URL); the application connects
as another role (DATABASE_URL) that may read and write the portal's tables but may only
INSERT and SELECT the audit table: no UPDATE, DELETE or TRUNCATE, and, not being its owner,
it cannot ALTER it (so it cannot disable the append-only triggers either).

    DATABASE_URL=<owner's URL> manage.py grant_app_role portal_app   (scripts/stack.sh)
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

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


class Command(BaseCommand):
    help = "Grant the application role its privileges (audit table: INSERT and SELECT only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the PostgreSQL role the application connects as")
        parser.add_argument("--database", default="default", help="the owner's connection")

    def handle(self, *args: object, **options: object) -> None:
        connection = connections[str(options["database"])]
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL only")
        grant(connection, str(options["role"]))
        self.stdout.write(f"privileges granted to {options['role']}")
