"""The matches page's near systems and institutions stay bounded as the directory grows
(issue #19): the CMS seeding makes some 5,000 systems, and the page reads candidates by the
prefix of the key from its index, never every system. The query count of the page is the same
with 10 systems as with 600, and the near matches are still found among them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.directory import systems
from consilium.directory.access import NEAR_CANDIDATES, near_institutions, near_systems
from consilium.directory.models import HospitalSystem, Institution, SystemAlias


def many(count, start=0, prefix="Town"):
    names = [f"{prefix} {chr(97 + n % 26)}{n:05d} Health" for n in range(start, start + count)]
    made = HospitalSystem.objects.bulk_create(
        [HospitalSystem(name=name, key=systems.key(name)) for name in names])
    SystemAlias.objects.bulk_create([
        SystemAlias(system=s, name=s.name + " Partners", key=systems.key(s.name + " Partners"))
        for s in made])
    Institution.objects.bulk_create([
        Institution(name=s.name + " Hospital", key=systems.key(s.name + " Hospital"), system=s)
        for s in made])


@pytest.fixture
def case(riverside_case):
    return riverside_case  # "Riverside Cancer Ctr" of "Riverside Health System"


def page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/cases/{case.id}/matches/").status_code == 200
    return len(captured)


def test_the_matches_page_reads_as_many_queries_with_600_systems_as_with_10(
        case, users, client, login):
    riverside = HospitalSystem.objects.create(name="Riverside Health")
    Institution.objects.create(name="Riverside Cancer Center", system=riverside)
    many(10)
    login(users["coordinator"])
    page_queries(client, case)  # the session and caches, once
    few = page_queries(client, case)
    many(600, start=10)
    # and many that share the first letters of the wanted name
    many(30, start=700, prefix="Riverbend")
    assert page_queries(client, case) == few
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert "Riverside Health" in page and "Riverside Cancer Center" in page


def test_near_matches_are_found_by_any_word_and_read_boundedly(db):
    many(40, prefix="Saint")
    target = HospitalSystem.objects.create(name="Saint Mary's Regional Health")
    SystemAlias.objects.create(system=target, name="Front Range Partners")
    Institution.objects.create(name="St. Mary's Cancer Ctr", system=target)
    assert near_systems(["St. Marys Regional"])[0][0] == target
    assert near_systems(["Marys Saint Regional"])[0][0] == target  # another order
    assert near_systems(["Front Range Partners"])[0][0] == target  # by an alias
    assert near_systems(["Saint Marys Regonal Health"])[0][0] == target  # misspelt late
    assert near_institutions(["Saint Marys Cancer Center"])[0][0].name == "St. Mary's Cancer Ctr"
    for nothing in ([], [""], ["  "], [None], ["The Inc."], ["x"]):
        assert near_systems(nothing) == [] and near_institutions(nothing) == []
    assert near_systems(["a" * 10_000]) == []
    assert 100 <= NEAR_CANDIDATES <= 1000
