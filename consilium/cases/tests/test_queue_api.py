"""The work queue's owner and planned procedure date through the API (issue #22): the same
actions, rules and messages as the case page."""

from datetime import timedelta

from django.utils import timezone

from consilium.audit.models import AuditEntry


def test_a_coordinator_takes_a_case_and_plans_its_procedure(api, users, journey):
    case, _ = journey("submitted")
    taken = api(users["coordinator"], "post", f"/cases/{case.id}/owner", {"owner_id": "me"})
    assert taken.status_code == 200 and taken.json()["owner_id"] == users["coordinator"].id
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    planned = api(users["patient"], "post", f"/cases/{case.id}/procedure-date",
                  {"planned_procedure_on": day})
    assert planned.status_code == 200 and planned.json()["planned_procedure_on"] == day
    shown = api(users["coordinator"], "get", f"/cases/{case.id}").json()
    assert shown["owner_id"] == users["coordinator"].id and shown["planned_procedure_on"] == day
    cleared = api(users["coordinator"], "post", f"/cases/{case.id}/owner", {"owner_id": None})
    assert cleared.json()["owner_id"] is None
    assert list(AuditEntry.objects.filter(action__in=["case.owner", "case.plan_procedure"])
                .values_list("action", flat=True).order_by("id")) == [
        "case.owner", "case.plan_procedure", "case.owner"]


def test_bad_input_is_refused_with_the_pages_words(api, users, journey):
    case, _ = journey("submitted")
    for body in ({"planned_procedure_on": "next week"}, {"planned_procedure_on": "2001-01-01"}):
        answer = api(users["coordinator"], "post", f"/cases/{case.id}/procedure-date", body)
        assert answer.status_code == 422, body
        assert "planned_procedure_on" in answer.json()["errors"]
    for owner in (users["specialist"].id, 2**62, "someone"):
        answer = api(users["coordinator"], "post", f"/cases/{case.id}/owner",
                     {"owner_id": owner})
        assert answer.status_code == 422, owner
    case.refresh_from_db()
    assert case.owner_id is None and case.planned_procedure_on is None
    # Only coordinators give a case an owner; another patient's case is not found.
    assert api(users["patient"], "post", f"/cases/{case.id}/owner",
               {"owner_id": "me"}).status_code == 403
    assert api(users["patient2"], "post", f"/cases/{case.id}/procedure-date",
               {"planned_procedure_on": None}).status_code == 404
