import pytest
from django.db import DatabaseError, connection, transaction

from derogations.models import AuditEntry
from tests import factories


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="enforced by PostgreSQL triggers")
def test_audit_trail_cannot_be_altered_or_deleted(draft_a):
    factories.submitted(draft_a)
    entry = AuditEntry.objects.get(request=draft_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(comment="falsifié")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.comment == ""
