"""Benchmark record upload and download: throughput and the web process's peak memory.

Starts a real web server (runserver, one process) on a scratch database, uploads files of the
given sizes through the API as a streamed multipart body, downloads them again, and reads the
server's peak resident memory (VmHWM) from /proc. Run by `make bench`.

Usage: bench/records_upload.py SIZE_MB [SIZE_MB ...]
"""

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHUNK = 1024 * 1024
TARGET_MB = 150


def manage(env, *args):
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_file(path: Path, size: int) -> str:
    """A PDF-shaped file of ``size`` bytes (the content check wants a real kind of file)."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        out.write(head)
        digest.update(head)
        written, body = 0, size - len(head) - len(tail)
        while written < body:
            piece = block[: min(CHUNK, body - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
        out.write(tail)
        digest.update(tail)
    return digest.hexdigest()


def upload(port, token, case_id, path: Path) -> dict:
    boundary = "consilium-bench-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{path.name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def body():
        yield head
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    conn.request("POST", f"/api/v1/cases/{case_id}/records", body=body(), headers={
        "Authorization": f"Bearer {token}", "Content-Length": str(length),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    })
    response = conn.getresponse()
    return json.loads(response.read())


def download(port, token, case_id, record_id) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    conn.request("GET", f"/api/v1/cases/{case_id}/records/{record_id}/content",
                 headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    digest = hashlib.sha256()
    while chunk := response.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def main(sizes_mb: list[int]) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="consilium-bench-"))
    env = {**os.environ, "CONSILIUM_VAR_DIR": str(scratch), "CONSILIUM_DEBUG": "1",
           "CONSILIUM_RECORDS_MAX_FILE_BYTES": str(8 * 1024**3),
           "CONSILIUM_RECORDS_MAX_CASE_BYTES": str(32 * 1024**3)}
    manage(env, "migrate", "--noinput", "-v0")
    case_id = manage(env, "shell", "-c", (
        "from consilium.accounts.models import User; "
        "from consilium.cases.actions import do_create_case; "
        "u = User.objects.create_user('bench', password='x' * 12, role='patient'); "
        "print(do_create_case({'diagnosis_text': 'Benchmark', 'treatment_category': 'other'}, "
        "acting_user=u).id)"
    )).splitlines()[-1]
    token = manage(env, "create_api_token", "bench").splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    worst = 0.0
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        idle = peak_rss_mb(server.pid)
        print(f"web process at rest: {idle:.0f} MB peak")
        for size_mb in sizes_mb:
            path = scratch / f"bench-{size_mb}MB.bin"
            expected = make_file(path, size_mb * 1024**2)
            start = time.perf_counter()
            outcome = upload(port, token, case_id, path)[0]
            upload_s = time.perf_counter() - start
            assert outcome["status"] == "stored", outcome
            after_upload = peak_rss_mb(server.pid)
            start = time.perf_counter()
            got = download(port, token, case_id, outcome["record"]["id"])
            download_s = time.perf_counter() - start
            assert got == expected, "downloaded bytes differ"
            peak = peak_rss_mb(server.pid)
            worst = max(worst, peak)
            print(f"{size_mb} MB: upload {size_mb / upload_s:.0f} MB/s ({upload_s:.1f} s), "
                  f"download {size_mb / download_s:.0f} MB/s ({download_s:.1f} s), "
                  f"peak RSS after upload {after_upload:.0f} MB, after download {peak:.0f} MB")
            path.unlink()
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", str(scratch)])
    print(f"peak RSS {worst:.0f} MB (target under {TARGET_MB} MB)")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]] or [100]))
