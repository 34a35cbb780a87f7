"""Searching the directory through GET /api/v1/specialists."""

import pytest

from consilium.directory import geo
from consilium.directory.builders import build_specialist
from consilium.directory.models import PracticeLocation
from consilium.directory.search import within


@pytest.fixture
def directory(db):
    def add(name, code, specialty, postal_code, **fields):
        return build_specialist(name=name, taxonomy_code=code, specialty=specialty,
                                institution=f"{name} Clinic", hospital_system=f"{name} Health",
                                postal_code=postal_code, **fields)
    return {
        "okafor": add("Dr. Helen Okafor", "207RX0202X", "Medical Oncology", "80218",
                      languages=["en", "yo"], insurance_networks=["GOLD"]),
        "okamoto": add("Dr. Ken Okamoto", "207RX0202X", "Medical Oncology", "80401",
                       telemedicine=False, languages=["en", "ja"]),
        "weiss": add("Dr. Daniel Weiss", "207RC0000X", "Cardiovascular Disease", "60611",
                     accepting_cases=False),
        "rahman": add("Dr. Aisha Rahman", "2086X0206X", "Surgical Oncology", "02115",
                      languages=["en", "ar"]),
    }


def names(response) -> list[str]:
    return [item["specialist"]["name"] for item in response.json()["items"]]


def test_by_the_start_of_a_name(api, users, directory):
    assert names(api(users["patient"], "GET", "/specialists?q=oka")) == [
        "Dr. Ken Okamoto", "Dr. Helen Okafor"][::-1]
    assert names(api(users["patient"], "GET", "/specialists?q=Okafor%20H")) == [
        "Dr. Helen Okafor"]
    assert names(api(users["patient"], "GET", "/specialists?q=helen")) == []  # last name first


def test_by_specialty_and_by_condition(api, users, directory):
    assert names(api(users["patient"], "GET", "/specialists?specialty=207RC0000X")) == [
        "Dr. Daniel Weiss"]
    breast = names(api(users["patient"], "GET", "/specialists?condition=C50.912"))
    assert set(breast) == {"Dr. Helen Okafor", "Dr. Ken Okamoto", "Dr. Aisha Rahman"}
    both = names(api(users["patient"], "GET",
                     "/specialists?condition=C50.912&specialty=2086X0206X"))
    assert both == ["Dr. Aisha Rahman"]


def test_near_a_place_by_distance(api, users, directory):
    response = api(users["patient"], "GET",
                   "/specialists?near=80202&radius_km=100&sort=distance")
    items = response.json()["items"]
    assert [i["specialist"]["name"] for i in items] == ["Dr. Helen Okafor", "Dr. Ken Okamoto"]
    assert items[0]["distance_km"] < items[1]["distance_km"] < 100
    by_point = api(users["patient"], "GET", "/specialists?near=39.74,-104.99&radius_km=2000")
    assert response.json()["count"] == 2 and by_point.json()["count"] == 3  # + Chicago


def test_by_video_language_network_and_availability(api, users, directory):
    patient = users["patient"]
    assert "Dr. Ken Okamoto" not in names(api(patient, "GET", "/specialists?telemedicine=true"))
    assert names(api(patient, "GET", "/specialists?language=ar")) == ["Dr. Aisha Rahman"]
    assert names(api(patient, "GET", "/specialists?insurance=GOLD")) == ["Dr. Helen Okafor"]
    assert "Dr. Daniel Weiss" not in names(api(patient, "GET", "/specialists?accepting=true"))


def test_paged(api, users, directory):
    first = api(users["patient"], "GET", "/specialists?limit=2").json()
    second = api(users["patient"], "GET", "/specialists?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 4
    assert len({i["specialist"]["id"] for i in first["items"] + second["items"]}) == 4


@pytest.mark.parametrize("query, field, words", [
    ("specialty=999999999X", "specialty", "999999999X"),
    ("condition=Q99.999", "condition", "Q99.999"),
    ("near=00000", "near", "00000"),
    ("near=somewhere", "near", "somewhere"),
    ("near=80218&radius_km=0", "radius_km", "between"),
    ("sort=distance", "sort", "near"),
])
def test_bad_input_is_named(api, users, directory, query, field, words):
    response = api(users["patient"], "GET", f"/specialists?{query}")
    assert response.status_code == 422
    assert words in response.json()["errors"][field]


def test_near_reads_a_bounding_box_not_every_location(directory, django_assert_num_queries):
    """The query asks the index for a box around the point; only what is inside gets an
    exact distance."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        found = within(geo.parse_place("80218"), 50)
    assert set(found) == {directory["okafor"].id, directory["okamoto"].id}
    sql = queries.captured_queries[-1]["sql"]
    assert '"latitude" >=' in sql and '"longitude" <=' in sql
    assert PracticeLocation.objects.count() == 4
