"""The decision aid: its options come from the opinions, the patient's weights and ratings
make the chart, the SURE test says when more support is needed, and only the patient
changes it."""

import io

import pytest
from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.cases.models import Case, Status
from consilium.decisions import aid
from consilium.decisions.actions import do_save_decision_aid
from consilium.decisions.models import DecisionAid
from consilium.errors import Conflict, InvalidInput, NotAllowed


@pytest.fixture
def delivered(journey):
    case, _ = journey("opinion_delivered")
    return case


def option_keys(case, user):
    from consilium.decisions.access import options_of_case
    return [o.key for o in options_of_case(user, case)]


def test_the_options_are_the_first_proposal_and_the_opinions(delivered, users):
    options = {o.title: o for o in aid.options_for(delivered, [
        delivered.consultations.get().opinion])}
    assert list(options) == ["Mastectomy", "Lumpectomy and radiation"]  # nothing invented
    second = options["Lumpectomy and radiation"]
    assert second.recommended
    assert second.source == "Recommended in the second opinion (Dr. Helen Okafor)"
    # IPDAS: benefits, harms and what living with it is like, for each option
    assert all([second.benefits, second.harms, second.living_with])


@pytest.mark.parametrize("answers,score,support", [
    ({"sure": True, "understand": True, "values": True, "support": True}, 4, False),
    ({"sure": True, "understand": True, "values": True, "support": False}, 3, True),
    ({"sure": False, "understand": False, "values": False, "support": False}, 0, True),
    ({"sure": True, "understand": True, "values": True}, None, None),  # not all answered
])
def test_sure_scoring(answers, score, support):
    found = aid.sure_score(DecisionAid(sure=answers))
    assert found == score
    if score is not None:
        assert (found <= 3) is support


def test_the_fit_weighs_each_rating_by_how_much_it_matters():
    options = [aid.Option("a", "A", ""), aid.Option("b", "B", ""), aid.Option("c", "C", "")]
    work = DecisionAid(weights={"effectiveness": 10, "recovery": 5, "cost": 0},
                       ratings={"a": {"effectiveness": 8, "recovery": 2, "cost": 10},
                                "b": {"effectiveness": 5, "recovery": 10}})
    # a: (10*8 + 5*2) / (15*10) = 60; cost weighs nothing. c: not rated.
    assert aid.scores(work, options) == {"a": 60, "b": 67, "c": None}
    svg = aid.chart_svg(options, aid.scores(work, options))
    assert svg.startswith("<svg") and "not rated yet" in svg and ">67<" in svg


def test_the_patient_works_through_it_and_bad_input_changes_nothing(delivered, users, login,
                                                                     client):
    login(users["patient"])
    page = client.get(f"/cases/{delivered.id}/decide/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lumpectomy and radiation" in html and "Watchful waiting" not in html
    first, second = option_keys(delivered, users["patient"])
    saved = client.post(f"/cases/{delivered.id}/decide/", {
        "section": "weigh", "own1": "Keeping my breast", "own2": "", "own3": "",
        "weight_effectiveness": "10", "weight_own1": "8", "weight_cost": "",
        f"rate_{first}__effectiveness": "9", f"rate_{first}__own1": "0",
        f"rate_{second}__effectiveness": "9", f"rate_{second}__own1": "10"})
    assert saved.status_code == 302
    work = DecisionAid.objects.get(case=delivered)
    assert work.own_criteria == ["Keeping my breast", "", ""]
    assert work.weights == {"effectiveness": 10, "own1": 8}
    assert work.ratings[second] == {"effectiveness": 9, "own1": 10}
    html = client.get(f"/cases/{delivered.id}/decide/").content.decode()
    assert "Keeping my breast" in html and ">94<" in html  # (10*9 + 8*10) / 180

    for bad in ({"weight_effectiveness": "11"}, {f"rate_{first}__effectiveness": "-1"},
                {"rate_nosuchoption__effectiveness": "5"}, {"weight_nonsense": "3"}):
        refused = client.post(f"/cases/{delivered.id}/decide/", {"section": "weigh", **bad})
        assert refused.status_code == 422
    work.refresh_from_db()
    assert work.weights == {"effectiveness": 10, "own1": 8}

    client.post(f"/cases/{delivered.id}/decide/", {
        "section": "support", "support": "My sister", "pressure": "some",
        "sure_sure": "yes", "sure_understand": "yes", "sure_values": "no",
        "sure_support": "yes"})
    html = client.get(f"/cases/{delivered.id}/decide/").content.decode()
    assert "Your SURE score: 3 of 4." in html and "You may need more support" in html
    assert AuditEntry.objects.filter(action="decision_aid.save", case_id=delivered.id).count() == 2


def test_only_the_patient_changes_it_and_others_who_see_the_case_read_it(
        delivered, users, login, client):
    with pytest.raises(NotAllowed):
        do_save_decision_aid(delivered, {"role": "alone"}, acting_user=users["coordinator"])
    with pytest.raises(InvalidInput):
        do_save_decision_aid(delivered, {"role": "whoever"}, acting_user=users["patient"])
    do_save_decision_aid(delivered, {"role": "shared", "next_steps": "Book the surgeon."},
                         acting_user=users["patient"])
    login(users["coordinator"])
    page = client.get(f"/cases/{delivered.id}/decide/").content.decode()
    assert "only the patient can change it" in page and "Book the surgeon." in page
    # its inputs are disabled: the table's sideways scroll is reached from the keyboard itself
    assert '<div class="table-scroll" tabindex="0" role="region"' in page
    assert client.post(f"/cases/{delivered.id}/decide/", {"section": "step1",
                                                          "role": "alone"}).status_code == 403
    login(users["patient2"])
    assert client.get(f"/cases/{delivered.id}/decide/").status_code == 404


def test_the_one_page_summary_carries_the_decision_and_the_weighing(delivered, users, login,
                                                                  client):
    from consilium.decisions.actions import do_record_decision

    do_save_decision_aid(delivered, {"weights": {"effectiveness": 9},
                                     "next_steps": "Book the surgeon."},
                         acting_user=users["patient"])
    do_record_decision(delivered, "second_opinion", "Keeps my breast, same survival.",
                       acting_user=users["patient"])
    login(users["patient"])
    answer = client.get(f"/cases/{delivered.id}/decide/summary.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    for phrase in ("Follow the second opinion", "Keeps my breast, same survival.",
                   "Works well", "Book the surgeon.", "Dr. Helen Okafor"):
        assert phrase in text


def test_a_case_closed_since_it_was_read_is_refused_and_nothing_is_saved(delivered, users):
    """The policy is asked on the row as it is under the lock, not on the caller's copy."""
    stale = Case.objects.get(id=delivered.id)  # read while the opinion is delivered
    Case.objects.filter(id=delivered.id).update(status=Status.CLOSED)
    with pytest.raises(Conflict):
        do_save_decision_aid(stale, {"role": "alone"}, acting_user=users["patient"])
    assert not DecisionAid.objects.filter(case=delivered).exists()


@pytest.mark.parametrize("sent, field, message", [
    ({"weights": {"effectiveness": "11"}}, "weights", "Use whole numbers from 0 to 10."),
    ({"weights": {"nonsense": "3"}}, "weights", "Unknown point: nonsense."),
    ({"ratings": {"first": {"effectiveness": "ten"}}}, "ratings.first",
     "Use whole numbers from 0 to 10."),
    ({"ratings": {"nosuchoption": {"effectiveness": "5"}}}, "ratings",
     "A rating names an option this case does not have."),
    ({"role": "whoever"}, "role", "Choose one of the answers."),
    ({"pressure": "maybe"}, "pressure", "Choose one of the answers."),
    ({"decide_by": "soon"}, "decide_by", "Give a date, such as 2026-12-31."),
    ({"own_criteria": ["x" * 81, "", ""]}, "own_criteria",
     "Keep each of your own points under 80 characters."),
    ({"sure": {"maybe": True}}, "sure", "Answer the four questions of the SURE test."),
    ({"next_steps": "x" * 5001}, "next_steps", "Keep this under 5,000 characters."),
])
def test_bad_input_is_named_in_plain_words(delivered, users, sent, field, message):
    with pytest.raises(InvalidInput) as refused:
        do_save_decision_aid(delivered, sent, acting_user=users["patient"])
    assert refused.value.errors == {field: message}
    assert not DecisionAid.objects.filter(case=delivered).exists()


def test_empty_answers_are_left_out_and_an_empty_choice_clears(delivered, users):
    work = do_save_decision_aid(delivered, {
        "role": "shared", "decide_by": "2026-12-31", "weights": {"cost": "", "risks": "4"}},
        acting_user=users["patient"])
    assert (work.role, str(work.decide_by), work.weights) == ("shared", "2026-12-31",
                                                              {"risks": 4})
    work = do_save_decision_aid(delivered, {"role": "", "decide_by": ""},
                                acting_user=users["patient"])
    work.refresh_from_db()
    assert (work.role, work.decide_by, work.weights) == ("", None, {"risks": 4})
