"""Searching the directory: GET /api/v1/specialists, POST /api/v1/specialists/search."""

import pytest

from consilium.directory import geo, search
from consilium.directory.builders import build_specialist
from consilium.directory.models import PracticeLocation
from consilium.directory.search import SpecialistQuery, search_specialists, within


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
    breast = names(api(users["patient"], "POST", "/specialists/search",
                       {"condition": "C50.912"}))
    assert set(breast) == {"Dr. Helen Okafor", "Dr. Ken Okamoto", "Dr. Aisha Rahman"}
    both = names(api(users["patient"], "POST", "/specialists/search",
                     {"condition": "C50.912", "specialty": "2086X0206X"}))
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


def test_a_condition_near_a_place_applies_every_filter(api, users, directory):
    """A specialty or condition near a place reads the matching rows: the same filters."""
    def near(**extra):
        return names(api(users["patient"], "POST", "/specialists/search", {
            "condition": "C50.912", "near": "80202", "radius_km": 3000, **extra}))
    assert near() == ["Dr. Helen Okafor", "Dr. Ken Okamoto", "Dr. Aisha Rahman"]
    assert near(telemedicine=False) == ["Dr. Ken Okamoto"]
    assert near(telemedicine=True) == ["Dr. Helen Okafor", "Dr. Aisha Rahman"]
    assert near(language="AR") == ["Dr. Aisha Rahman"]
    assert near(insurance="gold") == ["Dr. Helen Okafor"]
    assert near(q="okam") == ["Dr. Ken Okamoto"]
    directory["okafor"].accepting_cases = False
    directory["okafor"].save()
    assert near(accepting=True) == ["Dr. Ken Okamoto", "Dr. Aisha Rahman"]


def test_a_specialty_near_a_place_finds_the_nearest_of_several_practices(directory):
    """Someone with several practices and two fitting specialties: found once, at the
    distance of the nearest practice."""
    from consilium.directory.models import SpecialistTaxonomy

    rahman = directory["rahman"]  # Boston
    SpecialistTaxonomy.objects.create(specialist=rahman, code="207RX0202X")
    PracticeLocation.objects.create(specialist=rahman, postal_code="80203",
                                    latitude=39.73, longitude=-104.98)
    result = search_specialists(SpecialistQuery(condition="C50.912", near="80202",
                                                radius_km=50), limit=10)
    found = {f.specialist.name: f.distance_km for f in result.items}
    assert sorted(found) == ["Dr. Aisha Rahman", "Dr. Helen Okafor", "Dr. Ken Okamoto"]
    assert found["Dr. Aisha Rahman"] < 5 and (result.count, result.exact) == (3, True)


def test_paged(api, users, directory):
    first = api(users["patient"], "GET", "/specialists?limit=2").json()
    second = api(users["patient"], "GET", "/specialists?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 4
    assert len({i["specialist"]["id"] for i in first["items"] + second["items"]}) == 4


@pytest.mark.parametrize("query, field, words", [
    ("specialty=999999999X", "specialty", "999999999X"),
    ("near=00000", "near", "00000"),
    ("near=somewhere", "near", "somewhere"),
    ("near=80218&radius_km=0", "radius_km", "between"),
    ("sort=distance", "sort", "near"),
])
def test_bad_input_is_named(api, users, directory, query, field, words):
    response = api(users["patient"], "GET", f"/specialists?{query}")
    assert response.status_code == 422
    assert words in response.json()["errors"][field]


def test_a_bad_condition_is_named(api, users, directory):
    response = api(users["patient"], "POST", "/specialists/search", {"condition": "Q99.999"})
    assert response.status_code == 422
    assert "Q99.999" in response.json()["errors"]["condition"]


def test_a_condition_is_not_read_from_a_url(api, users, directory):
    """A diagnosis in the query string is refused, with the way to send it, and unread."""
    response = api(users["patient"], "GET", "/specialists?condition=C50.912")
    assert response.status_code == 422 and "items" not in response.json()
    assert "POST /api/v1/specialists/search" in response.json()["errors"]["condition"]


def test_near_reads_a_bounding_box_not_every_location(directory, django_assert_num_queries):
    """The query asks the index for a box around the point; only what is inside gets an
    exact distance."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        found = within(geo.parse_place("80218"), 50)
    assert set(found) == {directory["okafor"].id, directory["okamoto"].id}
    sql = queries.captured_queries[-1]["sql"]
    assert '"latitude" >=' in sql and '"longitude" <=' in sql and '"cell" IN' in sql
    assert PracticeLocation.objects.count() == 4


@pytest.fixture
def crowd(db):
    """Twelve medical oncologists and three cardiologists around Denver, at known places."""
    places = ["80218", "80202", "80401", "80301", "80903", "80525", "80020", "80010",
              "80134", "80501", "80601", "81001"]
    people = [build_specialist(name=f"Dr. Onco {i:02d}", taxonomy_code="207RX0202X",
                               specialty="Medical Oncology", postal_code=place,
                               institution="Clinic", hospital_system="Health")
              for i, place in enumerate(places)]
    people += [build_specialist(name=f"Dr. Cardio {i}", taxonomy_code="207RC0000X",
                                specialty="Cardiovascular Disease", postal_code="80218",
                                institution="Clinic", hospital_system="Health")
               for i in range(3)]
    return people


def _nearest_by_hand(point, radius_km, specialists):
    distances = {s.id: geo.distance_km(point, geo.zip_point(s.locations.get().postal_code))
                 for s in specialists}
    return sorted((i for i, d in distances.items() if d <= radius_km),
                  key=lambda i: (distances[i], i))


@pytest.mark.parametrize("cap, ring_read", [(1000, 1001), (2, 1001), (1000, 2)])
def test_near_a_place_every_path_gives_the_nearest_in_order(crowd, monkeypatch, cap,
                                                             ring_read):
    """A specialty near a place is read from the matching rows, whole or, past the cap,
    nearest first; everyone near a place through rings read whole or through a ring too
    dense to read whole: the same specialists, nearest first."""
    monkeypatch.setattr(search, "COUNT_CAP", cap)
    monkeypatch.setattr(search, "RING_READ", ring_read)
    point = geo.parse_place("80218")
    oncologists = [s for s in crowd if s.taxonomy_code == "207RX0202X"]
    expected = _nearest_by_hand(point, 120, oncologists)
    result = search_specialists(SpecialistQuery(specialty="207RX0202X", near="80218",
                                                radius_km=120), limit=5)
    assert [f.specialist.id for f in result.items] == expected[:5]
    if cap > 2:
        assert (result.count, result.exact) == (len(expected), True)
    else:  # past the cap: "more than"
        assert (result.count, result.exact) == (2, False)
    everyone = search_specialists(SpecialistQuery(near="80218", radius_km=120), limit=20)
    assert [f.specialist.id for f in everyone.items][:3] == \
        _nearest_by_hand(point, 120, crowd)[:3]


def test_counts_stop_at_the_cap(crowd, monkeypatch):
    """Past COUNT_CAP a search says "more than", in name order all the same."""
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    result = search_specialists(SpecialistQuery(specialty="207RX0202X"), limit=3)
    assert (result.count, result.exact) == (10, False)
    assert [f.specialist.name for f in result.items] == [
        "Dr. Onco 00", "Dr. Onco 01", "Dr. Onco 02"]
    cardio = search_specialists(SpecialistQuery(specialty="207RC0000X"))
    assert (cardio.count, cardio.exact) == (3, True)
    everyone = search_specialists(SpecialistQuery())
    assert (everyone.count, everyone.exact) == (10, False)


def test_a_condition_merges_its_specialties_in_name_order(crowd):
    """Each specialty is read from its own index range; a specialist in two appears once."""
    from consilium.directory.models import SpecialistTaxonomy

    SpecialistTaxonomy.objects.create(specialist=crowd[0], code="2086X0206X")
    build_specialist(name="Dr. Aaron Surgeon", taxonomy_code="2086X0206X",
                     specialty="Surgical Oncology", postal_code="80218",
                     institution="Clinic", hospital_system="Health")
    result = search_specialists(SpecialistQuery(condition="C50.912"), limit=4)
    assert [f.specialist.name for f in result.items] == [
        "Dr. Onco 00", "Dr. Onco 01", "Dr. Onco 02", "Dr. Onco 03"]
    assert (result.count, result.exact) == (13, True)
    assert search_specialists(SpecialistQuery(condition="C50.912", q="surgeon")).count == 1


def test_a_renamed_specialist_is_found_by_the_new_name_in_a_specialty(crowd):
    specialist = crowd[0]
    specialist.last_name, specialist.first_name = "Zhou", "Lin"
    specialist.save()
    found = search_specialists(SpecialistQuery(specialty="207RX0202X", q="zhou"))
    assert [f.specialist.id for f in found.items] == [specialist.id]


def test_a_zip_code_is_placed_as_zipcodes_places_it_one_code_at_a_time():
    """zip_point reads a three-digit area at a time; every code of the package, and a few
    that are not codes, come out as zipcodes.matching gives them."""
    import zipcodes

    for place in zipcodes.list_all():
        code = place["zip_code"]
        expected = (float(place["lat"]), float(place["long"])) if place["lat"] else None
        assert geo.zip_point(code) == expected, code
        assert geo.zip_point(f" {code}-1234") == expected, code
    assert not zipcodes.matching("00000") and not zipcodes.matching("99999")
    for not_a_code in ("00000", "99999", "1001", "1001a", "", "ABCDE"):
        assert geo.zip_point(not_a_code) is None


def test_grid_cells():
    assert geo.cell_of(None, 1.0) is None
    assert geo.cell_of(39.6, -104.99) == geo.cell_of(39.7, -104.98)
    assert geo.cell_of(39.74, -104.99) != geo.cell_of(39.74, -105.3)
    box = geo.bounding_box((39.74, -104.99), 50)
    assert geo.cell_of(39.74, -104.99) in geo.cells_covering(*box)
    assert geo.cells_covering(*geo.bounding_box((39.74, -104.99), 3000)) is None


def test_the_directory_page_says_more_than(client, login, users, crowd, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    login(users["coordinator"])
    text = client.get("/specialists/").content.decode()
    assert "More than 10 specialists" in text and "Narrow the search" in text
    text = client.post("/specialists/", {"specialty": "207RC0000X"}).content.decode()
    assert "3 specialists." in text and "More than" not in text
    text = client.post("/specialists/", {"specialty": "207RC0000X", "near": "80218",
                                       "radius_km": "20"}).content
    assert "3 specialists within 20 km, nearest first." in text.decode()


def test_the_directory_page_searches_by_condition(client, login, users, directory):
    login(users["coordinator"])
    text = client.post("/specialists/", {"condition": "C50.912", "near": "80218",
                                       "radius_km": "100"}).content
    text = text.decode()
    # Breast cancer near Denver: the two oncologists there, not the cardiologist in Chicago.
    assert "Dr. Helen Okafor" in text and "Dr. Ken Okamoto" in text
    assert "Dr. Daniel Weiss" not in text and "Dr. Aisha Rahman" not in text
    assert 'value="C50.912"' in text  # kept in the form
    refused = client.post("/specialists/", {"condition": "NOPE"})
    assert refused.status_code == 422 and "NOPE" in refused.content.decode()
