"""The decision aid's options come only from the opinions, once each, and a refused rating is
shown at its cell with everything else the patient typed (issue #20, part 4)."""

import re

import pytest

from consilium.conftest import PASSWORD, sign_request
from consilium.decisions import aid
from consilium.decisions.access import options_of_case
from consilium.decisions.models import DecisionAid
from consilium.errors import InvalidInput
from consilium.opinions.actions import do_save_opinion, do_sign_opinion

BREAST_CONSERVING = {
    "diagnosis_agreement": "agree",
    "treatment_agreement": "modify",
    "treatment_category": "surgery",
    "treatment_description": "Breast-conserving surgery plus radiation.",
    "reasoning": "For a 2 cm invasive ductal carcinoma without involved nodes, breast-conserving"
                 " surgery followed by whole-breast radiation gives the same survival as a"
                 " mastectomy.",
    "confidence": "high",
    "plain_summary": "The diagnosis is right. A smaller operation with radiation works as well.",
    "options": [
        {"title": "Breast-conserving surgery plus radiation", "recommended": True,
         "benefits": "Keeps the breast; the same survival as a mastectomy.",
         "harms": "Radiation on weekdays for three to six weeks; tiredness, skin redness.",
         "living_with": "Back to most activities within two weeks of the operation."},
        {"title": "Mastectomy.", "benefits": "Usually no radiation needed.",
         "harms": "A bigger operation; the breast is removed.",
         "living_with": "Four to six weeks to recover; reconstruction is possible."},
        {"title": "Neoadjuvant chemotherapy, then surgery",
         "benefits": "May shrink the tumour before the operation.",
         "harms": "Hair loss, tiredness, risk of infection for months.",
         "living_with": "Treatment every two or three weeks for about six months."},
    ],
}


def signed(journey, users, opinion, first=None):
    case, consultation = journey("accepted")
    if first:
        case.__class__.objects.filter(id=case.id).update(**first)
        case.refresh_from_db()
    answers = {q.id: {"text": "An answer."} for q in case.questions.all()}
    do_save_opinion(consultation, {**opinion, "answers": answers},
                    acting_user=users["specialist"], base_version=0)
    do_sign_opinion(consultation, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    case.refresh_from_db()
    return case


@pytest.fixture
def breast_cancer(journey, users):
    return signed(journey, users, BREAST_CONSERVING, first={
        "diagnosis_text": "Invasive ductal carcinoma, left breast, 2 cm, nodes negative",
        "treatment_description": "Mastectomy"})


@pytest.mark.parametrize("title", [
    "The larger operation first proposed", "Mastectomy, as first proposed",
    "The original plan", "The first opinion's treatment", "Wie ursprünglich geplant",
    "The operation proposed at first"])
def test_an_option_named_as_the_first_proposal_is_that_proposal(journey, users, title):
    """The issue's "lists the mastectomy twice": the specialist describes the first proposal
    by pointing at it; its benefits and harms fill the first opinion's option."""
    opinion = {**BREAST_CONSERVING, "options": [
        BREAST_CONSERVING["options"][0], {**BREAST_CONSERVING["options"][1], "title": title}]}
    case = signed(journey, users, opinion, first={
        "treatment_description": "Mastectomy of the left breast followed by chemotherapy."})
    options = options_of_case(users["patient"], case)
    assert [o.title for o in options] == [
        "Mastectomy of the left breast followed by chemotherapy.",
        "Breast-conserving surgery plus radiation"]
    assert options[0].harms == "A bigger operation; the breast is removed."
    assert "also described in the second opinion" in options[0].source


def test_words_that_only_mention_a_first_step_are_their_own_option():
    for title in ("A less invasive first step", "Physiotherapy first, then review",
                  "First-line chemotherapy"):
        assert not aid.FIRST_PROPOSAL.search(title)


def test_only_the_opinions_options_once_each_and_no_invented_watchful_waiting(
        breast_cancer, users):
    options = options_of_case(users["patient"], breast_cancer)
    assert [o.title for o in options] == [
        "Mastectomy", "Breast-conserving surgery plus radiation",
        "Neoadjuvant chemotherapy, then surgery"]
    mastectomy, conserving, neoadjuvant = options
    # the specialist's "Mastectomy." is the first opinion's treatment: one option, both named
    assert mastectomy.key == "first"
    assert mastectomy.source == ("Proposed in the first opinion; also described in the second "
                                 "opinion (Dr. Helen Okafor)")
    assert mastectomy.benefits == "Usually no radiation needed."  # the specialist's words
    # the second opinion's recommendation is its recommended option, not a second copy
    assert conserving.recommended and conserving.source == (
        "Recommended in the second opinion (Dr. Helen Okafor)")
    assert not neoadjuvant.recommended
    assert not any("watch" in o.title.lower() for o in options)


def test_watchful_waiting_is_an_option_only_when_an_opinion_names_it(journey, users):
    surveillance = {**BREAST_CONSERVING, "options": [
        *BREAST_CONSERVING["options"][:1],
        {"title": "Active surveillance", "benefits": "No treatment for now.",
         "harms": "The cancer may grow.", "living_with": "A scan every six months."}]}
    case = signed(journey, users, surveillance)
    titles = [o.title for o in options_of_case(users["patient"], case)]
    assert titles == ["Mastectomy", "Breast-conserving surgery plus radiation",
                      "Active surveillance"]


def test_the_first_opinions_watchful_waiting_is_one_option_when_the_specialist_repeats_it(
        journey, users):
    agrees = {**BREAST_CONSERVING, "treatment_agreement": "agree", "treatment_category": "",
              "treatment_description": "", "options": [
                  {"title": "  Watchful  waiting ", "recommended": True,
                   "benefits": "No treatment harms for now.", "harms": "It may grow.",
                   "living_with": "Check-ups twice a year."}]}
    case = signed(journey, users, agrees, first={"treatment_category": "watchful_waiting",
                                                 "treatment_description": ""})
    options = options_of_case(users["patient"], case)
    assert [(o.key, o.title, o.recommended) for o in options] == [
        ("first", "Watchful waiting", True)]
    assert options[0].source == ("Proposed in the first opinion; recommended in the second "
                                 "opinion (Dr. Helen Okafor)")


def test_a_recommendation_no_option_says_is_an_option_of_its_own(journey, users):
    unmarked = {**BREAST_CONSERVING, "options": BREAST_CONSERVING["options"][1:]}
    case = signed(journey, users, unmarked)
    options = options_of_case(users["patient"], case)
    assert [o.title for o in options] == ["Mastectomy",
                                          "Breast-conserving surgery plus radiation.",
                                          "Neoadjuvant chemotherapy, then surgery"]
    assert options[1].recommended and len(options[1].key) <= 40
    assert options[1].source == "Recommended in the second opinion (Dr. Helen Okafor)"
    assert [o.title for o in aid.options_for(case, [])] == ["Mastectomy"]


def test_an_agreeing_opinion_adds_its_name_to_the_first_treatment(journey, users):
    agree = {**BREAST_CONSERVING, "treatment_agreement": "agree", "treatment_category": "",
             "treatment_description": "", "options": BREAST_CONSERVING["options"][1:]}
    case = signed(journey, users, agree)
    options = options_of_case(users["patient"], case)
    assert [(o.title, o.source) for o in options] == [
        ("Mastectomy", "Proposed in the first opinion; agreed in the second opinion "
                       "(Dr. Helen Okafor)"),
        ("Neoadjuvant chemotherapy, then surgery",
         "Described in the second opinion (Dr. Helen Okafor)")]


def test_a_long_first_treatment_is_titled_by_its_kind_and_described_in_full(journey, users):
    long = ("Left mastectomy with sentinel lymph node biopsy, followed by adjuvant endocrine "
            "therapy for five years if the tumour is hormone-receptor positive.")
    case = signed(journey, users, BREAST_CONSERVING, first={"treatment_description": long})
    first = options_of_case(users["patient"], case)[0]
    assert (first.title, first.description) == ("Surgery", long)


def test_the_page_shows_each_option_once_and_a_rating_of_an_invented_option_is_refused(
        breast_cancer, users, login, client):
    login(users["patient"])
    html = client.get(f"/cases/{breast_cancer.id}/decide/").content.decode()
    assert "Watchful waiting" not in html and "Always an option" not in html
    assert html.count("<h3>Mastectomy") == 1
    assert "which of the 3 options below" in html
    refused = client.post(f"/cases/{breast_cancer.id}/decide/", {
        "section": "weigh", "weight_effectiveness": "10", "rate_watch__effectiveness": "10"})
    assert refused.status_code == 422
    with pytest.raises(InvalidInput):
        do_save_decision_aid_rating(breast_cancer, users, "watch")


def do_save_decision_aid_rating(case, users, key):
    from consilium.decisions.actions import do_save_decision_aid
    return do_save_decision_aid(case, {"ratings": {key: {"effectiveness": 10}}},
                                acting_user=users["patient"])


def cell(html, name):
    """The input named ``name`` and what follows it up to its cell's end."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>(.*?)</td>', html, re.S)
    assert found, name
    return found.group(0)


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "7.5"])
def test_a_refused_rating_is_shown_at_its_cell_and_everything_typed_stays(
        breast_cancer, users, login, client, bad):
    login(users["patient"])
    keys = [o.key for o in options_of_case(users["patient"], breast_cancer)]
    first, conserving, neoadjuvant = keys
    sent = {"section": "weigh", "own1": "Keeping my breast", "own2": "", "own3": "",
            "weight_effectiveness": "10", "weight_own1": "9", "weight_recovery": "4",
            f"rate_{first}__effectiveness": "9", f"rate_{first}__own1": "0",
            f"rate_{conserving}__effectiveness": "9", f"rate_{conserving}__own1": bad,
            f"rate_{neoadjuvant}__recovery": "3"}
    answer = client.post(f"/cases/{breast_cancer.id}/decide/", sent)
    assert answer.status_code == 422
    assert not DecisionAid.objects.filter(case=breast_cancer).exists()  # nothing saved
    html = answer.content.decode()
    # everything else typed is still there
    assert 'value="Keeping my breast"' in html
    for name in ("weight_effectiveness", "weight_own1", "weight_recovery",
                 f"rate_{first}__effectiveness", f"rate_{conserving}__effectiveness",
                 f"rate_{neoadjuvant}__recovery"):
        assert f'value="{sent[name]}"' in cell(html, name), name
    # the refused cell keeps what was typed, is marked, and says what is wrong there
    refused = cell(html, f"rate_{conserving}__own1")
    assert f'value="{bad}"' in refused and 'aria-invalid="true"' in refused
    assert "Use a whole number from 0 to 10." in refused
    assert 'aria-describedby="rate_' in refused
    # the other cells are not marked
    assert 'aria-invalid' not in cell(html, f"rate_{first}__own1")
    # the top says which cell and where, with a link to it
    top = html.split('<section class="panel" aria-labelledby="step1">')[0]
    assert "Nothing was saved" in top
    assert ("Breast-conserving surgery plus radiation, “Keeping my breast”: use a whole "
            "number from 0 to 10.") in top
    assert f'href="#rate_{conserving}__own1"' in top


def test_a_refused_weight_is_shown_at_its_cell(breast_cancer, users, login, client):
    login(users["patient"])
    answer = client.post(f"/cases/{breast_cancer.id}/decide/", {
        "section": "weigh", "own1": "", "own2": "", "own3": "",
        "weight_effectiveness": "11", "weight_risks": "8", "rate_first__risks": "6"})
    assert answer.status_code == 422
    html = answer.content.decode()
    refused = cell(html, "weight_effectiveness")
    assert 'value="11"' in refused and 'aria-invalid="true"' in refused
    assert "Use a whole number from 0 to 10." in refused
    assert 'value="8"' in cell(html, "weight_risks")
    assert 'value="6"' in cell(html, "rate_first__risks")
    assert "How much “Works well” matters to you: use a whole number" in html


def test_a_refused_date_keeps_the_role_chosen_and_is_shown_at_the_field(
        breast_cancer, users, login, client):
    login(users["patient"])
    answer = client.post(f"/cases/{breast_cancer.id}/decide/", {
        "section": "step1", "decide_by": "next friday", "role": "shared"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'value="next friday"' in html
    assert re.search(r'value="shared"\s+checked', html)
    field = html.split('id="decide_by"')[1].split("</div>")[0]
    assert 'aria-invalid="true"' in field and "Give a date, such as 2026-12-31." in field


def test_the_chart_is_drawn_narrow_enough_to_read_on_a_phone():
    """On a 360-pixel screen the chart is drawn about its own size: each label on its own
    line above its bar, text at 13 units or more in a view box at most 360 wide."""
    options = [aid.Option("first", "Mastectomy", ""),
               aid.Option("o1", "Breast-conserving surgery plus radiation", ""),
               aid.Option("o2", "Neoadjuvant chemotherapy, then surgery", "")]
    svg = str(aid.chart_svg(options, {"first": 55, "o1": 82, "o2": None}))
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    assert width <= 360
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]
    assert min(sizes) >= 13
    assert "Breast-conserving surgery plus radiation<" in svg  # not cut short
    assert 'class="chart stacked"' in svg
