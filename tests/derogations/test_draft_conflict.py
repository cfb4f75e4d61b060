"""Two members of an organisation edit one draft at once: exactly one wins, the other is told
and keeps what they typed (optimistic lock: draft_version, derogations.filing.save_step)."""

import re
import threading

import pytest
from django import db
from django.urls import reverse

from derogations.models import DerogationRequest
from tests.conftest import client_for

STEP = "dispositif"
VERSION = re.compile(r'name="draft_version" value="(\d+)"')


def _shown_version(response) -> str:  # type: ignore[no-untyped-def]
    match = VERSION.search(response.content.decode())
    assert match, "the step's form carries the draft's version"
    return match.group(1)


def _post(client, draft, version: str, **fields: str):  # type: ignore[no-untyped-def]
    url = reverse("derogations:step", args=[draft.pk, STEP])
    return client.post(url, {"save": "", "draft_version": version, **fields})


@pytest.mark.django_db
def test_second_member_saving_an_outdated_form_is_told_and_keeps_what_they_typed(
    draft_a, operator_a, colleague_a
):
    first, second = client_for(operator_a), client_for(colleague_a)
    url = reverse("derogations:step", args=[draft_a.pk, STEP])
    shown_first = _shown_version(first.get(url))
    shown_second = _shown_version(second.get(url))
    assert shown_first == shown_second

    assert _post(first, draft_a, shown_first, device_name="Automate Alpha").status_code == 302
    response = _post(second, draft_a, shown_second, device_name="Automate Bêta", device_model="B-2")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Un membre de votre organisation a modifié ce brouillon" in page
    fields = re.search(r"Champs concernés : ([^.]*)\.", page)
    assert fields and set(fields.group(1).split(", ")) == {"Nom commercial du dispositif", "Modèle"}
    assert 'value="Automate Bêta"' in page and 'value="B-2"' in page  # kept as typed
    saved = DerogationRequest.objects.get(pk=draft_a.pk)
    assert saved.device_name == "Automate Alpha"  # the first save stands, untouched
    assert saved.device_model == draft_a.device_model
    assert saved.draft_version == draft_a.draft_version + 1
    assert _shown_version(response) == str(saved.draft_version)

    # Saving again from that page is a deliberate choice: it goes through.
    again = _post(
        second, draft_a, _shown_version(response), device_name="Automate Bêta", device_model="B-2"
    )
    assert again.status_code == 302
    saved.refresh_from_db()
    assert (saved.device_name, saved.device_model) == ("Automate Bêta", "B-2")
    assert saved.draft_version == draft_a.draft_version + 2


@pytest.mark.django_db
def test_an_outdated_form_that_changes_nothing_is_no_conflict(draft_a, operator_a, colleague_a):
    first, second = client_for(operator_a), client_for(colleague_a)
    url = reverse("derogations:step", args=[draft_a.pk, STEP])
    shown = _shown_version(first.get(url))
    assert _post(first, draft_a, shown, device_name="Automate Alpha").status_code == 302
    # The colleague posts the value now saved: nothing to overwrite.
    assert _post(second, draft_a, shown, device_name="Automate Alpha").status_code == 302


@pytest.mark.django_db
def test_a_version_that_is_not_a_number_is_an_outdated_one(draft_a, operator_a):
    response = _post(client_for(operator_a), draft_a, "abc", device_name="Automate Alpha")
    assert response.status_code == 409
    assert DerogationRequest.objects.get(pk=draft_a.pk).device_name == draft_a.device_name


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(db.connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_members_saving_at_the_same_instant_one_wins(draft_a, operator_a, colleague_a):
    clients = {"Automate Alpha": client_for(operator_a), "Automate Bêta": client_for(colleague_a)}
    version = str(draft_a.draft_version)
    barrier = threading.Barrier(len(clients))
    statuses: dict[str, int] = {}

    def save(name: str) -> None:
        barrier.wait()
        statuses[name] = _post(clients[name], draft_a, version, device_name=name).status_code
        db.connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses.values()) == [302, 409], statuses
    (winner,) = [name for name, status in statuses.items() if status == 302]
    saved = DerogationRequest.objects.get(pk=draft_a.pk)
    assert saved.device_name == winner
    assert saved.draft_version == draft_a.draft_version + 1
