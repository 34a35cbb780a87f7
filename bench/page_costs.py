"""Where a busy page's time goes, in one process: the load benchmark's pages (bench/load.py)
rendered through Django's test client against the benchmark's database, with their queries.

    bench/page_costs.py                  each page: median time, queries, writes
    bench/page_costs.py --sql "case page (coordinator)"    that page's queries, in order
    bench/page_costs.py --profile "work queue"             that page under cProfile

Run after bench/load.py built its database (the same CONSILIUM_VAR_DIR or DATABASE_URL).
A tool for finding what to make faster, not a benchmark with a target: bench/load.py is.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import django

RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def main() -> int:
    os.environ.setdefault("CONSILIUM_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("CONSILIUM_BEHIND_PROXY", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    import load
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    world = load.busy_world()
    pages = load.pages_of(world)
    wanted = sys.argv[2] if len(sys.argv) > 2 else None
    for name, (reader, path) in pages.items():
        if wanted and name != wanted:
            continue
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="192.0.2.10",
                        HTTP_HOST="127.0.0.1")
        cookie_name, value = world["cookies"][reader].split("=", 1)
        client.cookies[cookie_name] = value
        assert client.get(path).status_code == 200, name
        if "--profile" in sys.argv:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(RUNS):
                client.get(path)
            profile.disable()
            if os.environ.get("BENCH_PROFILE_OUT"):  # for pstats' callers and callees
                profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])
            # BENCH_SORT=tottime for the functions' own time; BENCH_TOP lines
            stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("BENCH_TOP", "45")))
            continue
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        writes = [q for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
        times.sort()
        p95 = times[int(len(times) * 0.95)]
        print(f"{name}: {statistics.median(times):.1f} ms (p95 {p95:.0f}, slowest "
              f"{times[-1]:.0f} ms), {len(queries)} queries ({len(writes)} not SELECT)")
        if "--sql" in sys.argv:
            for q in queries:
                print(f"  {q['time']}s  {q['sql'][:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
