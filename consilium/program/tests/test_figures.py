"""The program's figures: aggregate queries over what the journey leaves behind."""

import csv
import io

import time_machine

from consilium.comparison.actions import do_request_third_opinion
from consilium.comparison.models import Comparison
from consilium.comparison.tests.conftest import sign_with
from consilium.decisions.actions import do_record_decision
from consilium.program.figures import percentile, program_figures


def test_percentiles_by_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([(3, 1)], 90) == 3
    histogram = [(2, 5), (4, 3), (9, 2)]  # 2 2 2 2 2 4 4 4 9 9
    assert (percentile(histogram, 50), percentile(histogram, 90)) == (2, 9)


def test_the_figures_count_the_journey(journey, users, django_assert_max_num_queries):
    # agrees with the diagnosis; keeps the breast and adds radiation: a changed treatment
    confirmed, _ = journey("opinion_delivered")
    disputed, consultation = journey("in_review")
    sign_with(consultation, users["specialist"], diagnosis_agreement="disagree",
              diagnosis_codes=["C56.9"], diagnosis_comment="Ovarian primary.",
              treatment_category="chemotherapy")
    disputed.refresh_from_db()
    do_request_third_opinion(disputed, acting_user=users["patient"])
    do_record_decision(confirmed, "second_opinion", "", acting_user=users["patient"])
    journey("submitted")
    with django_assert_max_num_queries(8):
        found = program_figures()
    overall = found.overall
    assert (overall.opinions, overall.confirmed, overall.different) == (2, 1, 1)
    assert (overall.treatment_changed, overall.major) == (2, 2)
    assert (found.third_opinions, found.third_opinion_rate) == (1, 50.0)
    assert (found.decisions, found.decided_second, found.decided_second_rate) == (1, 1, 100.0)
    states = dict(found.cases_by_state)
    assert states["Submitted"] == 2 and states["Opinion delivered"] == 1
    assert states["Decided"] == 1
    assert [(r.label, r.opinions) for r in found.by_specialty] == [("Medical Oncology", 2)]
    assert sum(r.opinions for r in found.by_month) == 2
    # accepted and signed the same day: no business day passed, and on time
    assert found.turnaround_median == 0 and overall.in_time == overall.timed == 2


def test_turnaround_counts_business_days_from_the_clock(journey, users):
    with time_machine.travel("2026-11-16 10:00 +0000", tick=False):  # a Monday
        case, consultation = journey("accepted")
    with time_machine.travel("2026-11-27 10:00 +0000", tick=False):  # Friday next week
        from consilium.conftest import COMPLETE_OPINION
        from consilium.opinions.actions import do_save_opinion
        answers = {q.id: {"text": "Yes."} for q in case.questions.all()}
        do_save_opinion(consultation, {**COMPLETE_OPINION, "answers": answers},
                        acting_user=users["specialist"], base_version=0)
        stored = sign_with(consultation, users["specialist"])
    assert stored.turnaround_days == 9 and stored.on_time is False  # due after 7
    assert Comparison.objects.get().specialty == "Medical Oncology"


def test_only_staff_see_them_and_the_csv_adds_up(journey, users, login, client):
    journey("opinion_delivered")
    login(users["patient"])
    assert client.get("/figures/").status_code == 404
    assert client.get("/figures.csv").status_code == 404
    login(users["coordinator"])
    page = client.get("/figures/")
    assert page.status_code == 200 and "Diagnoses compared with the first opinion" in (
        page.content.decode())
    rows = list(csv.DictReader(io.StringIO(client.get("/figures.csv").content.decode())))
    assert rows[0] | {"label": None} == {
        "group": "all", "label": None, "opinions": "1", "confirmed": "1", "refined": "0",
        "distinctly_different": "0", "treatment_changed": "1", "major_impact": "1",
        "on_time": "1", "with_due_date": "1"}
    assert {r["group"] for r in rows} == {"all", "specialty", "month"}
