"""A refused action's page says why and leads on: back to the case when the request was
under one, to the start page otherwise."""


def test_a_conflict_under_a_case_links_back_to_the_case(journey, users, login, client):
    case, _ = journey("draft")
    login(users["patient"])
    answer = client.post(f"/cases/{case.id}/close/")
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "Nothing was changed" in page
    assert f'<a href="/cases/{case.id}/">Back to the case</a>' in page
    assert "Back to the start page" not in page


def test_a_conflict_elsewhere_links_to_the_start_page(journey, users, login, client):
    _, consultation = journey("accepted")
    login(users["specialist"])
    answer = client.post(f"/consultations/{consultation.id}/accept/")
    assert answer.status_code == 409
    page = answer.content.decode()
    assert '<a href="/">Back to the start page</a>' in page and "Back to the case" not in page
