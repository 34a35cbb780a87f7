"""The reading grade of the patient summary, shown to the specialist while writing: the
measure (English, German, short, empty, huge), the live endpoint (who may ask, what it
costs, that it saves and logs nothing) and the page's own patient-facing wording."""

import logging
import re

import pytest
import textstat
from django.template.loader import render_to_string

from consilium.audit.models import AuditEntry
from consilium.opinions.models import Opinion
from consilium.opinions.readability import MAX_CHARS, TARGET_GRADE, language_of, measure

# What specialists write: the first in a clinician's words, the second as a patient reads best.
DENSE = ("The histopathological evaluation demonstrates an invasive ductal carcinoma with "
         "concomitant ductal carcinoma in situ, and the multidisciplinary recommendation is "
         "breast-conserving surgery with subsequent adjuvant radiotherapy, contingent upon "
         "negative surgical margins and favourable sentinel lymph node status.")
MEDIUM = ("Your diagnosis is correct, but the operation that was proposed removes more of the "
          "breast than is necessary. A smaller operation, followed by several weeks of "
          "radiation therapy, gives the same chance of a cure and usually leaves a better "
          "appearance.")
PLAIN = ("Your doctors found the right illness. It is a breast cancer that was found early. "
         "You do not need to have the whole breast taken out. A smaller operation takes out "
         "the lump. Then you have a few weeks of radiation. This works as well as the bigger "
         "operation for most women. Ask us if anything is not clear.")
GERMAN_DENSE = ("Die histopathologische Untersuchung bestätigt ein invasives duktales "
                "Mammakarzinom, weshalb die interdisziplinäre Tumorkonferenz eine "
                "brusterhaltende Operation mit anschließender adjuvanter Strahlentherapie "
                "empfiehlt, sofern die Resektionsränder tumorfrei sind.")
GERMAN_PLAIN = ("Ihre Ärzte haben die richtige Krankheit gefunden. Es ist ein Brustkrebs. Er "
                "wurde früh entdeckt. Sie müssen die Brust nicht ganz abnehmen lassen. Eine "
                "kleine Operation nimmt den Knoten heraus. Dann gibt es einige Wochen lang "
                "Bestrahlung. Das hilft bei den meisten Frauen genauso gut.")


def test_a_clinicians_sentence_reads_well_above_the_target_and_says_how_to_fix_it():
    reading = measure(MEDIUM)
    assert reading.grade == 13 and not reading.within_target
    assert reading.message == (f"Reads at about grade {reading.grade}; aim for grade 8 or "
                               "lower: shorter sentences, everyday words.")
    assert reading.language == "en"


def test_one_endless_sentence_is_not_given_an_absurd_grade():
    reading = measure(DENSE.replace(", and", " and").replace(", contingent", " contingent"))
    assert reading.grade == 16
    assert reading.message == ("Reads above grade 16 (university level); aim for grade 8 or "
                               "lower: shorter sentences, everyday words.")


def test_plain_words_reach_the_target():
    reading = measure(PLAIN)
    assert reading.grade <= TARGET_GRADE and reading.within_target
    assert reading.message.startswith(f"Reads at about grade {reading.grade}: easy for most")


@pytest.mark.parametrize("text", ["", "   \n\t ", "Fine.", "Your diagnosis is right.",
                                  "word " * 19, None])
def test_empty_and_short_texts_get_no_grade_only_an_invitation(text):
    reading = measure(text)
    assert reading.grade is None and not reading.within_target
    assert reading.message == "Write a few sentences to see how easy it is to read."


def test_a_huge_text_is_not_measured():
    reading = measure("Short words. " * (MAX_CHARS // 13 + 1))
    assert reading.grade is None
    assert reading.message == "Too long to measure: a summary holds at most 20,000 characters."


def test_german_is_measured_as_german_with_the_wiener_sachtextformel():
    assert language_of(GERMAN_DENSE) == "de" and language_of(DENSE) == "en"
    dense, plain = measure(GERMAN_DENSE), measure(GERMAN_PLAIN)
    assert dense.language == plain.language == "de"
    assert dense.grade > 12 and plain.grade <= TARGET_GRADE
    assert "(measured as German)" in dense.message
    # The same text measured with the English formula would be graded differently.
    assert round(textstat.flesch_kincaid_grade(GERMAN_DENSE)) != dense.grade


def test_a_text_of_neither_language_follows_the_patients_language_or_english():
    codes = "C50.912 " * 25
    assert language_of(codes, "de") == "de" and language_of(codes, "en") == "en"
    assert language_of(codes, "") == "en" and language_of(codes, "es") == "en"
    measure(codes, "de")  # numbers and codes only: no crash
    measure("Ünïcödé ✓ — 😀 " * 30)


def test_measuring_german_leaves_textstats_shared_language_alone():
    before = textstat.flesch_kincaid_grade(DENSE)
    measure(GERMAN_DENSE)
    assert textstat.flesch_kincaid_grade(DENSE) == before


# The live endpoint.

def _url(consultation):
    return f"/consultations/{consultation.id}/opinion/readability/"


def test_the_author_gets_the_grade_of_the_posted_text_and_nothing_is_saved(
        journey, users, login, client, caplog):
    _, consultation = journey("accepted")
    login(users["specialist"])
    with caplog.at_level(logging.DEBUG):
        answer = client.post(_url(consultation), {"plain_summary": DENSE},
                             headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "aim for grade 8 or lower: shorter sentences, everyday words." in answer.text
    assert not Opinion.objects.exists()
    assert "histopathological" not in caplog.text
    short = client.post(_url(consultation), {"plain_summary": ""})
    assert "Write a few sentences to see how easy it is to read." in short.text


def test_a_huge_post_is_answered_without_measuring(journey, users, login, client):
    _, consultation = journey("accepted")
    login(users["specialist"])
    answer = client.post(_url(consultation), {"plain_summary": "Long words here. " * 5000})
    assert answer.status_code == 200
    assert "Too long to measure" in answer.text


@pytest.mark.parametrize("who", ["specialist2", "patient", "patient2", "coordinator"])
def test_no_one_but_the_writing_specialist_may_measure(journey, users, login, client, who):
    _, consultation = journey("accepted")
    login(users[who])
    answer = client.post(_url(consultation), {"plain_summary": PLAIN})
    assert answer.status_code in (403, 404)
    assert "Reads at about grade" not in answer.text
    # the row appended last (by id: its place in the chain, seq, comes with sealing)
    refused = AuditEntry.objects.filter(actor=users[who]).latest("id")
    assert refused.action == "opinion.edit.refused"


def test_anonymous_is_sent_to_sign_in_and_get_is_refused(journey, users, login, client):
    _, consultation = journey("accepted")
    answer = client.post(_url(consultation), {"plain_summary": PLAIN})
    assert answer.status_code == 302 and "/login" in answer["Location"]
    login(users["specialist"])
    assert client.get(_url(consultation)).status_code == 405


def test_a_signed_opinion_can_no_longer_be_measured(journey, users, login, client):
    _, consultation = journey("opinion_delivered")
    login(users["specialist"])
    answer = client.post(_url(consultation), {"plain_summary": PLAIN})
    assert answer.status_code == 409


def test_the_endpoint_costs_few_queries(journey, users, login, client,
                                        django_assert_max_num_queries):
    _, consultation = journey("in_review")
    login(users["specialist"])
    client.post(_url(consultation), {"plain_summary": PLAIN})  # session, warm caches
    reads = AuditEntry.objects.count()
    with django_assert_max_num_queries(6):
        assert client.post(_url(consultation), {"plain_summary": PLAIN}).status_code == 200
    assert AuditEntry.objects.count() == reads  # it shows nothing of the case: no read


# The opinion page.

def test_the_page_shows_the_saved_summarys_grade_and_asks_for_it_live(
        journey, users, login, client):
    _, consultation = journey("in_review")  # the saved summary: one short sentence
    Opinion.objects.filter(consultation=consultation).update(plain_summary=DENSE)
    login(users["specialist"])
    page = client.get(f"/consultations/{consultation.id}/opinion/")
    assert page.status_code == 200
    assert "aim for grade 8 or lower: shorter sentences, everyday words." in page.text
    assert f'hx-post="{_url(consultation)}"' in page.text
    assert 'hx-params="plain_summary,csrfmiddlewaretoken"' in page.text  # not the whole form
    assert 'aria-describedby="id_plain_summary_helptext summary-reading"' in page.text
    assert 'id="id_plain_summary_helptext"' in page.text and 'id="summary-reading"' in page.text
    assert "<script>" not in page.text.split("<body", 1)[1].split("</body>")[0]


def test_the_page_after_a_save_shows_the_new_summarys_grade(journey, users, login, client):
    _, consultation = journey("accepted")
    login(users["specialist"])
    client.post(f"/consultations/{consultation.id}/opinion/",
                {"version": 0, "intent": "save", "option_rows": 2, "plain_summary": PLAIN})
    assert Opinion.objects.get().plain_summary == PLAIN
    page = client.get(f"/consultations/{consultation.id}/opinion/")
    assert f"Reads at about grade {measure(PLAIN).grade}: easy for most" in page.text


# Fixed wording the patient reads: the summary PDF and the opinion's sections of the case page,
# measured without what the specialist wrote (their words are measured as they write).

def _words_of(html: str) -> str:
    html = re.sub(r"(?s)<(style|script|code)\b.*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " ")).strip()


def _blank_what_the_specialist_wrote(opinion):
    for name in ("plain_summary", "diagnosis_comment", "treatment_description",
                 "further_tests", "reasoning", "follow_up", "trials"):
        setattr(opinion, name, "")
    return opinion


def test_the_patient_summary_pdfs_own_wording_reads_at_grade_8(journey):
    from consilium.opinions import reports
    _, consultation = journey("opinion_delivered")
    opinion = _blank_what_the_specialist_wrote(Opinion.objects.get(consultation=consultation))
    context = reports.report_context(opinion)
    context["questions"] = []
    html = render_to_string(reports.KINDS["summary"], context)
    fixed = _words_of(html.split("<body", 1)[1])
    for option in opinion.options.all():  # the specialist's options, not ours
        for value in (option.title, option.benefits, option.harms, option.living_with):
            fixed = fixed.replace(value, " ")
    assert len(fixed.split()) > 60
    assert textstat.flesch_kincaid_grade(fixed) <= TARGET_GRADE, fixed


def test_the_case_pages_opinion_sections_read_at_grade_8_for_the_patient(
        journey, users, login, client):
    case, _ = journey("opinion_delivered")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").text
    for heading in ("follow-ups-heading", "report-shares-heading"):
        section = page.split(f'aria-labelledby="{heading}"', 1)[1].split("</section>", 1)[0]
        fixed = _words_of(section)
        assert len(fixed.split()) > 25, fixed
        assert textstat.flesch_kincaid_grade(fixed) <= TARGET_GRADE, fixed


def test_the_readability_note_renders_for_every_kind_of_reading():
    for text in ("", PLAIN, DENSE, "x" * (MAX_CHARS + 1)):
        html = render_to_string("opinions/_readability.html", {"reading": measure(text)})
        assert measure(text).message.split(":")[0] in html


def test_the_signing_page_shows_the_summarys_grade_before_signing(journey, users, login,
                                                                   client):
    _, consultation = journey("in_review")
    Opinion.objects.filter(consultation=consultation).update(plain_summary=MEDIUM)
    login(users["specialist"])
    page = client.get(f"/consultations/{consultation.id}/opinion/sign/")
    assert page.status_code == 200
    sign = page.text.split('id="sign-heading"', 1)[1]
    assert "The summary for the patient" in sign
    assert f"Reads at about grade {measure(MEDIUM).grade}; aim for grade 8" in sign
