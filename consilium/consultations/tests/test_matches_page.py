"""The coordinator's matching page: proposals with reasons, the rules' summary, the weights,
offering from it, and the next proposal after a decline; it and the API of offering a case
live in consultations/ under their old addresses."""

from django.urls import resolve, reverse

from consilium.api import api as ninja_api
from consilium.consultations import views
from consilium.consultations.actions import do_decline_consultation
from consilium.consultations.models import Consultation


def test_the_coordinator_sees_explained_proposals_and_offers(client, login, users, journey,
                                                            django_assert_max_num_queries):
    case, _ = journey("submitted")
    login(users["coordinator"])
    # 37: the keys of the known hospital systems and names, compared with the case's, two;
    # the known systems near the first opinion's names (by the prefix of their names and
    # aliases, then the nearest), three; the institutions near its facility, two; whether an
    # offer is open (the undo links wait for it), one
    with django_assert_max_num_queries(37):
        page = client.get(f"/cases/{case.id}/matches/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Dr. Helen Okafor" in text and "Dr. Daniel Weiss" in text
    assert "Dr. Same System" not in text.split("Who was left out")[0]
    assert "1 same hospital system or facility as an earlier opinion" in text
    assert "Board-certified in Medical Oncology" in text and "Specialty fit" in text
    detail = client.get(f"/cases/{case.id}/").content.decode()
    assert "Proposed specialists" in detail and "Offer the case" in detail
    first = page.context["matches"].proposals[0].specialist
    response = client.post(f"/cases/{case.id}/offer/", {"specialist_id": first.id})
    assert response.status_code == 302
    assert Consultation.objects.get(case=case).specialist == first
    after = client.get(f"/cases/{case.id}/matches/")
    assert "offer" not in after.context["allowed"]
    assert "Offer the case" not in after.content.decode()


def test_after_a_decline_the_next_proposal_comes_first(client, login, users, journey):
    case, consultation = journey("offered")
    declined = consultation.specialist
    do_decline_consultation(consultation, "Too busy this month",
                            acting_user=users["specialist"])
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/")
    proposals = [p.specialist for p in page.context["matches"].proposals]
    assert declined not in proposals and proposals[0].name == "Dr. Daniel Weiss"
    assert "offer" in page.context["allowed"]


def test_patients_see_proposals_only_where_the_program_lets_them_choose(
        client, login, users, journey, settings):
    case, _ = journey("submitted")
    login(users["patient"])
    assert client.get(f"/cases/{case.id}/matches/").status_code == 403
    settings.PATIENTS_CHOOSE_SPECIALIST = True
    page = client.get(f"/cases/{case.id}/matches/")
    assert page.status_code == 200 and "offer" in page.context["allowed"]
    choice = page.context["matches"].proposals[0].specialist
    client.post(f"/cases/{case.id}/offer/", {"specialist_id": choice.id})
    assert Consultation.objects.get(case=case).specialist == choice
    login(users["patient2"])
    assert client.get(f"/cases/{case.id}/matches/").status_code == 404


MOVED = {  # to consultations/api.py from directory/api.py and cases/api.py
    ("get", "/api/v1/cases/{case_id}/matches"): "consultations_api_case_matches",
    ("get", "/api/v1/cases/{case_id}/consultations"): "consultations_api_list_consultations",
    ("post", "/api/v1/cases/{case_id}/consultations"):
        "consultations_api_offer_consultation",
}


def test_offering_a_case_lives_in_consultations_at_its_old_addresses(journey):
    case, _ = journey("submitted")
    page = resolve(f"/cases/{case.id}/matches/")
    assert page.func is views.matches and page.url_name == "case_matches"
    assert reverse("case_matches", args=[case.id]) == f"/cases/{case.id}/matches/"
    paths = ninja_api.get_openapi_schema()["paths"]
    for (method, path), operation in MOVED.items():
        assert paths[path][method]["operationId"].endswith(operation), path
        assert paths[path][method]["tags"] == ["consultations"], path
