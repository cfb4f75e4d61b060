"""The queue's search without reading every request (issue 8), on PostgreSQL only:

- a GIN index on the French full-text vector of the request's own words, the very
  expression reviews.queue.search builds (SearchVector over SEARCH_VECTOR_FIELDS with
  the ``french_unaccent`` configuration of migration 0003);
- a trigram GIN index on UPPER(reference), for a partial reference (``icontains``).
  ``pg_trgm`` is a trusted extension since PostgreSQL 13: the owner of the database may
  create it without being superuser.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS request_search_vector ON derogations_derogationrequest USING gin (
    to_tsvector('french_unaccent'::regconfig,
        COALESCE("reference", '') || ' ' || COALESCE("device_name", '') || ' '
        || COALESCE("justification", ''))
);
CREATE INDEX IF NOT EXISTS request_reference_trigram ON derogations_derogationrequest
    USING gin (UPPER("reference"::text) gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS request_search_vector;
DROP INDEX IF EXISTS request_reference_trigram;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("derogations", "0007_request_queue_sort_and_filter_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
