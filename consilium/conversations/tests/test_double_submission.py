"""A message sent twice with the same one-time key (a double click, an API retry) is one
message and the same answer; another key is another message (consilium/submissions)."""

from django.core import mail

from consilium.conversations.models import Message
from consilium.records.models import Record


def test_the_messages_page_sent_twice_is_one_message(client, login, journey, users):
    case, _ = journey("accepted")
    login(users["patient"])
    url = f"/cases/{case.id}/messages/"
    form = client.get(url).content.decode()
    assert form.count('name="submission_key"') == 1  # the new message's form (no threads yet)
    data = {"body": "Is the scan from March included?", "submission_key": "m" * 24}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Message.objects.filter(case=case).count() == 1
    client.post(url, {**data, "submission_key": "M" * 24})  # another rendering of the form
    assert Message.objects.filter(case=case).count() == 2


def test_a_reply_with_a_file_sent_twice_is_one_reply_and_one_record(client, login, journey,
                                                                     users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, _ = journey("accepted")
    login(users["patient"])
    url = f"/cases/{case.id}/messages/"
    client.post(url, {"body": "A question.", "submission_key": "q" * 24})
    thread = Message.objects.get(case=case)
    assert 'name="submission_key"' in client.get(url).content.decode().split(
        f'value="{thread.id}"')[0].rsplit("<form", 1)[1]  # the reply form has its key
    records = Record.objects.filter(case=case).count()
    mail.outbox.clear()
    for _ in range(2):
        reply = client.post(url, {"body": "The letter.", "reply_to": str(thread.id),
                                  "submission_key": "r" * 24,
                                  "files": SimpleUploadedFile("letter.txt", b"Dear doctor")})
        assert reply.status_code == 302
    assert Message.objects.filter(case=case, reply_to=thread).count() == 1
    assert Record.objects.filter(case=case).count() == records + 1
    told = len(mail.outbox)
    client.post(url, {"body": "The letter.", "reply_to": str(thread.id),
                      "submission_key": "r" * 24})
    assert len(mail.outbox) == told  # a repeat tells no one again


def test_the_api_with_the_same_key_answers_the_first_message(client, journey, users, token_for):
    case, _ = journey("accepted")
    url = f"/api/v1/cases/{case.id}/messages"
    headers = {"Authorization": f"Bearer {token_for(users['patient'])}",
               "Idempotency-Key": "retry-after-a-timeout"}

    def send(**extra):
        return client.post(url, {"body": "Any news?"}, content_type="application/json",
                           headers={**headers, **extra})

    first, second = send(), send()
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Message.objects.filter(case=case).count() == 1
    assert send(**{"Idempotency-Key": "another-request-1"}).status_code == 201
    assert Message.objects.filter(case=case).count() == 2
    assert send(**{"Idempotency-Key": "bad key!"}).status_code == 422
    assert Message.objects.filter(case=case).count() == 2
