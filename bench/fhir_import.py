"""Benchmark the FHIR import against parsing the same bundle with full fhir.resources models.

Both run in one process on the largest Synthea bundle in ../shared/data. Target (issue 4):
a 4 MB bundle imports in under 2 s, at least 5x faster than full-model parsing.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
SYNTHEA = ROOT.parent / "shared" / "data" / "synthea-r4-bundles_smart-generated-sample-data"
ROUNDS = 5


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    import io

    from fhir.resources.R4B.bundle import Bundle

    from consilium.accounts.models import User
    from consilium.cases.actions import do_create_case
    from consilium.records.actions import Upload, do_add_records
    from consilium.records.fhir_import import import_record

    path = max(SYNTHEA.glob("*.json"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    user = User.objects.create_user("fhir-bench", password="x" * 12, role="patient")
    case = do_create_case({"diagnosis_text": "Benchmark", "treatment_category": "other"},
                          acting_user=user)
    (outcome,) = do_add_records(case, [Upload(path.name, io.BytesIO(data), len(data))],
                                acting_user=user)
    ours, full = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        report = import_record(outcome.record, data)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        Bundle.model_validate_json(data)
        full.append(time.perf_counter() - start)
    ours_s, full_s = statistics.median(ours), statistics.median(full)
    print(f"FHIR import of {path.stat().st_size / 1e6:.1f} MB ({report.imported} entries): "
          f"{ours_s:.2f} s (median of {ROUNDS}); full fhir.resources parse only: {full_s:.2f} s; "
          f"ratio {full_s / ours_s:.1f}x")
    return 0 if ours_s < 2 and full_s / ours_s >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
