"""Comparisons are kept when an opinion is signed, read through the case's access rules,
and reviewed by a coordinator where the specialist and the rules disagree."""

from consilium.audit.models import AuditEntry
from consilium.cases.models import EventKind
from consilium.comparison.models import Comparison


def test_signing_keeps_the_comparison_and_the_api_gives_it(journey, users, api):
    case, _ = journey("in_review")
    assert api(users["patient"], "GET", f"/cases/{case.id}/comparison").status_code == 404
    case, consultation = journey("opinion_delivered")
    stored = Comparison.objects.get(opinion__consultation=consultation)
    # mastectomy against lumpectomy with radiation, which the specialist calls an alternative
    assert (stored.diagnosis, stored.treatment, stored.impact, stored.review) == (
        "confirmed", "changed", "major", [])
    answer = api(users["patient"], "GET", f"/cases/{case.id}/comparison")
    assert answer.status_code == 200
    body = answer.json()
    assert body | {"reasons": None} == {
        "diagnosis_concordance": "confirmed", "treatment_concordance": "changed",
        "clinical_impact": "major", "reasons": None, "review_needed": False,
        "review_reasons": [], "being_reviewed": [], "reviewed": False,
        "third_opinion_suggested": True,
        "first_codes": [{"code": "C50.912",
                         "title": "Malignant neoplasm of unspecified site of left female breast"}],
        "second_codes": [], "earlier_opinions": [], "allowed_actions": ["third_opinion"]}
    assert body["reasons"] == [
        "The specialist agrees with the diagnosis.",
        "The second doctor adds radiation.",
        "The first doctor proposed removing the whole breast (a mastectomy). The second doctor "
        "proposes surgery that keeps the breast (a lumpectomy).",
        "So the two opinions differ in a major way. A third opinion may help you decide."]
    assert AuditEntry.objects.filter(action="comparison.view", case_id=case.id).exists()
    # someone the case is not shared with learns nothing, not even that it exists
    assert api(users["patient2"], "GET", f"/cases/{case.id}/comparison").status_code == 404


def test_a_disagreement_asks_the_coordinators_to_review(disputed, users, login, client, api):
    case, comparison = disputed
    assert (comparison.diagnosis, comparison.treatment, comparison.impact) == (
        "distinctly_different", "changed", "major")
    assert comparison.needs_review and len(comparison.review) == 2
    assert comparison.disputed == ["diagnosis", "treatment"]
    assert case.events.filter(kind=EventKind.REVIEW_ASKED).count() == 1

    login(users["patient"])
    page = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert "The opinions may differ in a major way" in page and "Save the review" not in page
    assert "A third opinion may help you decide" not in page  # no verdict yet
    # until a coordinator has looked, the patient sees no verdict on what is disputed
    summary = page[page.index('<ul class="concordance">'):page.index("<h3>Why</h3>")]
    assert summary.count("Being reviewed") == 3 and "Distinctly different" not in summary
    assert "A coordinator is checking this comparison" in summary
    case_page = client.get(f"/cases/{case.id}/").content.decode()
    assert case_page.count("Being reviewed") == 3
    body = api(users["patient"], "GET", f"/cases/{case.id}/comparison").json()
    assert (body["diagnosis_concordance"], body["treatment_concordance"],
            body["clinical_impact"], body["being_reviewed"]) == (
        "being_reviewed", "being_reviewed", "being_reviewed", ["diagnosis", "treatment"])
    assert body["third_opinion_suggested"] is True
    coordinator = api(users["coordinator"], "GET", f"/cases/{case.id}/comparison").json()
    assert coordinator["diagnosis_concordance"] == "distinctly_different"
    refused = client.post(f"/cases/{case.id}/comparison/review/",
                          {"diagnosis": "confirmed", "treatment": "same"})
    assert refused.status_code == 403
    comparison.refresh_from_db()
    assert comparison.reviewed_at is None and comparison.diagnosis == "distinctly_different"


def test_a_reviewed_comparison_shows_its_verdict(disputed, users, login, client):
    case, comparison = disputed
    from consilium.comparison.actions import do_review_comparison
    do_review_comparison(comparison, diagnosis="refined", treatment="changed", note="",
                         acting_user=users["coordinator"])
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert "Being reviewed" not in page and "Reviewed by a coordinator" in page
    assert "Refined" in page and "Changed" in page


def test_the_how_we_compare_note_gives_the_sources(client):
    page = client.get("/how-we-compare/").content.decode()
    assert "Van Such M" in page and "Meyer AND" in page and "Being reviewed" in page


def test_a_coordinator_settles_the_reading_and_bad_input_changes_nothing(
        disputed, users, login, client):
    case, comparison = disputed
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert "Review needed" in page and "The specialist judged the diagnosis confirmed" in page
    bad = client.post(f"/cases/{case.id}/comparison/review/",
                      {"diagnosis": "maybe", "treatment": "same"})
    assert bad.status_code == 422
    comparison.refresh_from_db()
    assert comparison.reviewed_at is None
    done = client.post(f"/cases/{case.id}/comparison/review/", {
        "diagnosis": "distinctly_different", "treatment": "modified",
        "note": "Radiation after a smaller operation: a modification."}, follow=True)
    assert done.status_code == 200 and "The comparison is reviewed" in done.content.decode()
    comparison.refresh_from_db()
    assert (comparison.diagnosis, comparison.treatment, comparison.impact) == (
        "distinctly_different", "modified", "major")
    assert (comparison.automatic_treatment, comparison.reviewed_by) == (
        "changed", users["coordinator"])
    assert not comparison.needs_review
    assert case.events.filter(kind=EventKind.COMPARISON_REVIEWED).count() == 1
    assert AuditEntry.objects.filter(action="comparison.review", case_id=case.id).count() == 1


def test_the_case_page_sums_up_and_links_to_the_comparison(journey, users, login, client):
    case, _ = journey("opinion_delivered")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "How the two opinions compare" in page and "Changed" in page
    assert f"/cases/{case.id}/comparison/" in page
    comparison = client.get(f"/cases/{case.id}/comparison/").content.decode()
    assert "C50.912 Malignant neoplasm of unspecified site of left female breast" in comparison
    assert "Lumpectomy with radiation." in comparison
    assert "Van Such" not in comparison and "/how-we-compare/" in comparison
    # the first opinion records no further tests: nothing to "differ" from
    assert "Further tests</th>" in comparison


def test_before_an_opinion_is_signed_the_page_says_when_it_comes(journey, users, login, client):
    case, _ = journey("accepted")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/comparison/")
    assert page.status_code == 200
    assert "appears here once the second opinion is signed" in page.content.decode()


def test_the_patient_facing_words_read_at_grade_eight(client, db):
    """The note and the reasons of the issue's example, measured as the opinion summary is
    (opinions/readability.py: Flesch-Kincaid)."""
    import html
    import re

    from consilium.comparison.actions import codes
    from consilium.comparison.concordance import compare
    from consilium.opinions.readability import TARGET_GRADE, grade

    page = client.get("/how-we-compare/").content.decode()
    main = page[page.index("<main"):page.index('id="sources-h"')]
    prose = html.unescape(re.sub(r"<[^>]+>", " ", main))
    assert grade(prose) <= TARGET_GRADE
    found = compare(first_codes=codes(["C50.912"]), second_codes=codes(["C50.912"]),
                    first_treatment="surgery", second_treatment="surgery",
                    first_treatment_words="Mastectomy",
                    second_treatment_words="Lumpectomy, then radiation",
                    diagnosis_agreement="agree", treatment_agreement="alternative")
    assert grade(" ".join(found.reasons)) <= TARGET_GRADE
