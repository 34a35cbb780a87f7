"""Load benchmark (issue 23): the busy pages under concurrent clients, against a bare view.

    bench/load.py 10000       build the database up to 10,000 cases, then measure
    bench/load.py --compare   measure again as the database is now (after bench/figures.py
                              added 100,000 cases) and compare with the last 10,000-case run

Production settings (DEBUG off, behind a TLS proxy: wrk sends X-Forwarded-Proto), served by
``manage.py serve`` as production is (WORKERS gunicorn workers of 4 threads, the audit sealer
and a task worker), wrk with CLIENTS connections for SECONDS per page. Each page is
signed in as its reader (a session made as the sign-in makes it, the staff's second factor
passed). The bare view (bench/load_urls.py) is a signed-in view behind the same middleware
that answers "ok": the pages' target is at least a third of its requests per second, in the
same run; at 100,000 cases each page within 20% of its 10,000-case rate.

Cases: most in bulk (one patient per 50 cases, every state of the queue), one busy case built
through the actions (records, messages, a specialist on it), which the case pages read.
"""

import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
# BENCH_ONLY="work queue,messages": measure these pages only (and the bare view)
ONLY = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = "127.0.0.1"
SHARE = 1 / 3  # of the bare view's rate
KEPT = 0.8  # of the 10,000-case rate at 100,000
LUA = """done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %.3f %d %d %d %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def main() -> int:
    compare = "--compare" in sys.argv
    wanted = next((int(a) for a in sys.argv[1:] if a.isdigit()), 10_000)
    os.environ.setdefault("CONSILIUM_ALLOWED_HOSTS", HOST)
    os.environ.setdefault("CONSILIUM_BEHIND_PROXY", "1")
    # What manage.py serve's deployment checks ask of production: the secret key and the
    # audit anchor outside the data folder (a throw-away key and file, for a scratch run).
    os.environ.setdefault("CONSILIUM_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("CONSILIUM_AUDIT_ANCHOR", os.path.join(
        tempfile.mkdtemp(prefix="consilium-load-"), "audit-anchor.log"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "consilium.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    from django.db import connection

    from consilium.cases.models import Case

    world = busy_world()
    if not compare:
        grow(wanted - Case.objects.count())
    count = Case.objects.count()
    pages = pages_of(world)
    connection.close()
    results = serve_and_measure(pages, world["cookies"])
    return report(results, count, connection.vendor, compare)


def pages_of(world: dict) -> dict:
    """name -> (reader, path): the bare view and the busy pages, in the order measured."""
    case = world["case"]
    return {
        "bare view": ("coordinator", "/bench-bare/"),
        "work queue": ("coordinator", "/queue/"),
        "case list (patient)": ("patient", "/cases/"),
        "case list (coordinator)": ("coordinator", "/cases/"),
        "case page (patient)": ("patient", f"/cases/{case}/"),
        "case page (coordinator)": ("coordinator", f"/cases/{case}/"),
        "case page (specialist)": ("specialist", f"/cases/{case}/"),
        "records page": ("coordinator", f"/cases/{case}/records/"),
        "messages": ("patient", f"/cases/{case}/messages/"),
    }


def busy_world() -> dict:
    """The benchmark's readers and its busy case (made once per database), with a signed-in
    session for each reader."""
    from django.contrib.auth import get_user_model

    from consilium.accounts.models import Role
    from consilium.cases import actions as case_actions
    from consilium.cases.models import Case
    from consilium.conftest import authenticator_app
    from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
    from consilium.conversations.actions import do_send_message
    from consilium.directory.builders import build_specialist
    from consilium.directory.models import Specialist
    from consilium.records.actions import Upload, do_add_records

    User = get_user_model()
    users = {}
    for name, role in (("patient", Role.PATIENT), ("coordinator", Role.COORDINATOR),
                       ("specialist", Role.SPECIALIST)):
        users[name], _ = User.objects.get_or_create(
            username=f"load-{name}", defaults={"role": role, "email": f"load-{name}@example.org"})
    case = Case.objects.filter(patient=users["patient"]).first()  # their one case
    if case is None:
        specialist = Specialist.objects.filter(user=users["specialist"]).first()
        specialist = specialist or build_specialist(
            name="Dr. Load Bench", user=users["specialist"], taxonomy_code="207RX0202X",
            specialty="Medical Oncology", institution="Bench Cancer Institute",
            hospital_system="Bench Health", postal_code="80218", city="Denver", state="CO")
        case = case_actions.do_create_case({
            "diagnosis_text": "Load benchmark case", "diagnosis_codes": ["C50.912"],
            "treatment_category": "surgery", "treatment_description": "Mastectomy",
            "institution": "Riverside Medical Center", "hospital_system": "Riverside Health",
            "questions": ["Is breast-conserving surgery an option?", "How long is recovery?"],
        }, acting_user=users["patient"])
        case_actions.do_submit_case(case, acting_user=users["patient"])
        consultation = do_offer_consultation(case, specialist.id,
                                             acting_user=users["coordinator"])
        do_accept_consultation(consultation, acting_user=users["specialist"])
        for n in range(30):
            text = f"Report {n}: findings as expected.\n".encode() * 20
            do_add_records(case, [Upload(f"report-{n}.txt", io.BytesIO(text), len(text))],
                           acting_user=users["patient"])
        for n in range(40):
            author = users["patient"] if n % 2 else users["specialist"]
            do_send_message(case, {"body": f"Message {n} about the plan."}, acting_user=author)
    return {"case": case.id, "cookies": {name: session_cookie(user, authenticator_app)
                                         for name, user in users.items()}}


def session_cookie(user, authenticator_app) -> str:
    """A session as signing in makes it (and, for staff, as passing the second factor)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from consilium.accounts import mfa

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.needs_two_factor:
        session[mfa.SESSION_KEY] = authenticator_app(user).pk
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def grow(missing: int) -> None:
    """Add ``missing`` cases in bulk, spread over the queue's states and over patients of
    50 cases each, with their creation event."""
    if missing <= 0:
        return
    from django.contrib.auth import get_user_model

    from consilium.accounts.models import Role
    from consilium.cases.models import Case, Event, EventKind, Status

    User = get_user_model()
    states = [Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED,
              Status.IN_REVIEW, Status.OPINION_DELIVERED, Status.DECIDED, Status.CLOSED]
    stamp = time.time_ns()
    patients = User.objects.bulk_create(
        User(username=f"load-p{stamp}-{i}", role=Role.PATIENT, password="!")
        for i in range(missing // 50 + 1))
    made = 0
    while made < missing:
        batch = [Case(patient=patients[(made + i) // 50], status=states[(made + i) % 7],
                      diagnosis_text=f"Bulk case {made + i}", diagnosis_codes=["C50.912"],
                      treatment_category="surgery", treatment_description="Surgery")
                 for i in range(min(5000, missing - made))]
        Case.objects.bulk_create(batch)
        Event.objects.bulk_create(Event(case=c, kind=EventKind.CREATED, actor=c.patient)
                                  for c in batch)
        made += len(batch)


def serve_and_measure(pages: dict, cookies: dict) -> dict:
    """Start gunicorn, warm each page, then run wrk on it; return name -> figures."""
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(LUA)
    lua.close()
    # a log line per request would cost the pages what the benchmark measures
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load_settings",
           "CONSILIUM_LOG_LEVEL": "WARNING"}
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=root, env=env, check=True)  # as a deployment does
    # As production serves (docs/deploy.md): manage.py serve, gunicorn's gthread workers with
    # the audit sealer beside them, and a task worker.
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--bind", f"{HOST}:{PORT}", "--web-workers",
         str(WORKERS), "--task-workers", os.environ.get("BENCH_TASK_WORKERS", "1")],
        cwd=root, env={**env, "CONSILIUM_WEB_THREADS": str(THREADS),
                       # wrk's connections spread over the workers, as deploy.md advises
                       # for a proxy's kept-alive ones (serving.web_connections)
                       "CONSILIUM_WEB_CONNECTIONS": str(-(-CLIENTS // WORKERS) + 1)},
        stdout=subprocess.DEVNULL)
    results = {}
    try:
        wait_for(f"http://{HOST}:{PORT}/health/")
        for name, (reader, path) in pages.items():
            if ONLY and name not in ONLY and name != "bare view":
                continue
            # as the TLS proxy sends them (without the client's address, every request logs a
            # warning)
            proxy = ["-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-For: 192.0.2.10"]
            headers = ["-H", f"Cookie: {cookies[reader]}", *proxy]
            url = f"http://{HOST}:{PORT}{path}"
            check = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                    *headers, url], capture_output=True, text=True)
            if check.stdout != "200":
                results[name] = {"error": f"HTTP {check.stdout} before measuring"}
                continue
            wrk = ["wrk", f"-t{min(2, CLIENTS)}", f"-c{CLIENTS}"]
            subprocess.run([*wrk, "-d2s", *headers, url], capture_output=True)  # warm up
            out = subprocess.run([*wrk, f"-d{SECONDS}s", "--timeout", "10s", "-s", lua.name,
                                  *headers, url], capture_output=True, text=True).stdout
            found = re.search(r"BENCH (\d+) ([\d.]+) (\d+) (\d+) (\d+) (\d+)", out)
            requests, duration, p50, p95, p99, errors = found.groups()
            results[name] = {"rps": int(requests) / float(duration), "p50_ms": int(p50) / 1000,
                             "p95_ms": int(p95) / 1000, "p99_ms": int(p99) / 1000,
                             "errors": int(errors)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(lua.name)
    return results


def wait_for(url: str) -> None:
    for _ in range(100):
        answer = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                 "-H", "X-Forwarded-Proto: https", url],
                                capture_output=True, text=True).stdout
        if answer in ("200", "503"):
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


def report(results: dict, count: int, vendor: str, compare: bool) -> int:
    from django.conf import settings

    saved = Path(settings.VAR_DIR) / f"load-bench-{vendor}.json"
    bare = results["bare view"].get("rps", 0)
    print(f"load: {count:,} cases on {vendor}, {WORKERS} gunicorn workers, {CLIENTS} "
          f"clients, {SECONDS} s a page")
    print("| page | req/s | share of bare | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    missed = []
    earlier = json.loads(saved.read_text()) if compare and saved.exists() else {}
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | {r['error']} | | | | | |")
            missed.append(name)
            continue
        share = r["rps"] / bare if bare else 0
        kept = ""
        if earlier.get(name, {}).get("rps"):
            kept = f" ({r['rps'] / earlier[name]['rps']:.0%} of {earlier['count']:,} cases')"
            if r["rps"] < KEPT * earlier[name]["rps"] and name != "bare view":
                missed.append(f"{name} at {count:,}")
        print(f"| {name} | {r['rps']:.0f}{kept} | {share:.2f} | {r['p50_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} |")
        if name != "bare view" and share < SHARE:
            missed.append(name)
    if not compare:
        saved.write_text(json.dumps({**results, "count": count}))
    if missed:
        print(f"below target: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
