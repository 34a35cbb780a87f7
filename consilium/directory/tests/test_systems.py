"""Hospital system names: the spellings of one system are one, other systems are not, and
when unsure, one (a second opinion must come from outside the first one's system)."""

import pytest

from consilium.directory.systems import alike, key, same, similar

RIVERSIDE = ["Riverside Health System", "Riverside Health", "Riverside Cancer Ctr",
             "Riverside Cancer Center", "RIVERSIDE HEALTH", "riverside health-system",
             "Riverside Healthcare", "Riverside Health Care", "The Riverside Health System, Inc.",
             "Riverside Medical Ctr", "Riverside Med. Center", "Riverside Hosp.",
             "Riverside Hospital", "  riverside   health  ", "Riverside Health Systems"]


@pytest.mark.parametrize("name", RIVERSIDE)
def test_every_riverside_spelling_is_one_system(name):
    assert key(name) == "riverside"
    assert same([name], ["Riverside Health"])


@pytest.mark.parametrize("a, b", [
    ("St. Mary's Hospital", "Saint Marys Hospital"),
    ("St Mary's", "SAINT MARY'S MEDICAL CENTER"),
    ("Mt. Sinai Hospital", "Mount Sinai"),
    ("Northlake Cancer Ctr", "Northlake Cancer Centre"),
    ("Lakeshore Hosp", "Lakeshore Hospital"),
    ("Bayview Med Group", "Bayview Medical Group"),
    ("Summit Health", "Summit Health System"),
    ("Summit Healthcare", "Summit Health"),
    ("The Lakeshore Clinic", "Lakeshore Clinic Inc"),
    ("Front-Range Health", "front range health"),
    ("Hôpital Saint-Luc", "Hopital St. Luc"),
    ("Johns Hopkins Medicine", "Johns Hopkins Medical"),
])
def test_variants_of_a_name_are_one_system(a, b):
    assert key(a) == key(b)
    assert same([a], [b])


@pytest.mark.parametrize("a, b", [
    ("Riverside Health", "Riverview Health"),
    ("Riverside Health", "Lakeshore Health"),
    ("Summit Health", "Front Range Health"),
    ("Mercy Hospital", "Marcy Hospital"),
    ("Mayo Clinic", "Mary Clinic"),
    ("Saint Mary's", "Saint Joseph's"),
    ("Northlake University Hospital", "Bayview Medical Group"),
    ("Hospital 12", "Health System 12"),
    ("Health System 12", "Health System 120"),
])
def test_other_systems_are_not_one(a, b):
    assert not same([a], [b])


@pytest.mark.parametrize("a, b", [
    ("Riverside Health", "Riversde Health"),  # a misspelling
    ("Front Range Health", "Frontrange Health"),  # a space
    ("Riverside Health", "Riverside Regional Medical Center"),  # a word more
    ("Mayo Clinic", "MAYO CLINIC HEALTH SYSTEM IN WAYCROSS"),  # a short name, a word more
])
def test_when_unsure_they_are_one(a, b):
    assert same([a], [b])


@pytest.mark.parametrize("hostile", ["", "   ", "---", "|", "\x00", "Inc", "The"])
def test_blank_or_empty_names_name_no_system(hostile):
    assert not same([hostile], ["Riverside Health"])
    assert not same(["Riverside Health"], [hostile])
    assert not similar(key(hostile), key("Riverside Health"))


def test_a_name_of_only_kind_words_keeps_them():
    assert key("University Hospital") == "university"
    assert key("Medical Ctr") == "medical center"
    assert key("Health System") == "health system"


def test_keys_never_hold_the_separator_of_the_matching_rows():
    assert "|" not in key("Riverside|Health") and key("Riverside|Health") == "riverside"


def test_a_very_long_name_is_read():
    assert key("Riverside " * 500) == " ".join(["riverside"] * 500)


def test_known_keys_alike_a_wanted_one():
    known = ["riverside", "riversde", "riverview", "lakeshore", "riverside regional",
             "riverside 2", "mercy"]
    assert alike({"riverside"}, known) == {"riverside", "riversde", "riverside regional"}
    assert alike({"hospital 12"}, ["hospital 120", "hospital 12 east"]) == {
        "hospital 12", "hospital 12 east"}
    assert alike({"", "mercy"}, known) == {"mercy"}
