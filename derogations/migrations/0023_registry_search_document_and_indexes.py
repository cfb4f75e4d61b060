"""The public registry's search and sorts at any size (issue 18), on PostgreSQL.

``registry_document`` holds the French full-text vector (``french_unaccent``, migration
0003) of the registry's public columns: the request's reference, device name, model,
manufacturer and its operator's name, in the order and with the separators that
``SearchVector`` of those five columns gives, so the search finds what it found when it
computed the vector row by row. The queue's ``search_document`` (migration 0012) holds
the private justification and cannot serve the public registry. A trigger keeps the
column current on insert and on a change of those columns or of the organisation; an
operator's rename already sets ``organisation_id`` to itself on its requests (migration
0012), which fires it. A GIN index on the global requests answers a search.

Indexes that hold the registry's orders: the grants by issue date (the default sort and
the class filter walk the grants only, not every act), and the derogations by end date
in both directions of the "Fin de validité" sort (nulls last, then id).

SQLite (demo, local tests) has the column, always empty, and searches by substring.
"""

import django.contrib.postgres.search
from django.db import migrations

from derogations.pg_only import run_on_postgresql

DOCUMENT = """to_tsvector('french_unaccent'::regconfig,
        COALESCE({row}.reference, '') || ' ' || COALESCE({row}.device_name, '') || ' '
        || COALESCE({row}.device_model, '') || ' ' || COALESCE({row}.manufacturer_name, '')
        || ' ' || COALESCE({name}, ''))"""

CREATE = f"""
CREATE FUNCTION derogations_request_registry_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.registry_document := {DOCUMENT.format(
        row="NEW",
        name="(SELECT name FROM accounts_organisation WHERE id = NEW.organisation_id)",
    )};
    RETURN NEW;
END $$;

CREATE TRIGGER request_registry_document
    BEFORE INSERT OR UPDATE OF reference, device_name, device_model, manufacturer_name,
        organisation_id
    ON derogations_derogationrequest
    FOR EACH ROW EXECUTE FUNCTION derogations_request_registry_document();

UPDATE derogations_derogationrequest r SET registry_document = {DOCUMENT.format(
    row="r", name="o.name"
)}
    FROM accounts_organisation o WHERE o.id = r.organisation_id;

CREATE INDEX request_registry_document ON derogations_derogationrequest
    USING gin (registry_document) WHERE kind = 'global';
CREATE INDEX decision_grant_issued_at ON derogations_decision (issued_at DESC)
    WHERE state = 'issued' AND kind = 'grant';
CREATE INDEX derogation_end_asc ON derogations_derogation (valid_until ASC NULLS LAST, id);
CREATE INDEX derogation_end_desc ON derogations_derogation
    (valid_until DESC NULLS LAST, id DESC);
"""

DROP = """
DROP INDEX IF EXISTS derogation_end_desc;
DROP INDEX IF EXISTS derogation_end_asc;
DROP INDEX IF EXISTS decision_grant_issued_at;
DROP INDEX IF EXISTS request_registry_document;
DROP TRIGGER IF EXISTS request_registry_document ON derogations_derogationrequest;
DROP FUNCTION IF EXISTS derogations_request_registry_document();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("derogations", "0022_device_identifiers_normal_form"),
    ]

    operations = [
        migrations.AddField(
            model_name="derogationrequest",
            name="registry_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        run_on_postgresql(CREATE, DROP),
    ]
