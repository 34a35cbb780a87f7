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


def test_a_conflict_under_a_consultation_links_back_to_its_case(journey, users, login, client):
    case, consultation = journey("accepted")
    login(users["specialist"])
    answer = client.post(f"/consultations/{consultation.id}/accept/")
    assert answer.status_code == 409
    page = answer.content.decode()
    assert f'<a href="/cases/{case.id}/">Back to the case</a>' in page
    assert "Back to the start page" not in page
    # a second click is told it is done already, not that an accepted one "cannot be accepted"
    assert "This consultation is already accepted." in page
    assert "cannot be accepted" not in page


def test_the_case_behind_a_consultation_is_found_only_for_those_who_see_it(journey, users):
    """The error page's link reads consultations.access: someone who cannot see the
    consultation gets the start page (and no refusal is written for drawing a link)."""
    from consilium.audit.models import AuditEntry
    from consilium.consultations.access import visible_case_id

    case, consultation = journey("accepted")
    assert visible_case_id(users["specialist"], consultation.id) == case.id
    assert visible_case_id(users["coordinator"], consultation.id) == case.id
    before = AuditEntry.objects.count()
    for name in ("specialist2", "patient2", "admin"):
        assert visible_case_id(users[name], consultation.id) is None
    assert visible_case_id(users["specialist"], "not-an-id") is None
    assert AuditEntry.objects.count() == before


def test_a_refusal_elsewhere_links_to_the_start_page(users, login, client):
    login(users["coordinator"])
    answer = client.get("/account/availability/")
    assert answer.status_code == 403
    page = answer.content.decode()
    assert '<a href="/">Back to the start page</a>' in page and "Back to the case" not in page
