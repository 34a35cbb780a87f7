"""An offer sent twice with the same one-time key (a double click, an API retry) is one
consultation and the same success; an offer to another specialist while one is open is
still refused with 409 (consilium/submissions)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from consilium.cases.intake_actions import do_save_intake_summary
from consilium.consultations.models import Consultation


def test_the_offer_form_sent_twice_lands_on_the_same_success(journey, users, specialists,
                                                            login, client):
    case, _ = journey("submitted")
    # With the case summary written: the offer says only that it is made (no warning).
    do_save_intake_summary(case, {"key_question": "Is surgery needed?"},
                           acting_user=users["coordinator"], base_version=0)
    login(users["coordinator"])
    matches = client.get(reverse("case_matches", args=[case.id])).content.decode()
    assert 'name="submission_key"' in matches.split(reverse("case_offer", args=[case.id]))[1]
    data = {"specialist_id": specialists["specialist"].id, "submission_key": "o" * 24}
    url = reverse("case_offer", args=[case.id])
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    said = [str(m) for m in get_messages(second.wsgi_request)]
    assert said == [f"The case is offered to {specialists['specialist'].name}."] * 2
    assert Consultation.objects.filter(case=case).count() == 1
    assert case.events.filter(kind="offered").count() == 1
    # Another form (another specialist, another key) while the offer is open: refused.
    other = client.post(url, {"specialist_id": specialists["specialist2"].id,
                              "submission_key": "O" * 24})
    assert other.status_code == 409
    assert Consultation.objects.filter(case=case).count() == 1


def test_the_api_with_the_same_key_answers_the_first_offer(journey, users, specialists,
                                                          client, token_for):
    case, _ = journey("submitted")
    headers = {"Authorization": f"Bearer {token_for(users['coordinator'])}",
               "Idempotency-Key": "offer-retry-0001"}

    def offer(specialist, **extra):
        return client.post(f"/api/v1/cases/{case.id}/consultations",
                           {"specialist_id": specialists[specialist].id},
                           content_type="application/json", headers={**headers, **extra})

    first, second = offer("specialist"), offer("specialist")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Consultation.objects.filter(case=case).count() == 1
    # The same key for another specialist, or another key: the open offer stands (409).
    assert offer("specialist2").status_code == 409
    assert offer("specialist2", **{"Idempotency-Key": "offer-retry-0002"}).status_code == 409
    assert offer("specialist", **{"Idempotency-Key": "offer-retry-0003"}).status_code == 409
    assert Consultation.objects.filter(case=case).count() == 1
