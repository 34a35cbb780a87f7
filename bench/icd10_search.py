"""Benchmark ICD-10-CM search latency (p50/p95) on the configured database.

Run through `make bench`, which migrates a scratch database and loads the code set first.
"""

import os
import statistics
import sys
import time

import django

QUERIES = [
    "breast cancer", "prostate cancer", "lung cancer", "heart attack", "stroke",
    "knee arthritis", "atrial fibrillation", "multiple sclerosis", "lumbar stenosis",
    "type 2 diabetes", "chronic kidney disease", "gallstones", "thyroid nodule",
    "carotid stenosis", "hip fracture", "migraine", "brea", "atrial fib", "osteo", "melan",
    "C50.91", "C5091", "I48", "M17.11", "S72.001A", "G35", "Z85", "E11.9",
]
ROUNDS = 20


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection

    from consilium.terminology.search import search_icd10

    for query in QUERIES:  # warm caches once
        search_icd10(query, 20)
    timings = []
    for _ in range(ROUNDS):
        for query in QUERIES:
            start = time.perf_counter()
            search_icd10(query, 20)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"ICD-10-CM search on {connection.vendor}: {len(timings)} searches, "
          f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    return 0 if p95 < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
