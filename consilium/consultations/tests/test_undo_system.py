"""A confirmed first-opinion hospital system can be undone from the matches page (issue #19):
by a coordinator, while the case can still be offered, after a confirmation step; audited with
an event. Matching then compares the names the patient wrote again; the system stays known."""

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_confirm_system, do_unconfirm_system
from consilium.cases.models import Case, Event
from consilium.consultations.actions import do_offer_consultation, same_hospital_system
from consilium.directory.builders import build_specialist
from consilium.directory.models import HospitalSystem, Institution
from consilium.errors import Conflict, NotAllowed


@pytest.fixture
def case(riverside_case):
    return riverside_case


@pytest.fixture
def confirmed(case, users):
    riverside = HospitalSystem.objects.create(name="Aurora Partners")
    do_confirm_system(case, riverside.id, acting_user=users["coordinator"])
    case.refresh_from_db()
    return riverside


def undo_url(case) -> str:
    return f"/cases/{case.id}/first-system/undo/"


def test_only_a_coordinator_undoes(case, confirmed, users):
    for role in ("patient", "caregiver", "specialist", "admin"):
        if role not in users:
            continue
        with pytest.raises(NotAllowed):
            do_unconfirm_system(case, acting_user=users[role])
    assert Case.objects.get(id=case.id).first_system == confirmed


def test_nothing_confirmed_or_past_matching_is_refused(case, users, specialists):
    with pytest.raises(Conflict) as refused:
        do_unconfirm_system(case, acting_user=users["coordinator"])
    assert "not confirmed" in refused.value.message
    system = HospitalSystem.objects.create(name="Aurora Partners")
    do_confirm_system(case, system.id, acting_user=users["coordinator"])
    do_offer_consultation(case, specialists["specialist"].id,
                          acting_user=users["coordinator"])
    case.refresh_from_db()
    with pytest.raises(Conflict):
        do_unconfirm_system(case, acting_user=users["coordinator"])
    assert Case.objects.get(id=case.id).first_system == system


def test_undoing_is_audited_and_matching_compares_the_written_names_again(
        case, confirmed, users):
    member = build_specialist(
        name="Dr. Hidden Member", taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution="Aurora Breast Institute", hospital_system="", postal_code="80206",
        city="Denver", state="CO", languages=["en"])
    member.institutions.add(Institution.objects.create(name="Aurora Breast Institute",
                                                       system=confirmed))
    assert same_hospital_system(case, member)  # by identity, while confirmed
    do_unconfirm_system(case, acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_system is None and case.first_system is None
    assert not same_hospital_system(fresh, member)  # "Riverside …" is not "Aurora …"
    assert HospitalSystem.objects.filter(id=confirmed.id).exists()  # still known
    event = Event.objects.get(case=case, kind="system_unconfirmed")
    assert event.note == "Aurora Partners" and event.actor == users["coordinator"]
    assert AuditEntry.objects.filter(action="case.unconfirm_system",
                                     object_id=str(case.id)).count() == 1


def test_the_page_asks_first_and_then_undoes(case, confirmed, users, client, login):
    login(users["coordinator"])
    matches = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert f'href="{undo_url(case)}"' in matches
    page = client.get(undo_url(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aurora Partners" in text and f'action="{undo_url(case)}"' in text
    assert "Riverside Health System" in text  # what the patient wrote, compared again
    assert Case.objects.get(id=case.id).first_system == confirmed  # asking changes nothing
    done = client.post(undo_url(case), follow=True).content.decode()
    assert "no longer confirmed" in done
    assert Case.objects.get(id=case.id).first_system is None
    # again: nothing to undo, said plainly
    again = client.post(undo_url(case), follow=True)
    assert "not confirmed" in again.content.decode()
    assert client.get(undo_url(case), follow=True).status_code == 200


def test_the_page_refuses_others_and_other_cases(case, confirmed, users, client, login,
                                                 journey):
    for role in ("patient", "specialist"):
        login(users[role])
        assert client.get(undo_url(case)).status_code in (403, 404)
        assert client.post(undo_url(case)).status_code in (403, 404)
    assert Case.objects.get(id=case.id).first_system == confirmed
    login(users["coordinator"])
    other, _ = journey("submitted")
    client.post(undo_url(other))
    assert Case.objects.get(id=case.id).first_system == confirmed
    assert client.post(f"/cases/{case.id}x/first-system/undo/").status_code == 404
