"""Two sizes of the same data in one run: the 10,000-request database and the
1,000,000-request one, both open in this process, measured in alternating blocks.

How (docs/benchmarks.md, "Two sizes in one run"): tests.bulk_data writes the base
(``--base`` requests, realistic, through COPY) into the database of DATABASE_URL and the
bench signs its users in (sessions, second-factor devices); PostgreSQL then copies that
database file by file into ``<name>_small`` (CREATE DATABASE ... TEMPLATE), and the base
is multiplied inside PostgreSQL (INSERT ... SELECT, the search trigger computing every
copy's document) up to ``--requests`` in the database of DATABASE_URL. Same people, same
sessions, same statistics targets; only the number of files differs. ``on(SMALL)``
points Django's default connection at the small database for the requests made inside
it: the views, the raw SQL of derogations.paging and the session store all follow.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connection, connections, models

from derogations.models import (
    AuditEntry,
    Decision,
    Derogation,
    DerogationRequest,
    ReferenceSequence,
)

SMALL = "small"  # the alias of bench.settings.DATABASES for the base's copy


@contextmanager
def on(alias: str) -> Iterator[None]:
    """Django's default connection is that of ``alias`` inside the block."""
    previous = connections["default"]
    connections["default"] = connections[alias]
    try:
        yield
    finally:
        connections["default"] = previous


def _admin_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
        dbname="postgres", autocommit=True,
    )  # fmt: skip


def clone_to_small(most_seconds: float = 120) -> float:
    """Copy the database of DATABASE_URL into that of the SMALL alias; seconds taken.
    PostgreSQL refuses while another session is connected to the source (an autovacuum
    worker): tried again until ``most_seconds``."""
    source, target = settings.DATABASES["default"]["NAME"], settings.DATABASES[SMALL]["NAME"]
    connections[SMALL].close()
    connection.close()
    started = time.perf_counter()
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        while True:
            try:
                admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:
                if time.perf_counter() - started > most_seconds:
                    raise
                time.sleep(0.5)
    return time.perf_counter() - started


def drop_small() -> None:
    connections[SMALL].close()
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{settings.DATABASES[SMALL]["NAME"]}"')


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.get_fields() if f.concrete and not f.many_to_many]


def multiply(factor: int, batch: int = 10) -> dict[str, float]:
    """Make the base ``factor`` times larger in the database of DATABASE_URL: every request
    with its audit entries, acts and derogation copied ``factor - 1`` times with new ids,
    references numbered after the base's (same kind and year), unique verification codes
    (starting with 1, which the generator's alphabet never uses). Seconds per table."""
    maxima = {
        model: model.objects.aggregate(m=models.Max("id"))["m"] or 0
        for model in (DerogationRequest, AuditEntry, Decision, Derogation)
    }
    numbers = ReferenceSequence.objects.aggregate(m=models.Max("last_number"))["m"] or 0
    n_req, n_audit, n_act, n_der = (
        maxima[m] for m in (DerogationRequest, AuditEntry, Decision, Derogation)
    )
    plans = [
        (DerogationRequest, {
            "id": f"r.id + k * {n_req}",
            "reference": f"regexp_replace(r.reference, '[0-9]+$', '') || "
            f"(substring(r.reference from '[0-9]+$')::int + k * {numbers})::text",
            "device_reference": f"'REF-' || (r.id + k * {n_req})",
        }),
        (AuditEntry, {"id": f"r.id + k * {n_audit}", "request_id": f"r.request_id + k * {n_req}"}),
        (Decision, {
            "id": f"r.id + k * {n_act}",
            "request_id": f"r.request_id + k * {n_req}",
            "verification_code": "CASE WHEN r.verification_code IS NULL THEN NULL ELSE "
            f"regexp_replace('1' || lpad(upper(to_hex(r.id + k * {n_act})), 11, '0'), "
            r"'^(.{4})(.{4})(.{4})$', '\1-\2-\3') END",
        }),
        (Derogation, {
            "id": f"r.id + k * {n_der}",
            "request_id": f"r.request_id + k * {n_req}",
            "grant_id": f"r.grant_id + k * {n_act}",
        }),
    ]  # fmt: skip
    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        for model, exprs in plans:
            before = time.perf_counter()
            # Copies of the base only (k counts from 1); in batches of copies, each its
            # own statement, so that a slow machine shows progress.
            for first in range(1, factor, batch):
                _copy_batch(
                    cursor, model, exprs, maxima[model], first, min(factor - 1, first + batch - 1)
                )
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
            seconds[model._meta.model_name] = time.perf_counter() - before
    for sequence in ReferenceSequence.objects.all():
        sequence.last_number += numbers * (factor - 1)
        sequence.save(update_fields=["last_number"])
    return seconds


def _copy_batch(
    cursor, model: type[models.Model], exprs: dict[str, str], base: int, first: int, last: int
) -> None:  # type: ignore[no-untyped-def]
    """INSERT ... SELECT of copies ``first`` to ``last`` of the base's rows (ids up to
    ``base``), ``k`` the copy's number; ``exprs`` says how a column differs from its source."""
    columns = _columns(model)
    table = model._meta.db_table
    select = ", ".join(exprs.get(c, f"r.{c}") for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the models)
        f"SELECT {select} FROM {table} r, generate_series(%s, %s) k WHERE r.id <= %s",
        [first, last, base],
    )
