"""gunicorn's settings for Consilium: ``gunicorn -c python:consilium.operations.gunicorn_conf
consilium.wsgi:application`` (``manage.py serve`` runs just that). docs/deploy.md, "Serving".

Loaded by gunicorn's master before any worker starts and before Django is set up: it reads
the environment only (consilium/operations/serving.py).
"""

import os
import shutil
from pathlib import Path

from consilium import logs
from consilium.operations import serving

bind = serving.bind()
workers = serving.web_workers()
# Threads: a worker answers its heartbeat while one thread streams a 4 GB record or builds a
# patient's data export, where a sync worker would be killed after `timeout` seconds.
worker_class = "gthread"
threads = serving.web_threads()
worker_connections = serving.web_connections()
timeout = 120
graceful_timeout = 30
# Behind a proxy that keeps connections open to us.
keepalive = 5
# No max_requests: each worker that ever lived leaves its metrics files (below) to be read
# at every scrape, and recycling workers would pile them up.
max_requests = 0
# Django is loaded by each worker, after the fork: no database connection is shared.
preload_app = False
# No runtime control socket (it would sit in the home folder, one for every instance there).
control_socket_disable = True
# The resumable upload sends 8 MB chunks; gunicorn reads bodies in full, headers are small.
limit_request_field_size = 8190

# Metrics of every worker in one answer (prometheus_client's multiprocess mode): each worker
# writes its counts to files here, /metrics adds them up. It must be set before any worker
# imports prometheus_client, so here, in the master; emptied at each start.
_var = Path(os.environ.get("CONSILIUM_VAR_DIR") or Path(__file__).resolve().parents[2] / "var")
METRICS_DIR = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or _var / "metrics")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

# gunicorn's own messages through the same redaction and format as Django's (consilium/logs.py).
# Its access log stays off: consilium.requests logs each request by its route's name instead,
# never its path (which may hold a link's token or an ID).
accesslog = None
logconfig_dict = logs.logging_config(os.environ.get("CONSILIUM_LOG_LEVEL", "INFO"),
                                     os.environ.get("CONSILIUM_LOG_FORMAT", "text"),
                                     gunicorn=True)


def on_starting(server):
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    METRICS_DIR.mkdir(mode=0o700, parents=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # only now: after the variable above is set

    multiprocess.mark_process_dead(worker.pid)
