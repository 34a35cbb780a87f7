"""The synthetic directory goes through the real importer."""

import csv
import io
from collections import Counter

from consilium.directory.generate import npi, write_nppes
from consilium.directory.importing import import_nppes, valid_npi
from consilium.directory.models import PracticeLocation, Specialist

from .test_importing import HEADER


def test_generated_rows_import_cleanly_and_lean_to_cities_and_generalists(db):
    out = io.StringIO()
    write_nppes(out, 500, header=HEADER, seed=7)
    out.seek(0)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == HEADER and len(rows) == 501
    out.seek(0)
    report = import_nppes(out)
    assert (report.created, report.refused, report.skipped) == (500, 0, 0)
    assert all(valid_npi(npi(n)) for n in (0, 1, 999_999, 8_999_999))
    assert not PracticeLocation.objects.filter(latitude__isnull=True).exists()
    codes = Counter(Specialist.objects.values_list("taxonomy_code", flat=True))
    assert all(code.startswith(("207", "208")) for code in codes)
    assert codes.most_common(1)[0][1] > 25  # generalists are common
    cities = Counter(Specialist.objects.values_list("city", "state"))
    assert cities.most_common(1)[0][1] >= 5  # and cities are crowded


def test_the_same_seed_writes_the_same_file(db):
    first, second = io.StringIO(), io.StringIO()
    write_nppes(first, 50, header=HEADER, seed=1)
    write_nppes(second, 50, header=HEADER, seed=1)
    assert first.getvalue() == second.getvalue()
