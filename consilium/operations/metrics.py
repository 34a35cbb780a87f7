"""Prometheus metrics (prometheus_client): requests by route *name* (never a path, which may
hold an ID or a link's token), their latency, and the background task queue. Read at
/metrics with CONSILIUM_METRICS_TOKEN (views.py).

Under gunicorn each worker writes its counts to files (PROMETHEUS_MULTIPROC_DIR, set by
gunicorn_conf.py) and a scrape adds up every worker's; in one process (runserver, the tests)
they are that process's own.
"""

import logging
import os
import time

from django.db import DatabaseError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from consilium.operations import health

logger = logging.getLogger(__name__)
requests_log = logging.getLogger("consilium.requests")

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Answers that matched no route (404s, a host refused before routing): one label for all.
UNMATCHED = "<unmatched>"

REQUESTS = Counter("consilium_requests", "Requests answered, by route name, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("consilium_request_duration_seconds",
                    "Time from the request reaching Django to its answer, by route name.",
                    ["route", "method"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def route_name(request) -> str:
    """The matched URL pattern's name (with its namespace: "admin:index"); never the path."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match and match.url_name else UNMATCHED


class RequestMetricsMiddleware:
    """Counts and times every request, and logs one line for it by route name (consilium.
    requests; gunicorn's own access log, which writes paths, stays off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = route_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        LATENCY.labels(route, method).observe(seconds)
        duration_ms = round(seconds * 1000)
        requests_log.info("%s %s %s %sms", method, route, response.status_code, duration_ms,
                          extra={"route": route, "method": method,
                                 "status": response.status_code, "duration_ms": duration_ms})
        return response


class TaskQueueCollector:
    """The background work waiting, read from the database at each scrape (two queries):
    the tasks, and the audit rows the sealer has not chained yet."""

    def collect(self):
        try:
            queue, pending = health.task_queue(), health.audit_backlog()
        except DatabaseError:
            logger.warning("Metrics: the task queue cannot be read", exc_info=True)
            return
        yield GaugeMetricFamily("consilium_tasks_queued",
                                "Background tasks ready and waiting for a worker.",
                                value=queue.queued)
        yield GaugeMetricFamily("consilium_tasks_oldest_seconds",
                                "How long the oldest waiting task has waited (0: none waits).",
                                value=queue.oldest_seconds or 0)
        yield GaugeMetricFamily("consilium_audit_pending",
                                "Audit rows appended and not sealed into the chain yet.",
                                value=pending.queued)
        yield GaugeMetricFamily("consilium_audit_oldest_pending_seconds",
                                "How long the oldest pending audit row has waited for the "
                                "sealer (0: none waits).", value=pending.oldest_seconds or 0)


def exposition() -> bytes:
    """Every metric in Prometheus's text format."""
    queue = CollectorRegistry()
    queue.register(TaskQueueCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        MultiProcessCollector(workers)
        return generate_latest(workers) + generate_latest(queue)
    return generate_latest(REGISTRY) + generate_latest(queue)
