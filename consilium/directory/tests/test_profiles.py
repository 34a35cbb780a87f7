"""Editing the directory: coordinators and administrators edit profiles; a specialist edits
their own availability and conditions of focus."""

import pytest

from consilium.audit.models import AuditEntry
from consilium.directory.actions import do_update_profile
from consilium.directory.models import PracticeLocation
from consilium.errors import InvalidInput


def test_a_specialist_sets_their_own_availability_and_focus(client, login, users,
                                                            specialists):
    login(users["specialist"])
    page = client.get("/account/availability/")
    assert page.status_code == 200 and "My availability" in page.content.decode()
    response = client.post("/account/availability/", {
        "capacity": "3", "turnaround_days": "4", "telemedicine": "on",
        "conditions_of_focus": "C50, C81-C96"})
    assert response.status_code == 302
    okafor = specialists["specialist"]
    okafor.refresh_from_db()
    assert (okafor.accepting_cases, okafor.capacity, okafor.turnaround_days) == (False, 3, 4)
    assert okafor.conditions_of_focus == ["C50", "C81-C96"]
    assert AuditEntry.objects.filter(action="specialist.availability").exists()


def test_bad_availability_is_named_and_changes_nothing(client, login, users, specialists):
    login(users["specialist"])
    response = client.post("/account/availability/", {
        "accepting_cases": "on", "capacity": "500", "turnaround_days": "4",
        "conditions_of_focus": "C50, XYZ, C81-Q99.99"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "from 0 to 100" in text and "XYZ" in text and "C81-Q99.99" in text
    specialists["specialist"].refresh_from_db()
    assert specialists["specialist"].capacity == 5


def test_only_specialists_have_availability(client, login, users):
    login(users["patient"])
    assert client.get("/account/availability/").status_code == 403


def test_a_coordinator_edits_a_profile_and_records_a_certification(client, login, users,
                                                                   specialists):
    weiss = specialists["specialist2"]
    login(users["coordinator"])
    assert client.get(f"/specialists/{weiss.id}/edit/").status_code == 200
    response = client.post(f"/specialists/{weiss.id}/edit/", {
        "name": "Dr. Daniel Weiss", "credentials": "MD, PhD", "taxonomy_code": "207RH0003X",
        "institution": "Lakeshore University Hospital", "hospital_system": "Lakeshore Health",
        "city": "Chicago", "state": "IL", "postal_code": "60611", "languages": "en, de",
        "insurance_networks": "GOLD", "accepting_cases": "on", "capacity": "6",
        "turnaround_days": "5", "conditions_of_focus": "C91", "practising_since": "2005",
        "de_specialist_title": "", "de_approved_by": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    weiss.refresh_from_db()
    assert weiss.specialty == "Hematology & Oncology" and weiss.languages == ["en", "de"]
    assert weiss.taxonomies.get(primary=True).code == "207RH0003X"
    place = weiss.locations.get(source=PracticeLocation.Source.PROGRAM)
    assert place.postal_code == "60611" and 41.8 < place.latitude < 42
    client.post(f"/specialists/{weiss.id}/edit/", {
        "cert-board": "American Board of Internal Medicine",
        "cert-specialty": "Hematology", "cert-expires": "2031-12-31"})
    assert weiss.certifications.filter(specialty="Hematology").exists()
    assert AuditEntry.objects.filter(action="specialist.update").exists()
    listing = client.post("/specialists/", {"q": "weiss"}).content.decode()
    assert f"/specialists/{weiss.id}/edit/" in listing


def test_an_unknown_specialty_or_zip_is_named(client, login, users, specialists):
    weiss = specialists["specialist2"]
    login(users["coordinator"])
    response = client.post(f"/specialists/{weiss.id}/edit/", {
        "name": "Dr. Daniel Weiss", "taxonomy_code": "NOTACODE", "postal_code": "00000",
        "capacity": "5", "turnaround_days": "5"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "NOTACODE" in text and "00000" in text


def test_patients_and_specialists_cannot_edit_profiles(client, login, users, specialists):
    for role in ("patient", "specialist"):
        login(users[role])
        assert client.get(
            f"/specialists/{specialists['specialist2'].id}/edit/").status_code == 403


def test_the_directory_page_searches_near_a_place(client, login, users, specialists):
    login(users["coordinator"])
    near = client.post("/specialists/", {"near": "80202", "radius_km": "50"}).content.decode()
    assert "Dr. Helen Okafor" in near and " km</td>" in near
    bad = client.post("/specialists/", {"near": "Atlantis"})
    assert bad.status_code == 422 and "Atlantis" in bad.content.decode()


def test_administrators_set_hospital_systems_in_the_admin(client, login, users, specialists):
    from consilium.directory.models import Institution

    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    login(users["admin"])
    assert client.get("/admin/directory/institution/").status_code == 200
    weiss = specialists["specialist2"]
    assert client.get(f"/admin/directory/specialist/{weiss.id}/change/").status_code == 200
    assert client.get("/admin/directory/specialist/?q=weiss").status_code == 200
    institution = weiss.institutions.get()
    response = client.post(f"/admin/directory/institution/{institution.id}/change/", {
        "name": institution.name, "ccn": "", "hospital_system": "Lakeshore Health",
        "academic": "on", "centre_type": "cancer_centre", "city": "", "state": ""})
    assert response.status_code == 302
    assert Institution.objects.get(id=institution.id).academic


def test_a_number_that_is_no_number_gets_the_schema_s_sentence(client, login, users,
                                                                specialists):
    """The page hands its text to the action's schema, which words every refusal."""
    login(users["specialist"])
    response = client.post("/account/availability/", {"capacity": "many",
                                                       "turnaround_days": "4"})
    assert response.status_code == 422
    assert response.context["form"].errors["capacity"] == [
        "Give a whole number from 0 to 100."]
    specialists["specialist"].refresh_from_db()
    assert specialists["specialist"].capacity == 5


def test_each_bad_field_of_a_profile_is_named_and_nothing_changes(users, specialists):
    weiss = specialists["specialist2"]
    with pytest.raises(InvalidInput) as refused:
        do_update_profile(weiss, {
            "name": " ", "state": "Illinois", "languages": "en, deutsch",
            "practising_since": "1900", "turnaround_days": "0", "taxonomy_code": "notacode",
            "postal_code": "00000"}, acting_user=users["coordinator"])
    assert refused.value.errors == {
        "name": "Give the specialist's name.",
        "state": "Keep this under 2 characters.",
        "languages": "Give two-letter language codes, such as en, es.",
        "practising_since": "Give the year they started practising.",
        "turnaround_days": "Give a whole number from 1 to 60.",
        "taxonomy_code": "“NOTACODE” is not a NUCC taxonomy code.",
        "postal_code": "“00000” is not a known US ZIP code.",
    }
    weiss.refresh_from_db()
    assert weiss.name == "Dr. Daniel Weiss" and weiss.state != "Illinois"
    kept = do_update_profile(weiss, {"practising_since": "", "taxonomy_code": "",
                                     "credentials": " MD "}, acting_user=users["coordinator"])
    kept.refresh_from_db()
    assert kept.credentials == "MD" and kept.taxonomy_code == weiss.taxonomy_code
