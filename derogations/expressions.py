"""SQL written by hand where the ORM's own expressions cost more to build than to run.

Building ``Exists(...)`` or ``Subquery(...)`` compiles a whole nested query on every page
(about 0.6 ms each for the queue, issue 8); ``RowSQL`` is a fragment that refers to the
row of the query it is used in as ``{row}`` (the quoted alias of the base table, right
inside a subquery too).
"""

from typing import Any

from django.db.models import BooleanField, Case, DateField, Expression, F, Field, Value, When

from .enums import Urgency


class RowSQL(Expression):
    def __init__(self, template: str, params: list[Any], output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.template, self.params = template, params

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        row = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return self.template.format(row=row), list(self.params)


class RowCondition(RowSQL):
    """A RowSQL usable in ``filter()`` and ``Q()``."""

    conditional = True

    def __init__(self, template: str, params: list[Any]) -> None:
        super().__init__(template, params, BooleanField())


def incident_declared() -> RowSQL:
    """Has an incident been declared on this request?"""
    return RowSQL(
        "EXISTS (SELECT 1 FROM derogations_incident i WHERE i.request_id = {row}.id)",
        [],
        BooleanField(),
    )


def open_complements_due() -> RowSQL:
    """The due date of the request's unanswered complement request (the latest), if any."""
    return RowSQL(
        "(SELECT c.due_date FROM derogations_complementrequest c"
        " WHERE c.request_id = {row}.id AND c.answered_at IS NULL"
        " ORDER BY c.requested_at DESC, c.id DESC LIMIT 1)",
        [],
        DateField(),
    )


def vital_first() -> Case:
    """0 for a file of vital urgency, 1 for any other: the queue's first sort key (issue
    17), held by the indexes request_open_vital_first and request_status_vital_first so that
    a page of the queue stops after its rows instead of sorting every open file."""
    return Case(When(urgency=Urgency.VITAL, then=Value(0)), default=Value(1))


def vital_first_order() -> tuple[Case, F, F, F]:
    """The queue's default order as index columns (reviews.queue.SORTS["urgence"]): vital
    urgencies first, then by target date, receipt and id."""
    return (vital_first(), F("target_date"), F("submitted_at"), F("id"))
