"""A malformed ID in a path answers the same 404 everywhere: the 404 page on pages, and
``{"detail": "Not found."}`` from the API, whoever asks and whatever the method.

Every URL pattern and every API operation is called with each of its path parameters
replaced by a malformed value (the others are the world's real IDs, so that only the one
parameter is wrong), as the case's patient, who may see everything the other IDs name.
"""

import re

import pytest
from django.test import Client

from consilium.tests import test_access_matrix as matrix
from consilium.tests.test_access_matrix import api_operations, fill, page_patterns

world = matrix.world  # the access matrix's fixture: one case with something of every kind

MALFORMED = {
    "a letter": "x",
    "dot dot": "..",
    "dot dot slash": "%2E%2E%2F",
    "37 characters": "0" * 37,
    "a UUID and one more": "12345678-1234-1234-1234-1234567890123",
    "upper-case UUID": "12345678-ABCD-1234-1234-123456789012",
    "NUL": "%00",
    "beyond 64 bits": "9" * 20,
    "negative": "-1",
}
# Parameters that are no IDs: Django's password-reset link (its view explains a bad link),
# an opinion report's kind and the links' tokens (each a lookup of its own, tested with it).
NOT_IDS = {"uidb64", "token", "kind"}


def _params(route: str) -> list[str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>|\{(?:\w+:)?(\w+)\}", route)
    return [name for pair in names for name in pair if name and name not in NOT_IDS]


def _malformed(route: str, ids: dict):
    for param in _params(route):
        for label, value in MALFORMED.items():
            yield param, label, fill(route, {**ids, param: value})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_page_answers_404_to_a_malformed_id(world, users, login):
    client = login(users["patient"], Client())
    assert client.get(fill("/cases/<uuid:case_id>/", world["ids"])).status_code == 200
    problems = []
    for name, route in page_patterns():
        for param, label, url in _malformed(route, world["ids"]):
            response = client.get(url)
            templates = [template.name for template in response.templates]
            if response.status_code != 404 or "404.html" not in templates:
                problems.append(f"{name} {param} ({label}) {url}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_every_operation_answers_the_same_404_to_a_malformed_id(world, users, token_for):
    client = Client(headers={"Authorization": f"Bearer {token_for(users['patient'])}"})
    # The world's own IDs reach the operation (so the 404s below are the malformed ID's).
    assert client.get(fill("/api/v1/cases/{case_id}", world["ids"])).status_code == 200
    checked = 0
    problems = []
    for operation_id, method, path in api_operations():  # paths start with /api/v1
        for param, label, url in _malformed(path, world["ids"]):
            response = client.generic(method, url, "{}", content_type="application/json")
            checked += 1
            if (response.status_code, response.get("Content-Type"), _body(response)) != (
                    404, "application/json; charset=utf-8", b'{"detail": "Not found."}'):
                problems.append(f"{operation_id} {param} ({label}) {method} {url}: "
                                f"{response.status_code} {_body(response)[:80]}")
    assert checked > 100
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("url", ["/api/v1/no-such-thing", "/api/v1/cases/x/no-such-thing"])
def test_an_unknown_api_path_answers_the_api_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
