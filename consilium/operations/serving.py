"""How many processes serve Consilium: read by gunicorn's settings (gunicorn_conf.py) and by
``manage.py serve``, before Django is set up, so from the environment alone."""

import os

# gunicorn's usual advice is 2 × cores + 1 workers; each of ours holds Django, WeasyPrint,
# numpy and pydicom (about 150 MB), so past 8 memory runs out before the cores do.
MOST_WEB_WORKERS = 8


def _whole(name: str, default: int) -> int:
    value = os.environ.get(f"CONSILIUM_{name}", "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise SystemExit(f"CONSILIUM_{name} must be a whole number, not {value!r}")
    return int(value)


def web_workers() -> int:
    """CONSILIUM_WEB_WORKERS, or 2 × cores + 1 capped at MOST_WEB_WORKERS."""
    return _whole("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, MOST_WEB_WORKERS))


def web_threads() -> int:
    """Threads per web worker: a long download or upload holds one, not the whole worker."""
    return _whole("WEB_THREADS", 4)


def web_connections() -> int:
    """CONSILIUM_WEB_CONNECTIONS: the connections one web worker holds at most (gunicorn's
    worker_connections; its default, 1000, unless set). A worker takes every connection it
    is offered, however busy its threads, so a proxy's or client's long-lived connections
    may crowd into one worker while another idles: with 20 kept-alive connections and two
    workers, the case page served 41 requests a second; with at most 10 a worker, 80. Set
    it to a little more than (the proxy's connections) / (workers), never below: the
    connections over the sum wait for a free one (docs/deploy.md, "Serving")."""
    connections = _whole("WEB_CONNECTIONS", 1000)
    if connections < 1:  # 0 would make every worker refuse every connection
        raise SystemExit("CONSILIUM_WEB_CONNECTIONS must be at least 1")
    return connections


def task_workers() -> int:
    """``manage.py db_worker`` processes started by ``manage.py serve`` (0: none here)."""
    return _whole("TASK_WORKERS", 1)


def bind() -> str:
    return os.environ.get("CONSILIUM_BIND", "127.0.0.1:8000")
