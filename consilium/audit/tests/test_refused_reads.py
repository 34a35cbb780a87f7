"""A 404 for someone else's record is an audit row of its own, and never a read
(issue 17, finding 4)."""

import uuid

from consilium.audit.models import AuditEntry


def _rows_of(user, since):
    return list(AuditEntry.objects.filter(id__gt=since, actor=user)
                .values_list("action", "object_type", "object_id", "case_id"))


def _last_id():
    last = AuditEntry.objects.order_by("id").last()
    return last.id if last else 0


def test_the_other_patients_case_page_is_a_refused_row_not_a_read(users, journey, login):
    case, _ = journey("draft")
    since = _last_id()
    response = login(users["patient2"]).get(f"/cases/{case.id}/")
    assert response.status_code == 404
    assert _rows_of(users["patient2"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_the_other_patients_case_through_the_api_is_a_refused_row(users, journey, api):
    case, _ = journey("draft")
    since = _last_id()
    assert api(users["patient2"], "GET", f"/cases/{case.id}").status_code == 404
    assert _rows_of(users["patient2"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_an_unknown_case_is_refused_with_the_id_asked_for(users, login):
    unknown = uuid.uuid4()
    since = _last_id()
    assert login(users["coordinator"]).get(f"/cases/{unknown}/").status_code == 404
    assert _rows_of(users["coordinator"], since) == [
        ("case.view.refused", "case", str(unknown), unknown)]


def test_a_missing_record_of_ones_own_case_records_no_case_read(users, journey, login):
    case, _ = journey("draft")
    missing = uuid.uuid4()
    since = _last_id()
    response = login(users["patient"]).get(f"/cases/{case.id}/records/{missing}/")
    assert response.status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("record.download.refused", "record", str(missing), case.id)]


def test_an_unsigned_opinion_is_refused_and_its_consultation_not_read(users, journey, api):
    case, consultation = journey("accepted")
    since = _last_id()
    response = api(users["patient"], "GET", f"/consultations/{consultation.id}/opinion")
    assert response.status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("opinion.view.refused", "consultation", str(consultation.id), case.id)]


def test_a_permitted_read_is_still_recorded_once(users, journey, api):
    case, _ = journey("draft")
    since = _last_id()
    assert api(users["patient"], "GET", f"/cases/{case.id}").status_code == 200
    assert _rows_of(users["patient"], since) == [("case.view", "case", str(case.id), case.id)]
