"""The case summary for the specialist (the intake) through the API (issue #22): read by
whoever sees the case, written by the coordinators through the page's action, with its
version, its refusals and its audit rows."""

from consilium.audit.models import AuditEntry
from consilium.cases.models import IntakeSummary

SUMMARY = {"history": "Left breast cancer found on screening; mastectomy proposed.",
           "key_question": "Is breast-conserving surgery with radiation as safe?",
           "records_show": "Pathology: invasive ductal carcinoma, 1.8 cm.", "missing": ""}


def test_a_coordinator_writes_the_summary_and_the_offered_specialist_reads_it(
        api, users, journey):
    case, _ = journey("offered")
    path = f"/cases/{case.id}/intake"
    empty = api(users["coordinator"], "get", path)
    assert empty.status_code == 200
    assert empty.json() | {"updated_at": None} == {
        "version": 0, "history": "", "key_question": "", "records_show": "", "missing": "",
        "written_by_id": None, "updated_at": None}
    saved = api(users["coordinator"], "put", path, {**SUMMARY, "version": 0})
    assert saved.status_code == 200
    assert (saved.json()["version"], saved.json()["written_by_id"]) == (
        1, users["coordinator"].id)
    again = api(users["coordinator"], "put", path, {**SUMMARY, "version": 0})
    assert again.status_code == 200 and again.json()["version"] == 1  # the same words: no-op
    for reader in ("specialist", "patient"):
        read = api(users[reader], "get", path)
        assert read.status_code == 200, reader
        assert read.json()["key_question"] == SUMMARY["key_question"]
    assert AuditEntry.objects.filter(action="case.intake", case_id=case.id).count() == 1
    assert AuditEntry.objects.filter(action="case.intake_view", case_id=case.id,
                                     actor=users["specialist"]).count() == 1


def test_a_stale_save_is_refused_and_changes_nothing(api, users, journey):
    case, _ = journey("submitted")
    path = f"/cases/{case.id}/intake"
    api(users["coordinator"], "put", path, {**SUMMARY, "version": 0})
    api(users["coordinator"], "put", path, {**SUMMARY, "missing": "The MRI", "version": 1})
    stale = api(users["coordinator"], "put", path, {**SUMMARY, "history": "Mine", "version": 1})
    assert stale.status_code == 409 and "now version 2" in stale.json()["detail"]
    assert IntakeSummary.objects.get(case=case).history == SUMMARY["history"]


def test_bad_input_and_refusals(api, users, journey):
    case, _ = journey("submitted")
    path = f"/cases/{case.id}/intake"
    missing = api(users["coordinator"], "put", path, {"history": "x", "version": 0})
    assert missing.status_code == 422 and "key_question" in missing.json()["errors"]
    long = api(users["coordinator"], "put", path, {"key_question": "x" * 5001, "version": 0})
    assert long.status_code == 422
    negative = api(users["coordinator"], "put", path, {**SUMMARY, "version": -1})
    assert negative.status_code == 422 and "version" in negative.json()["errors"]
    refused = api(users["patient"], "put", path, {**SUMMARY, "version": 0})
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("Only a coordinator writes the case summary for the "
                                        "specialist.")
    assert AuditEntry.objects.filter(action="case.view.refused", actor=users["patient"]).exists()
    assert api(users["patient2"], "get", path).status_code == 404
    assert not IntakeSummary.objects.filter(case=case).exists()
    draft, _ = journey("draft")
    refused = api(users["coordinator"], "put", f"/cases/{draft.id}/intake",
                  {**SUMMARY, "version": 0})
    assert refused.status_code in (404, 409)  # a draft is not the coordinators' to see
