"""The case form suggests the directory's hospital systems and institutions as the patient
types (issue #19): names and aliases, by their words or their key (St. / Saint, Ctr /
Center), a few at most, posted (never in a URL), and free text still goes through."""

import re

import pytest

from consilium.directory.access import SUGGESTED, suggest_places
from consilium.directory.models import HospitalSystem, Institution, SystemAlias

URL = "/directory/places/suggestions/"


@pytest.fixture
def known(db):
    riverside = HospitalSystem.objects.create(name="Riverside Health System")
    SystemAlias.objects.create(system=riverside, name="Front Range Partners")
    HospitalSystem.objects.create(name="Saint Mary's Health")
    HospitalSystem.objects.create(name="Mayo Clinic")
    Institution.objects.create(name="Riverside Cancer Center", city="Denver", state="CO",
                               hospital_system="Riverside Health System")
    Institution.objects.create(name="Mercy Hospital", city="Ely", state="MN")
    return riverside


def names(kind, text) -> list[str]:
    return [value for value, _ in suggest_places(kind, text)]


def options(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', response.content.decode())


def test_blank_short_or_unknown_words_suggest_nothing(known):
    for text in ("", "   ", "r", "zzzz-no-such-place", "\x00", "%", "_", "'; drop table"):
        assert names("system", text) == []
        assert names("institution", text) == []


def test_an_unknown_kind_suggests_nothing(known):
    for kind in ("", "specialist", None, "System "):
        assert names(kind, "riverside") == []


def test_a_system_is_found_by_its_name_its_alias_and_its_spellings(known):
    assert names("system", "rivers") == ["Riverside Health System"]
    assert names("system", "RIVERSIDE health") == ["Riverside Health System"]
    # an alias suggests the system's own name (what the coordinator will confirm)
    assert names("system", "front range") == ["Riverside Health System"]
    # the key: St. is Saint, punctuation does not count
    assert names("system", "St. Marys") == ["Saint Mary's Health"]
    # the free-text systems of the directory's institutions count too, once
    Institution.objects.create(name="Elm Clinic", hospital_system="Elmwood Partners")
    assert names("system", "elmw") == ["Elmwood Partners"]


def test_an_institution_is_found_by_its_name(known):
    assert names("institution", "cancer cent") == ["Riverside Cancer Center"]
    assert names("institution", "mercy") == ["Mercy Hospital"]
    assert names("institution", "mayo") == []  # a system, not an institution


def test_the_suggestions_are_few_those_starting_with_the_words_first(db):
    for n in range(SUGGESTED + 30):
        HospitalSystem.objects.create(name=f"Alpha Health {n:03}")
    HospitalSystem.objects.create(name="Other Alpha Health")
    found = names("system", "alpha")
    assert len(found) == SUGGESTED
    assert found[0] == "Alpha Health 000" and "Other Alpha Health" not in found
    assert names("system", "x" * 5000) == []  # overlong: cut, nothing found


def test_the_endpoint_is_posted_by_a_signed_in_user(known, client, users):
    assert client.post(URL, {"field": "hospital_system",
                             "hospital_system": "rivers"}).status_code == 302  # sign in
    client.force_login(users["patient"])
    assert client.get(URL, {"hospital_system": "rivers"}).status_code == 405  # not in URLs
    answer = client.post(URL, {"field": "hospital_system", "hospital_system": "rivers"})
    assert answer.status_code == 200
    assert options(answer) == ["Riverside Health System"]
    answer = client.post(URL, {"field": "institution", "institution": "mercy"})
    assert options(answer) == ["Mercy Hospital"]
    assert "label=" not in answer.content.decode()  # no place: the directory's may be wrong
    answer = client.post(URL, {"field": "hospital_system", "hospital_system": "front"})
    assert 'label="also called Front Range Partners"' in answer.content.decode()
    for wrong in ({}, {"field": "diagnosis_text", "diagnosis_text": "rivers"},
                  {"field": "hospital_system"}, {"field": ["x"], "hospital_system": "r"}):
        answer = client.post(URL, wrong)
        assert answer.status_code == 200 and options(answer) == []


def test_a_name_is_escaped(db, client, users):
    HospitalSystem.objects.create(name='Evil "><script>alert(1)</script> Health')
    client.force_login(users["patient"])
    answer = client.post(URL, {"field": "hospital_system", "hospital_system": "evil"})
    assert "<script>" not in answer.content.decode()
    assert len(options(answer)) == 1


def test_the_case_form_offers_the_lists(known, client, users):
    client.force_login(users["patient"])
    page = client.get("/cases/new/").content.decode()
    for field in ("hospital_system", "institution"):
        assert f'list="id_{field}_options"' in page
        assert f'<datalist id="id_{field}_options"' in page
        assert f'hx-post="{URL}"' in page
    assert "<script>" not in page.split("<main", 1)[-1]  # nothing inline under the CSP
    # free text still goes through: a system the directory does not know
    answer = client.post("/cases/new/", {"diagnosis_text": "Breast cancer",
                                         "treatment_category": "surgery",
                                         "hospital_system": "Nowhere Known Health",
                                         "institution": "Cottage Clinic",
                                         "submission_key": "p" * 24})
    assert answer.status_code == 302, answer.content.decode()
    from consilium.cases.models import Case
    case = Case.objects.get(patient=users["patient"], hospital_system="Nowhere Known Health")
    assert case.institution == "Cottage Clinic"
