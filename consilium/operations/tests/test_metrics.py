"""/metrics: Prometheus's format, closed unless a token is set, counting requests by route
name (never a path, an ID or a token)."""

import re

import pytest
from django.test import Client

from consilium.audit.trail import record
from consilium.records.tasks import read_record

TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN

    def read() -> str:
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.content.decode()
    return read


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample, 0 when it is not there yet."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.partition(" ")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_closed_without_a_token(db, client):
    assert client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(db, client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_requests_are_counted_and_timed_by_route_name(db, client, scrape, journey, login):
    case, _ = journey("submitted")
    before = scrape()
    login(case.patient)
    assert client.get(f"/cases/{case.id}/").status_code == 200
    client.get("/invitations/a-secret-invitation-token/")
    after = scrape()
    labels = {"route": "case_detail", "method": "GET", "status": "200"}
    assert sample(after, "consilium_requests_total", **labels) == \
        sample(before, "consilium_requests_total", **labels) + 1
    assert sample(after, "consilium_request_duration_seconds_count", route="case_detail",
                  method="GET") >= 1
    assert sample(after, "consilium_requests_total", route="accept_invitation") >= 1
    # Route names only: no path, no case's ID, no link's token.
    assert str(case.id) not in after and "a-secret-invitation-token" not in after
    assert "/cases/" not in after


def test_the_task_queue_is_exported(db, scrape):
    read_record.enqueue("0" * 32)
    text = scrape()
    assert sample(text, "consilium_tasks_queued") == 1
    assert "consilium_tasks_oldest_seconds" in text


def test_the_audit_sealers_backlog_is_exported(db, scrape, users):
    before = sample(scrape(), "consilium_audit_pending")
    record(users["patient"], "user.view", users["physician"])
    text = scrape()
    assert sample(text, "consilium_audit_pending") == before + 1
    assert "consilium_audit_oldest_pending_seconds" in text


def test_a_prometheus_scraping_by_address_is_answered(db, settings, scrape):
    """Prometheus scrapes each machine by its address, over plain HTTP."""
    settings.SECURE_SSL_REDIRECT, settings.ALLOWED_HOSTS = True, ["opinions.example"]
    response = Client(HTTP_HOST="10.0.0.5:8000").get("/metrics",
                                                     HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
