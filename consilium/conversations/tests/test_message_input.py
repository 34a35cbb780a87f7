"""A message is read by its declared schema (conversations/schemas.py MessageIn), the API's
payload too: a blank, too long or non-text body, an unknown audience, a thread that is no
message, the page and the API refuse alike naming the field, and nothing is sent."""

import pytest
from django.utils.html import escape

from consilium.conversations.models import Message

pytestmark = pytest.mark.django_db

AUDIENCE = "Choose everyone on the case or the care team only."


@pytest.mark.parametrize("data, field, message", [
    ({"body": ""}, "body", "Write the message."),
    ({"body": " \n\t "}, "body", "Write the message."),
    ({"body": "x" * 10_001}, "body", "Keep this under 10,000 characters."),
    ({"body": "Hi", "audience": "everyone"}, "audience", AUDIENCE),
    ({"body": "Hi", "audience": "STAFF"}, "audience", AUDIENCE),
    ({"body": "Hi", "reply_to": "not-an-id"}, "reply_to", "That message is not part of this case."),
])
def test_a_message_refuses_alike_on_the_page_and_the_api(client, login, api, users, journey,
                                                        data, field, message):
    case, _ = journey("accepted")
    login(users["coordinator"])
    page = client.post(f"/cases/{case.id}/messages/", data)
    assert page.status_code == 422 and escape(message) in page.content.decode()
    answer = api(users["coordinator"], "POST", f"/cases/{case.id}/messages", data)
    assert answer.status_code == 422 and answer.json()["errors"] == {field: message}
    assert not Message.objects.exists()


@pytest.mark.parametrize("body, field, message", [
    ({}, "body", "Fill in this field."),
    ({"body": None}, "body", "Write the message."),
    ({"body": 12}, "body", "Write this as text."),
    ({"body": {"nested": ["junk"]}}, "body", "Write this as text."),
    ({"body": "Hi", "audience": ["staff"]}, "audience", AUDIENCE),
    ({"body": "Hi", "audience": 1}, "audience", AUDIENCE),
    ({"body": "Hi", "audience": None}, "audience", AUDIENCE),
    ({"body": "Hi", "audience": "case "}, "audience", AUDIENCE),
    ({"body": "Hi", "reply_to": 12}, "reply_to", "That message is not part of this case."),
    ({"body": "Hi", "blocking": "perhaps"}, "blocking", "Give true or false."),
])
def test_a_hostile_message_is_refused_by_the_api(api, users, journey, body, field, message):
    case, _ = journey("accepted")
    answer = api(users["specialist"], "POST", f"/cases/{case.id}/messages", body)
    assert answer.status_code == 422 and answer.json()["errors"] == {field: message}
    assert not Message.objects.exists()


def test_no_audience_means_everyone_on_the_case(api, users, journey):
    case, _ = journey("accepted")
    answer = api(users["coordinator"], "POST", f"/cases/{case.id}/messages",
                 {"body": "  Hello.  "})
    assert answer.status_code == 201 and answer.json()["audience"] == "case"
    assert Message.objects.get().body == "Hello."


def test_the_spec_gives_the_audience_s_choices_and_the_body_s_limit(client):
    from consilium.tests.test_openapi_enums import enum_of

    spec = client.get("/api/v1/openapi.json").json()
    props = spec["components"]["schemas"]["MessageIn"]["properties"]
    assert props["body"]["maxLength"] == 10_000
    assert set(enum_of(spec, props["audience"])) == {"case", "staff"}
