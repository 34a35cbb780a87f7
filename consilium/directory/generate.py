"""A realistic synthetic directory in the NPPES file format, for benchmarks and load tests.

N individual physicians with valid NPIs, made-up names, NUCC physician taxonomy codes and
real US ZIP codes, skewed as the real directory is: most in cities (a ZIP code is chosen in
proportion to how many ZIP codes its city has, a stand-in for its size), generalists common
and subspecialists few. The rows go through the real importer (importing.import_nppes).
Deterministic for a given seed.
"""

import csv
import random
from collections import Counter
from typing import TextIO

import zipcodes

from consilium.terminology.models import NuccTaxonomy

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
         "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
         "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
         "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
         "Priya Wei Mohammed Fatima Carlos Maria Hiroshi Yuki Olumide Ngozi Ivan Olga Raj Anita "
         "Jose Ana Luis Sofia Minh Lan Ahmed Aisha Chen Mei Dmitri Elena Kwame Ama").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
        "Roberts Patel Shah Kim Park Chen Wang Li Zhang Singh Kumar Okafor Adeyemi Cohen Levy "
        "Muller Schmidt Rossi Russo Kowalski Novak Ivanov Sato Tanaka Suzuki Haddad Khan Ali "
        "Okonkwo Mensah Silva Santos Costa Oliveira Dubois Moreau Jensen Larsen Berg").split()
GENERALISTS = {"207R00000X", "207Q00000X", "208D00000X", "208000000X", "207P00000X",
               "208600000X", "207V00000X"}
CREDENTIALS = (("MD", 85), ("DO", 12), ("MD, PHD", 3))


def npi(serial: int) -> str:
    """The serial-th valid NPI (a 9-digit stem and its Luhn check digit over 80840)."""
    stem = f"{100000000 + serial:09d}"
    total = 0
    for position, digit in enumerate(reversed("80840" + stem + "0")):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return stem + str((10 - total % 10) % 10)


def _places() -> tuple[list[dict], list[int]]:
    codes = [z for z in zipcodes.list_all()
             if z["lat"] and z["zip_code_type"] == "STANDARD" and z["active"]]
    size = Counter((z["city"], z["state"]) for z in codes)
    # A ZIP code weighs as much as its city has ZIP codes: a city counts with the square
    # of its size, which puts about 8% of the directory within 50 km of Manhattan.
    return codes, [size[(z["city"], z["state"])] for z in codes]


def _specialties() -> tuple[list[str], list[int]]:
    physicians = NuccTaxonomy.objects.filter(code__regex=r"^20[78]").values_list(
        "code", "specialization")
    codes, weights = [], []
    for code, specialization in physicians:
        codes.append(code)
        weights.append(60 if code in GENERALISTS else 6 if not specialization else 1)
    return codes, weights


def write_nppes(out: TextIO, count: int, *, header: list[str], seed: int = 2026) -> None:
    """Write ``count`` individual providers as NPPES rows under the given (real) header."""
    rng = random.Random(seed)
    places, place_weights = _places()
    codes, code_weights = _specialties()
    column = {name: i for i, name in enumerate(header)}
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    batch = 10_000
    for start in range(0, count, batch):
        n = min(batch, count - start)
        where = rng.choices(places, place_weights, k=n)
        what = rng.choices(codes, code_weights, k=n)
        extra = rng.choices(codes, code_weights, k=n)
        for i in range(n):
            row = [""] * len(header)
            place = where[i]
            row[column["NPI"]] = npi(start + i)
            row[column["Entity Type Code"]] = "1"
            row[column["Provider Last Name (Legal Name)"]] = rng.choice(LAST).upper()
            row[column["Provider First Name"]] = rng.choice(FIRST).upper()
            row[column["Provider Credential Text"]] = rng.choices(
                [c for c, _ in CREDENTIALS], [w for _, w in CREDENTIALS])[0]
            row[column["Provider First Line Business Practice Location Address"]] = (
                f"{rng.randint(1, 9999)} {rng.choice(LAST).upper()} ST")
            row[column["Provider Business Practice Location Address City Name"]] = (
                place["city"].upper())
            row[column["Provider Business Practice Location Address State Name"]] = (
                place["state"])
            row[column["Provider Business Practice Location Address Postal Code"]] = (
                place["zip_code"] + f"{rng.randint(0, 9999):04d}")
            row[column["Provider Business Practice Location Address Country Code "
                       "(If outside U.S.)"]] = "US"
            row[column["Healthcare Provider Taxonomy Code_1"]] = what[i]
            row[column["Healthcare Provider Primary Taxonomy Switch_1"]] = "Y"
            row[column["Provider License Number_1"]] = f"{place['state']}{start + i}"
            row[column["Provider License Number State Code_1"]] = place["state"]
            if rng.random() < 0.3 and extra[i] != what[i]:
                row[column["Healthcare Provider Taxonomy Code_2"]] = extra[i]
                row[column["Healthcare Provider Primary Taxonomy Switch_2"]] = "N"
            writer.writerow(row)

