"""Why a consultation ends (declined, withdrawn, handed back) is read by a declared schema
(consultations/schemas.py): blank, only spaces, too long, not text or left out, the page and
the API refuse it alike, naming the reason, and the consultation does not move."""

import pytest
from django.utils.html import escape

from consilium.consultations.models import ConsultationStatus

pytestmark = pytest.mark.django_db

FOR_COORDINATOR = "Say why, so the coordinator can find someone else."
FOR_HISTORY = "Say why, for the case's history and the next coordinator."
TOO_LONG = "Keep this under 2,000 characters."

ENDINGS = [  # (action, state it starts from, who ends it, what a blank reason reads)
    ("decline", "offered", "specialist", FOR_COORDINATOR),
    ("withdraw", "offered", "coordinator", FOR_HISTORY),
    ("release", "accepted", "specialist", FOR_COORDINATOR),
]


@pytest.mark.parametrize("action, upto, who, missing", ENDINGS)
@pytest.mark.parametrize("reason, expected", [
    ("", None), ("   \n\t ", None), ("x" * 2001, TOO_LONG),
])
def test_a_reason_refuses_alike_on_the_page_and_the_api(client, login, api, users, journey,
                                                        action, upto, who, missing, reason,
                                                        expected):
    message = expected or missing
    _, consultation = journey(upto)
    status = consultation.status
    login(users[who])
    page = client.post(f"/consultations/{consultation.id}/{action}/", {"reason": reason})
    assert page.status_code == 422 and escape(message) in page.content.decode()
    answer = api(users[who], "POST", f"/consultations/{consultation.id}/{action}",
                 {"reason": reason})
    assert answer.status_code == 422 and answer.json()["errors"] == {"reason": message}
    consultation.refresh_from_db()
    assert consultation.status == status


@pytest.mark.parametrize("action, upto, who, missing", ENDINGS)
@pytest.mark.parametrize("body, message", [
    ({}, "Fill in this field."),
    ({"reason": None}, None),
    ({"reason": 12}, "Write this as text."),
    ({"reason": ["why", "not"]}, "Write this as text."),
    ({"reason": {"nested": "junk"}}, "Write this as text."),
])
def test_a_hostile_reason_is_refused_by_the_api(api, users, journey, action, upto, who,
                                                missing, body, message):
    _, consultation = journey(upto)
    answer = api(users[who], "POST", f"/consultations/{consultation.id}/{action}", body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"reason": message or missing}
    consultation.refresh_from_db()
    assert consultation.status in (ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED)


@pytest.mark.parametrize("action, upto, who, missing", ENDINGS)
def test_a_reason_is_kept_stripped(api, users, journey, action, upto, who, missing):
    _, consultation = journey(upto)
    answer = api(users[who], "POST", f"/consultations/{consultation.id}/{action}",
                 {"reason": "  Outside my field.  "})
    assert answer.status_code == 200
    consultation.refresh_from_db()
    kept = consultation.decline_reason if action == "decline" else consultation.end_reason
    assert kept == "Outside my field."


def test_the_spec_gives_the_reason_s_limit(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("DeclineIn", "WithdrawIn", "ReleaseIn"):
        assert schemas[name]["properties"]["reason"]["maxLength"] == 2000
        assert schemas[name]["required"] == ["reason"]
