"""Benchmark ICD-10-CM search: latency (p50/p95) and, for the lay searches of
consilium/terminology/data/lay_queries.csv, how often a right code is among the first five.

Run through `make bench`, which migrates a scratch database and loads the code set first.
Targets: p95 under 20 ms on each query set; a right code in the first five for ≥ 95% of the
lay searches.
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
LAY_ROUNDS = 5


def timed(search, queries, rounds):
    for query in queries:  # warm caches once
        search(query, 20)
    timings = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            search(query, 20)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return timings, p95


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection

    from consilium.terminology.lay_queries import misses, read_lay_queries
    from consilium.terminology.search import search_icd10

    timings, p95 = timed(search_icd10, QUERIES, ROUNDS)
    print(f"ICD-10-CM search on {connection.vendor}: {len(timings)} searches, "
          f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    lay = [query for query, _ in read_lay_queries()]
    lay_timings, lay_p95 = timed(search_icd10, lay, LAY_ROUNDS)
    missed = misses(lambda q: [c.code for c in search_icd10(q, 20)])
    rate = 1 - len(missed) / len(lay)
    print(f"Lay searches: {len(lay) - len(missed)} of {len(lay)} ({rate:.1%}) have a right code "
          f"in the first five; {len(lay_timings)} searches, "
          f"p50 {statistics.median(lay_timings):.1f} ms, p95 {lay_p95:.1f} ms, "
          f"max {lay_timings[-1]:.1f} ms")
    if os.environ.get("BENCH_SHOW_MISSES"):
        for query, codes in missed:
            print(f"  missed {query!r}: {' '.join(codes)}")
    return 0 if p95 < 20 and lay_p95 < 20 and rate >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
