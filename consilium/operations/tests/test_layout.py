"""docs/deploy.md's layout for several machines, run: two web machines (gunicorn, two workers
each) and a worker machine (two db_workers) on one PostgreSQL database, record files on
S3-compatible storage (moto's server). A patient's PDF added on one machine is read by a
worker from the bucket; the patient signs in on the first web machine and downloads it from
the second. PostgreSQL only: SQLite is one machine's database."""

import json
import os
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

import boto3
import psycopg
import pytest

from consilium.records.tests.test_s3 import KEYS, s3_endpoint  # noqa: F401  (its fixture)
from consilium.tests.test_settings import manage

from .served import PROXIED, answering, call, free_port, install, serve, stop, wait_for

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="several machines share a PostgreSQL database")

PASSWORD = "layout test password 42"
# Run on one machine: a patient, a case and a PDF added through the actions, as the pages do.
ADD_A_RECORD = f"""
import io, json
from weasyprint import HTML
from consilium.accounts.models import Role, User
from consilium.cases.actions import do_create_case
from consilium.conftest import FIRST_OPINION
from consilium.records.actions import Upload, do_add_records
patient = User.objects.create_user(username="layout", password={PASSWORD!r}, role=Role.PATIENT,
                                   email="layout@example.org")
# No diagnosis codes: this database has no ICD-10-CM loaded (load_icd10cm).
case = do_create_case({{**FIRST_OPINION, "diagnosis_codes": []}}, acting_user=patient)
pdf = HTML(string="<p>Layout pathology note: benign ovarian cyst.</p>").write_pdf()
(outcome,) = do_add_records(case, [Upload("note.pdf", io.BytesIO(pdf), len(pdf))],
                            acting_user=patient)
print(json.dumps({{"case": str(case.id), "record": str(outcome.record.id), "size": len(pdf)}}))
"""
# Run on another: wait for the worker machine to have read the PDF (a minute at most).
READ_YET = """
import time
from consilium.records.models import Record
for _ in range(240):
    record = Record.objects.get(id="{record}")
    if record.processing in ("done", "failed"):
        break
    time.sleep(0.25)
print(record.processing, "ovarian cyst" in record.text)
"""


@pytest.fixture
def database():
    """A database of its own on the suite's PostgreSQL server."""
    name = f"layout_{uuid.uuid4().hex[:10]}"
    server = os.environ["DATABASE_URL"]
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def shared(deployed, database, s3_endpoint):  # noqa: F811
    """What every machine is given alike: the database, the bucket, the keys."""
    bucket = f"consilium-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                 aws_access_key_id=KEYS["access_key"],
                 aws_secret_access_key=KEYS["secret_key"]).create_bucket(Bucket=bucket)
    return {**deployed, "DATABASE_URL": database, "CONSILIUM_S3_BUCKET": bucket,
            "CONSILIUM_S3_ENDPOINT_URL": s3_endpoint, "CONSILIUM_S3_REGION": "us-east-1",
            "CONSILIUM_S3_ACCESS_KEY_ID": KEYS["access_key"],
            "CONSILIUM_S3_SECRET_ACCESS_KEY": KEYS["secret_key"]}


def shell(var, env, code: str) -> str:
    done = manage("shell", "-c", code, tmp_path=var, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def sign_in(port) -> str:
    """Sign the patient in on one web machine; return the session's cookie header."""
    page = call(port, "/login/", **PROXIED)
    csrf = SimpleCookie(page.getheader("Set-Cookie"))["csrftoken"].value
    answer = call(port, "/login/", method="POST",
                  body=urlencode({"username": "layout", "password": PASSWORD,
                                  "csrfmiddlewaretoken": csrf}),
                  **PROXIED, Cookie=f"csrftoken={csrf}", Origin="https://opinions.example",
                  **{"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 302, answer.body  # type: ignore[attr-defined]
    cookies = SimpleCookie()
    for header in answer.headers.get_all("Set-Cookie"):
        cookies.load(header)
    return f"sessionid={cookies['sessionid'].value}"


def test_two_web_machines_and_a_worker_machine(tmp_path, shared):
    machines = {name: tmp_path / name for name in ("web1", "web2", "worker")}
    envs = {name: {**shared, "CONSILIUM_AUDIT_ANCHOR": str(tmp_path / f"{name}-anchor.log")}
            for name in machines}
    install(machines["web1"], envs["web1"])  # migrates the shared database, once
    for name in ("web2", "worker"):
        done = manage("collectstatic", "--noinput", "-v0", tmp_path=machines[name],
                      env=envs[name])
        assert done.returncode == 0, done.stderr
    ports = {"web1": free_port(), "web2": free_port()}
    servers = {name: serve(machines[name], envs[name], tmp_path / f"{name}.log", "--bind",
                           f"127.0.0.1:{ports[name]}", "--web-workers", "2",
                           "--task-workers", "0") for name in ports}
    servers["worker"] = serve(machines["worker"], envs["worker"], tmp_path / "worker.log",
                              "--web-workers", "0", "--task-workers", "2")
    try:
        for name, port in ports.items():
            wait_for(lambda port=port, name=name: answering(port, servers[name]))
            health = json.loads(call(port, "/health/").body)  # type: ignore[attr-defined]
            assert health["database"] == "ok" and health["storage"] == "ok"
        added = json.loads(shell(machines["web1"], envs["web1"], ADD_A_RECORD))
        # A worker of the worker machine reads the PDF from the bucket.
        assert shell(machines["web2"], envs["web2"], READ_YET.format(**added)) == "done True"
        session = sign_in(ports["web1"])
        download = call(ports["web2"], f"/cases/{added['case']}/records/{added['record']}/",
                        **PROXIED, Cookie=session)
        assert download.status == 200
        assert download.body.startswith(b"%PDF")  # type: ignore[attr-defined]
        assert len(download.body) == added["size"]  # type: ignore[attr-defined]
        # The download's audit rows, appended on web2, are sealed by a sealer of its own.
        wait_for(lambda: json.loads(call(ports["web2"], "/health/").body)  # type: ignore
                 ["audit"]["pending"] == 0)
    finally:
        stopped = {name: stop(server) for name, server in servers.items()}
    assert stopped == {"web1": 0, "web2": 0, "worker": 0}
    for log in tmp_path.glob("*.log"):
        assert "ovarian" not in log.read_text()  # no health data in any machine's log
    # Each web machine's sealer anchored what it sealed: the anchors together cover the trail.
    anchors = [str(path) for name in ("web1", "web2")
               if (path := tmp_path / f"{name}-anchor.log").exists()]
    assert anchors
    verified = manage("verify_audit", *(f"--anchor={a}" for a in anchors),
                      tmp_path=machines["worker"], env=envs["worker"])
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
