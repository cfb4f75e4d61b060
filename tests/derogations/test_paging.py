"""derogations.paging: a page's rows read by their ids (PageRows) are the instances iterating
``columns(Model.objects.filter(pk__in=ids))`` gives, in the ids' order; CappedPaginator with
``columns`` pages as Django's Paginator does, in a constant number of queries."""

import datetime
import random

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from derogations import assignment, incidents, scenarios
from derogations.enums import AttachmentCategory, Status
from derogations.models import Attachment, DerogationRequest
from derogations.paging import CappedPaginator, PageRows
from derogations.scenarios import Cast
from reviews.queue import queue_columns
from tests import factories

ANNOTATIONS = (
    "operator_name",
    "assignee_first_name",
    "assignee_last_name",
    "assignee_email",
    "complements_due_date",
    "has_incident",
)
DUE = timezone.localdate() + datetime.timedelta(days=12)
# Device names in another order than the rows' creation (and so their ids).
DEVICES = ["Kit F", "Kit B", "Kit G", "Kit A", "Kit E", "Kit C", "Kit D"]


def read(ids, columns=queue_columns):
    return PageRows.of(DerogationRequest, columns).read(ids, "default")


def new_request(org, operator, **fields):
    return factories.RequestFactory(organisation=org, created_by=operator, **fields)


@pytest.fixture
def files(org_a, operator_a, evaluator, other_senior):
    """Seven requests of one operator: one granted with an incident, one awaiting
    complements, one assigned, one global, the others submitted."""
    cast = Cast(operator_a, evaluator, other_senior)
    made = [new_request(org_a, operator_a, device_name=name) for name in DEVICES]
    granted, awaiting, assigned, global_one = made[0], made[1], made[2], made[3]
    scenarios.bring_to(granted, Status.GRANTED, cast)
    incidents.record_incident(
        granted,
        declarant=None,
        declarant_email="direction@chu.example",
        declarant_role="director",
        occurred_on=timezone.localdate(),
        description="Résultat discordant.",
        device_lot="LOT-1",
        severity="serious",
        patient_outcome="Aucune.",
    )
    factories.awaiting_complements(awaiting, evaluator, due_date=DUE)
    taker = factories.UserFactory(
        evaluator=True, first_name="Élise", last_name="Martin", email="elise@ansm.example"
    )
    factories.submitted(assigned)
    assignment.assign(assigned, other_senior, taker)
    for req in made[3:]:
        factories.submitted(req)
    DerogationRequest.objects.filter(pk=global_one.pk).update(kind="global")
    return {
        "all": made,
        "granted": granted,
        "awaiting": awaiting,
        "assigned": assigned,
        "taker": taker,
    }


def ids_of(files):
    return [req.pk for req in files["all"]]


def by_queryset(ids, columns=queue_columns):
    return {row.pk: row for row in columns(DerogationRequest.objects.filter(pk__in=ids))}


# --- PageRows ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["as-made", "reversed", "shuffled"])
def test_rows_come_in_the_order_of_the_ids(files, order):
    ids = ids_of(files)
    if order == "reversed":
        ids.reverse()
    elif order == "shuffled":
        random.Random(8).shuffle(ids)
        assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
    assert [row.pk for row in read(ids)] == ids


@pytest.mark.django_db
def test_ids_not_found_are_skipped(files):
    ids = ids_of(files)
    missing = max(ids) + 1000
    asked = [missing, ids[4], missing + 1, ids[1], ids[6]]
    assert [row.pk for row in read(asked)] == [ids[4], ids[1], ids[6]]
    assert read([missing]) == []


@pytest.mark.django_db
def test_no_ids_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert read([]) == []


@pytest.mark.django_db
def test_one_query_for_the_rows(files, django_assert_num_queries):
    ids = ids_of(files)
    read(ids[:1])  # compiled for this connection
    with django_assert_num_queries(1):
        rows = read(ids)
        for row in rows:
            for name in (*ANNOTATIONS, "reference", "status", "submitted_at", "assignee_id"):
                getattr(row, name)
    assert len(rows) == 7


@pytest.mark.django_db
def test_instances_are_what_the_queryset_gives(files):
    ids = ids_of(files)
    expected = by_queryset(ids)
    rows = read(ids)
    assert len(rows) == len(expected) == 7
    concrete = [field.attname for field in DerogationRequest._meta.concrete_fields]
    for row in rows:
        want = expected[row.pk]
        assert type(row) is DerogationRequest
        assert row.get_deferred_fields() == want.get_deferred_fields()
        assert "justification" in row.get_deferred_fields()
        read_fields = [name for name in concrete if name not in want.get_deferred_fields()]
        assert "reference" in read_fields and "assignee_id" in read_fields
        for name in read_fields:
            assert row.__dict__[name] == want.__dict__[name], name
            assert type(row.__dict__[name]) is type(want.__dict__[name]), name
        for name in ANNOTATIONS:
            assert getattr(row, name) == getattr(want, name), name
            assert type(getattr(row, name)) is type(getattr(want, name)), name
        assert row._state.adding is False
        assert row._state.db == "default"


@pytest.mark.django_db
def test_annotations_are_not_trivial(files, org_a):
    rows = {row.pk: row for row in read(ids_of(files))}
    granted, awaiting = rows[files["granted"].pk], rows[files["awaiting"].pk]
    assigned = rows[files["assigned"].pk]
    assert {row.operator_name for row in rows.values()} == {org_a.name}
    assert granted.has_incident is True
    assert [row.pk for row in rows.values() if row.has_incident] == [granted.pk]
    assert awaiting.complements_due_date == DUE
    assert [row.pk for row in rows.values() if row.complements_due_date] == [awaiting.pk]
    assert (assigned.assignee_first_name, assigned.assignee_last_name) == ("Élise", "Martin")
    assert assigned.assignee_email == "elise@ansm.example"
    assert assigned.assignee_id == files["taker"].pk
    others = [row for pk, row in rows.items() if pk != assigned.pk]
    assert all(row.assignee_email is None for row in others if row.assignee_id is None)
    assert granted.status == Status.GRANTED and awaiting.status == Status.AWAITING_COMPLEMENTS
    assert sorted(row.kind for row in rows.values()).count("global") == 1


@pytest.mark.django_db
def test_datetimes_are_aware_and_equal(files):
    ids = ids_of(files)
    expected = by_queryset(ids)
    for row in read(ids):
        assert row.submitted_at is not None
        assert timezone.is_aware(row.submitted_at)
        assert row.submitted_at == expected[row.pk].submitted_at
        assert row.submitted_at == DerogationRequest.objects.get(pk=row.pk).submitted_at
    awaiting = read([files["awaiting"].pk])[0]
    assert timezone.is_aware(awaiting.clock_stopped_at)
    assert awaiting.clock_stopped_at == expected[awaiting.pk].clock_stopped_at


@pytest.mark.django_db
def test_deferred_fields_load_on_access(files, django_assert_num_queries):
    req = files["granted"]
    DerogationRequest.objects.filter(pk=req.pk).update(justification="Lue à la demande.")
    row = read([req.pk])[0]
    assert "justification" not in row.__dict__
    with django_assert_num_queries(1):
        assert row.justification == "Lue à la demande."
    with django_assert_num_queries(0):
        assert row.justification == "Lue à la demande."
        assert row.reference == req.reference


@pytest.mark.django_db
@pytest.mark.parametrize(
    "columns",
    [
        lambda qs: qs.filter(kind="global"),
        lambda qs: qs.order_by("reference"),
        lambda qs: queue_columns(qs).order_by("-pk"),
        lambda qs: queue_columns(qs).exclude(reference=None),
        lambda qs: qs[:5],
        lambda qs: qs.distinct(),
        lambda qs: qs.annotate(n=Count("attachments")),
    ],
    ids=["filter", "order", "columns-then-order", "exclude", "slice", "distinct", "grouping"],
)
def test_columns_that_filter_or_order_are_refused(files, columns):
    ids = ids_of(files)
    with pytest.raises(ImproperlyConfigured):
        read(ids, columns)
    paginator = CappedPaginator(DerogationRequest.objects.order_by("pk"), 3, columns=columns)
    with pytest.raises(ImproperlyConfigured):
        paginator.get_page(1)


# --- CappedPaginator with columns ----------------------------------------------------------


def sorted_files(files, *order):
    return DerogationRequest.objects.filter(pk__in=ids_of(files)).order_by(*order)


def device_names(page):
    return [row.device_name for row in page.object_list]


@pytest.mark.django_db
@pytest.mark.parametrize("order", [("device_name", "pk"), ("-device_name", "pk")])
def test_page_two_in_the_querysets_order(files, order):
    files_sorted = sorted_files(files, *order)
    expected = list(files_sorted)
    page = CappedPaginator(files_sorted, 3, columns=queue_columns).page(2)
    assert page.number == 2 and len(page) == 3
    assert [row.pk for row in page.object_list] == [req.pk for req in expected[3:6]]
    names = sorted(DEVICES, reverse=order[0].startswith("-"))
    assert device_names(page) == names[3:6]
    # As Django's own paginator pages it, with queue_columns' values on each row.
    plain = Paginator(queue_columns(files_sorted), 3).page(2)
    assert [row.pk for row in page.object_list] == [row.pk for row in plain.object_list]
    assert [row.operator_name for row in page.object_list] == [
        row.operator_name for row in plain.object_list
    ]
    assert page.has_previous() and page.has_next()
    assert (page.start_index(), page.end_index()) == (4, 6)


@pytest.mark.django_db
def test_the_last_page(files):
    paginator = CappedPaginator(sorted_files(files, "device_name"), 3, columns=queue_columns)
    assert (paginator.count, paginator.num_pages) == (7, 3)
    page = paginator.page(3)
    assert device_names(page) == ["Kit G"]
    assert not page.has_next() and (page.start_index(), page.end_index()) == (7, 7)


@pytest.mark.django_db
def test_orphans_join_the_last_page(files):
    paginator = CappedPaginator(sorted_files(files, "device_name"), 3, columns=queue_columns)
    paginator.orphans = 1  # 7 rows: pages of 3 and 4
    assert paginator.num_pages == 2
    assert device_names(paginator.page(2)) == ["Kit D", "Kit E", "Kit F", "Kit G"]
    assert device_names(paginator.page(1)) == ["Kit A", "Kit B", "Kit C"]
    plain = Paginator(sorted_files(files, "device_name"), 3, orphans=1)
    assert [row.pk for row in paginator.page(2).object_list] == [
        req.pk for req in plain.page(2).object_list
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("number", [99, "4", -1])
def test_a_page_past_the_end_gives_the_last_one(files, number):
    paginator = CappedPaginator(
        sorted_files(files, "device_name"), 3, number=number, columns=queue_columns
    )
    page = paginator.get_page(number)
    assert page.number == 3 and device_names(page) == ["Kit G"]


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["abc", None, "1"])
def test_a_page_number_that_is_not_one_gives_the_first(files, number):
    paginator = CappedPaginator(
        sorted_files(files, "device_name"), 3, number=number, columns=queue_columns
    )
    page = paginator.get_page(number)
    assert page.number == 1 and device_names(page) == ["Kit A", "Kit B", "Kit C"]


@pytest.mark.django_db
def test_an_empty_list_reads_no_rows(django_assert_num_queries):
    paginator = CappedPaginator(DerogationRequest.objects.order_by("pk"), 3, columns=queue_columns)
    with django_assert_num_queries(1):  # the count
        page = paginator.get_page(1)
    assert list(page.object_list) == [] and page.number == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [4, 23])
def test_queries_do_not_grow_with_the_rows(org_a, operator_a, count, django_assert_num_queries):
    for n in range(count):
        new_request(org_a, operator_a, device_name=f"Kit {n:02d}", documents=False)
    rows = DerogationRequest.objects.order_by("-device_name", "pk")
    for _turn in range(2):  # compiled or not yet
        paginator = CappedPaginator(rows, 10, number=2, columns=queue_columns)
        with django_assert_num_queries(3):  # the count, the page's ids, its rows
            page = paginator.get_page(2)
            shown = list(page.object_list)
            seen = [(row.operator_name, row.has_incident, row.device_name) for row in shown]
        # 4 rows: page 2 does not exist, the last (first) one is shown; 23 rows: rows 11-20.
        expected = [f"Kit {n:02d}" for n in reversed(range(count))][(page.number - 1) * 10 :][:10]
        assert page.number == (1 if count <= 10 else 2)
        assert [name for _operator, _incident, name in seen] == expected
        assert {(operator, incident) for operator, incident, _name in seen} == {(org_a.name, False)}


@pytest.mark.django_db
def test_refused_columns_are_refused_even_for_an_empty_page():
    with pytest.raises(ImproperlyConfigured):
        PageRows(DerogationRequest, lambda qs: qs.filter(kind="global")).read([], "default")


@pytest.mark.django_db
def test_a_column_with_its_own_descriptor_goes_through_the_models_init(files):
    """A FileField's descriptor makes more of the value than storing it: rows reading one
    are built by Model.from_db, and are what iterating the queryset gives."""
    request = files["all"][0]
    for name in ("a.pdf", "b.pdf"):
        Attachment.objects.create(
            request=request,
            category=AttachmentCategory.values[0],
            file=f"private/{name}",
            original_name=name,
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=request.created_by,
        )

    def columns(qs):
        return qs.only("file", "original_name")

    pages = PageRows(Attachment, columns)
    ids = list(Attachment.objects.order_by("-pk").values_list("pk", flat=True))
    assert not pages._compile(connection).plain
    rows = pages.read(ids, "default")
    expected = list(columns(Attachment.objects.filter(pk__in=ids)).order_by("-pk"))
    assert [(r.pk, r.file.name, r.original_name) for r in rows] == [
        (e.pk, e.file.name, e.original_name) for e in expected
    ]
    assert rows[0].file.name == "private/b.pdf" and rows[0]._state.adding is False
