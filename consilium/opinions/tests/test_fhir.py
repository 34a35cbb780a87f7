"""The opinion as a FHIR R4 document and the consultation as ServiceRequest and Task,
validated against the fhir.resources R4B models (every resource, recursively)."""

import base64
import hashlib

from fhir.resources.R4B.bundle import Bundle

from consilium.audit.models import AuditEntry
from consilium.opinions.models import Opinion


def _resources(bundle: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_opinion_document_is_valid_fhir(api, journey, users):
    case, consultation = journey("opinion_delivered")
    response = api(users["patient"], "GET", f"/cases/{case.id}/opinion.fhir.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    data = response.json()
    Bundle.model_validate(data)  # raises on any invalid element
    assert data["type"] == "document" and data["identifier"] and data["timestamp"]
    assert data["entry"][0]["resource"]["resourceType"] == "Composition"
    found = _resources(data)
    assert set(found) >= {"Composition", "Patient", "Practitioner", "PractitionerRole",
                          "Condition", "ServiceRequest", "ClinicalImpression",
                          "DocumentReference"}
    composition = found["Composition"][0]
    titles = [s["title"] for s in composition["section"]]
    assert titles[:3] == ["Summary for the patient", "Request", "Diagnosis"]
    assert "Patient's questions" in titles
    full_urls = {e["fullUrl"] for e in data["entry"]}
    for section in composition["section"]:
        for ref in section.get("entry", []):
            assert ref["reference"] in full_urls  # every reference resolves in the bundle
    assert [c["code"]["coding"][0]["code"] for c in found["Condition"]] == ["C50.912"]
    pdf = base64.b64decode(found["DocumentReference"][0]["content"][0]["attachment"]["data"])
    assert pdf.startswith(b"%PDF")
    attachment = found["DocumentReference"][0]["content"][0]["attachment"]
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    opinion = Opinion.objects.get()
    assert composition["identifier"]["value"] == f"urn:sha256:{opinion.content_sha256}"
    assert AuditEntry.objects.filter(action="opinion.fhir").count() == 1


def test_no_document_before_signing_nor_for_strangers(api, journey, users):
    case, _ = journey("in_review")
    assert api(users["patient"], "GET", f"/cases/{case.id}/opinion.fhir.json"
               ).status_code == 404
    assert api(users["patient2"], "GET", f"/cases/{case.id}/consultation.fhir.json"
               ).status_code == 404


def test_the_consultation_as_service_request_and_task(api, journey, users):
    case, consultation = journey("accepted")
    data = api(users["coordinator"], "GET", f"/cases/{case.id}/consultation.fhir.json").json()
    Bundle.model_validate(data)
    found = _resources(data)
    task = found["Task"][0]
    assert task["status"] == "in-progress"
    consultation.refresh_from_db()
    assert task["restriction"]["period"]["end"] == consultation.due_date.isoformat()
    assert task["executionPeriod"]["start"]
    owner = next(e for e in data["entry"] if e["fullUrl"] == task["owner"]["reference"])
    assert owner["resource"]["resourceType"] == "PractitionerRole"
    assert found["ServiceRequest"][0]["status"] == "active"

    case, _ = journey("opinion_delivered", patient="patient2")
    data = api(users["patient2"], "GET", f"/cases/{case.id}/consultation.fhir.json").json()
    Bundle.model_validate(data)
    task = _resources(data)["Task"][0]
    assert task["status"] == "completed" and task["executionPeriod"]["end"]
