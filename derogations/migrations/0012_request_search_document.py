"""The queue's search as one stored column (issue 8), on PostgreSQL only.

``search_document`` holds the French full-text vector (``french_unaccent``, migration
0003) of the request's reference, device name and justification and of its operator's
name. Triggers keep it current: the request's own on insert and on a change of those
columns or of its organisation, the organisation's when its name changes. Stored, the
vector costs nothing to test row by row: the planner may then walk the queue's sort
index and stop after 50 matching rows (a frequent word), or read the GIN index
``request_search_document`` (a rare one). The expression index of migration 0008, which
recomputed the vector for every row it tested, is dropped; the trigram index on the
reference stays for partial references.

The column is not a model field: reviews.queue.DocumentMatches reads it. SQLite (demo,
local tests) has no such column and searches by substring.
"""

from django.db import migrations

from derogations.pg_only import run_on_postgresql

CREATE = """
ALTER TABLE derogations_derogationrequest ADD COLUMN search_document tsvector;

CREATE FUNCTION derogations_request_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := to_tsvector('french_unaccent'::regconfig,
        COALESCE(NEW.reference, '') || ' ' || COALESCE(NEW.device_name, '') || ' '
        || COALESCE(NEW.justification, '') || ' '
        || COALESCE((SELECT name FROM accounts_organisation WHERE id = NEW.organisation_id), ''));
    RETURN NEW;
END $$;

CREATE TRIGGER request_search_document
    BEFORE INSERT OR UPDATE OF reference, device_name, justification, organisation_id
    ON derogations_derogationrequest
    FOR EACH ROW EXECUTE FUNCTION derogations_request_search_document();

CREATE FUNCTION derogations_organisation_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Setting organisation_id to itself fires the request's trigger for each of them.
    UPDATE derogations_derogationrequest SET organisation_id = organisation_id
        WHERE organisation_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER organisation_search_document
    AFTER UPDATE OF name ON accounts_organisation
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION derogations_organisation_renamed();

UPDATE derogations_derogationrequest SET organisation_id = organisation_id;
CREATE INDEX request_search_document ON derogations_derogationrequest
    USING gin (search_document);
DROP INDEX IF EXISTS request_search_vector;
"""

DROP = """
DROP TRIGGER IF EXISTS organisation_search_document ON accounts_organisation;
DROP FUNCTION IF EXISTS derogations_organisation_renamed();
DROP TRIGGER IF EXISTS request_search_document ON derogations_derogationrequest;
DROP FUNCTION IF EXISTS derogations_request_search_document();
ALTER TABLE derogations_derogationrequest DROP COLUMN IF EXISTS search_document;
CREATE INDEX IF NOT EXISTS request_search_vector ON derogations_derogationrequest USING gin (
    to_tsvector('french_unaccent'::regconfig,
        COALESCE("reference", '') || ' ' || COALESCE("device_name", '') || ' '
        || COALESCE("justification", ''))
);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_login_throttle"),
        ("derogations", "0011_registry_change_indexes"),
    ]
    operations = [run_on_postgresql(CREATE, DROP)]
