"""Emergencies written in words (issue #20, part 1).

The self-assessment reads its free text (what the doctor said, the procedure's name) for red
flags in English and German. A red flag interrupts with "get care now" and the country's
emergency number; words of the past or a denial do not alarm; an acute code, or an acute
condition named without saying when, asks "is this happening now?".
"""

import pytest

from consilium.triage import redflags
from consilium.triage.assessment import assess

pytestmark = pytest.mark.django_db

# (text, the red flag it must raise)
ALARMING = [
    # The phrases of the issue and the brief, exactly.
    ("Suspected stroke right now, face drooping and slurred speech", "stroke"),
    ("crushing chest pain since an hour", "chest_pain"),
    ("face drooping", "stroke"),
    ("arm weakness", "stroke"),
    ("slurred speech", "stroke"),
    ("Verdacht auf Schlaganfall", "stroke"),  # "Schlaganfall" alone asks (see below)
    ("hängender Mundwinkel", "stroke"),
    ("Brustschmerzen", "chest_pain"),
    ("Engegefühl", "chest_pain"),
    ("can't breathe", "breathing"),
    ("Atemnot", "breathing"),
    ("Bluterbrechen", "bleeding"),
    ("worst headache of my life", "headache"),
    ("Vernichtungskopfschmerz", "headache"),
    ("passed out", "unconscious"),
    ("bewusstlos", "unconscious"),
    ("I want to end my life", "suicide"),
    ("I want to kill myself", "suicide"),
    ("Suizid", "suicide"),
    ("Ich will nicht mehr leben", "suicide"),
    # Our own, as frightened people type them: English.
    ("My husband's face is drooping on the left side and he can't lift his arm", "stroke"),
    ("mum suddenly can not speak properly, her words are slurred", "stroke"),
    ("Sudden weakness on one side of my body since this morning", "stroke"),
    ("I think I am having a stroke", "stroke"),
    ("Pain in my chest spreading to my left arm, sweating", "chest_pain"),
    ("tight chest and pressure in my chest for 20 minutes", "chest_pain"),
    ("heart attack right now?", "chest_pain"),
    ("I cannot breathe properly and my lips are blue", "breathing"),
    ("very short of breath, struggling to breathe since an hour", "breathing"),
    ("gasping for air", "breathing"),
    ("I am vomiting blood", "bleeding"),
    ("threw up blood twice today", "bleeding"),
    ("coughing up blood", "bleeding"),
    ("the bleeding won't stop after the operation", "bleeding"),
    ("Thunderclap headache, came on in seconds", "headache"),
    ("sudden severe headache and stiff neck", "headache"),
    ("He collapsed in the kitchen and is unresponsive", "unconscious"),
    ("my father fainted and lost consciousness for a minute", "unconscious"),
    ("I don't want to live anymore", "suicide"),
    ("I have been thinking about suicide", "suicide"),
    ("sometimes I want to hurt myself", "suicide"),
    ("Everyone would be better off if I was dead, I want to die", "suicide"),
    # Our own: German.
    ("Verdacht auf Schlaganfall, Mundwinkel hängt, Arm ist schwach", "stroke"),
    ("Mein Vater spricht plötzlich undeutlich und verwaschen", "stroke"),
    ("seit einer Stunde starke Schmerzen in der Brust", "chest_pain"),
    ("Druck auf der Brust und Engegefühl seit heute Morgen", "chest_pain"),
    ("Ich bekomme keine Luft", "breathing"),
    ("Luftnot seit heute Nacht", "breathing"),
    ("Ich erbreche Blut", "bleeding"),
    ("starke Blutung, hört nicht auf", "bleeding"),
    ("die schlimmsten Kopfschmerzen meines Lebens", "headache"),
    ("Meine Mutter ist umgekippt und nicht ansprechbar", "unconscious"),
    ("Ohnmacht beim Aufstehen", "unconscious"),
    ("Ich habe Suizidgedanken", "suicide"),
    ("ich will mir das Leben nehmen", "suicide"),
    ("Ich bin lebensmüde", "suicide"),
    # Case, accents, punctuation and simple misspellings.
    ("CRUSHING CHEST PAIN!!!", "chest_pain"),
    ("face...drooping", "stroke"),
    ("haengender Mundwinkel", "stroke"),
    ("Schlaganfal jetzt", "stroke"),
    ("slured speach", "stroke"),
    ("cant breath", "breathing"),
    ("can’t breathe", "breathing"),
    ("Brustschmerz", "chest_pain"),
    ("vommiting blood", "bleeding"),
    ("BEWUSSTLOS", "unconscious"),
    ("kil myself", "suicide"),
    # An age is not the past; effort does not excuse chest pain that is happening now.
    ("My 80 year old mother collapsed", "unconscious"),
    ("80 Jahre alte Mutter ist umgekippt", "unconscious"),
    ("crushing chest pain while climbing the stairs right now", "chest_pain"),
    ("passed out this morning", "unconscious"),
    ("sudden numbness left arm and face", "stroke"),
    ("I cannot move my right arm", "stroke"),
    ("no longer able to breathe well", "breathing"),
    ("schwere Atemnot gerade", "breathing"),
    ("Herzinfarkt gerade", "chest_pain"),
    ("suspected pulmonary embolism", "breathing"),
    ("thoughts of ending it all", "suicide"),
    ("ich denke an Selbstmord", "suicide"),
]

# History, denial and ordinary words: no alarm.
NOT_ALARMING = [
    # The history words of the brief.
    "had a stroke in 2019",
    "stroke last year, now rehabilitation",
    "history of stroke",
    "heart attack years ago, bypass proposed",
    "Schlaganfall früher",
    "Schlaganfall vor drei Jahren",
    "Herzinfarkt im Jahr 2019",
    "chest pain in 2019, since then stents",
    "passed out once in 2015",
    "suicide attempt years ago, stable since",
    "vor zwei Jahren bewusstlos nach einem Unfall",
    "Zustand nach Schlaganfall",
    "Z.n. Herzinfarkt",
    "previous heart attack",
    "I had a heart attack last year",
    "Atemnot früher beim Sport",
    # Denials.
    "no chest pain",
    "keine Brustschmerzen",
    "denies shortness of breath",
    "not suicidal",
    "ohne Atemnot",
    "keine Suizidgedanken",
    "ruled out heart attack",
    "Verdacht auf Herzinfarkt ausgeschlossen",
    "I had chest pain, now it's gone",
    # Known, long-standing or after-effects.
    "chest pain when climbing stairs, angina, bypass proposed",
    "Brustschmerzen beim Treppensteigen seit Monaten",
    "shortness of breath on exertion for years, COPD",
    "stroke rehab",
    "post-stroke spasticity",
    "heart attack 3 weeks ago, stent",
    "my friend committed suicide last year, I am depressed",
    "bleeding from the bowel for months",
    # Ordinary diagnoses and procedures.
    "prostate cancer, prostatectomy proposed",
    "mastectomy for breast cancer",
    "arm wrestling injury",
    "breast cancer",
    "worn knee joint",
    "knee replacement",
    "Knieprothese",
    "heavy periods from fibroids",
    "heavy menstrual bleeding",
    "starke Regelblutung",
    "heat stroke risk at work",
    "stroke",  # a condition named without a time asks, it does not alarm
    "heart attack",
    "Lungenembolie",
    "",
    "   ",
]


@pytest.mark.parametrize("text,key", ALARMING, ids=[a[0][:40] for a in ALARMING])
def test_alarming_words_are_read(text, key):
    found = {flag.key for flag in redflags.read(text).alarms}
    assert key in found, (text, found)


@pytest.mark.parametrize("text", NOT_ALARMING, ids=[t[:40] or "blank" for t in NOT_ALARMING])
def test_history_denial_and_ordinary_words_do_not_alarm(text):
    assert redflags.read(text).alarms == [], text


def test_a_second_flag_alarms_when_the_first_is_history():
    found = redflags.read("had a stroke in 2019 and now my face is drooping again").alarms
    assert [flag.key for flag in found] == ["stroke"]
    found = redflags.read("Crushing chest pain since an hour, had a stroke in 2019").alarms
    assert [flag.key for flag in found] == ["chest_pain"]


def test_a_condition_named_without_a_time_is_a_question():
    """Like an acute code (I63): someone whose diagnosis *is* a past stroke writes
    "Schlaganfall"; the answer asks whether it is happening now, with the number to call."""
    for text in ("Schlaganfall", "stroke", "heart attack", "Herzinfarkt", "pulmonary embolism",
                 "Hirnblutung", "Lungenembolie"):
        reading = redflags.read(text)
        assert reading.alarms == [] and reading.ask_if_now, text
    assert redflags.read("had a stroke in 2019").ask_if_now == []


def test_hostile_input_is_read_quickly_and_safely():
    import time

    text = ("chest " * 2000) + "pain"
    start = time.perf_counter()
    redflags.read(text)
    redflags.read("ä" * 5000)
    redflags.read("\x00\n\t;,.!?" * 500)
    assert time.perf_counter() - start < 2


def test_every_flag_has_a_source_and_is_tested():
    tested = {key for _, key in ALARMING}
    for flag in redflags.RED_FLAGS:
        assert flag.source, flag.key
        assert flag.key in tested, flag.key


# The assessment and the API.

def _api(client, body):
    return client.post("/api/v1/triage", body, content_type="application/json")


@pytest.mark.parametrize("text", [
    "Suspected stroke right now, face drooping and slurred speech",
    "crushing chest pain since an hour",
])
def test_the_issue_phrases_get_care_now_not_not_needed(client, text):
    for body in (_api(client, {"diagnosis_text": text}).json(),
                 _api(client, {"diagnosis_text": text, "proposed_treatment": "none",
                               "situation": ["trusts_doctor"]}).json()):
        assert body["recommendation"] == "seek_care_now"
        assert body["emergency"]["number"] == "911"
        assert body["emergency"]["call"] == "tel:911"
        assert "911" in body["message"]
        assert body["reasons"] == [] and body["against"] == [] and body["cautions"] == []


def test_the_procedure_field_is_read_too(client):
    body = _api(client, {"procedure": "bypass, but I have chest pain right now"}).json()
    assert body["recommendation"] == "seek_care_now"


@pytest.mark.parametrize("country,number", [
    ("US", "911"), ("DE", "112"), ("GB", "999"), ("FR", "112"), ("NL", "112"),
    ("CA", "911"), ("ZZ", "112"),
])
def test_the_emergency_number_is_the_countrys(client, country, number):
    body = _api(client, {"diagnosis_text": "Atemnot, kann nicht atmen",
                         "country": country}).json()
    assert body["emergency"]["number"] == number
    assert body["emergency"]["call"] == "tel:" + number


def test_a_suicidal_crisis_names_the_crisis_line(client):
    us = _api(client, {"diagnosis_text": "I want to end my life", "country": "US"}).json()
    assert us["emergency"]["crisis_line"]["number"] == "988"
    assert us["emergency"]["crisis_line"]["call"] == "tel:988"
    de = _api(client, {"diagnosis_text": "Ich will nicht mehr leben", "country": "DE"}).json()
    assert de["emergency"]["crisis_line"]["number"] == "0800 111 0 111"
    assert de["emergency"]["crisis_line"]["call"] == "tel:08001110111"
    assert "TelefonSeelsorge" in de["emergency"]["crisis_line"]["name"]
    assert de["emergency"]["number"] == "112"
    assert us["emergency"]["crisis"] and "988" in us["message"] and "911" in us["message"]
    chest = _api(client, {"diagnosis_text": "chest pain now"}).json()
    assert chest["emergency"]["crisis_line"] is None and not chest["emergency"]["crisis"]
    nowhere = _api(client, {"diagnosis_text": "kill myself", "country": "ZZ"}).json()
    assert nowhere["emergency"]["crisis"] and nowhere["emergency"]["crisis_line"] is None
    assert "112" in nowhere["message"] and "crisis line" in nowhere["message"]
    both = _api(client, {"diagnosis_text": "I want to die, I took pills and can't breathe"}).json()
    assert "a problem with breathing" in both["message"] and "988" in both["message"]


def test_the_urgent_box_names_the_number_too():
    result = assess({"situation": ["time_critical"], "country": "GB"})
    assert result["recommendation"] == "seek_care_now"
    assert result["emergency"]["number"] == "999" and "999" in result["message"]
    assert result["emergency"]["flags"] == []


def test_no_emergency_for_ordinary_answers(client):
    body = _api(client, {"diagnosis_text": "breast cancer", "diagnosis_codes": ["C50.912"],
                         "proposed_treatment": "surgery"}).json()
    assert body["emergency"] is None and body["confirm_now"] is None
    assert body["recommendation"] == "strongly_recommended"
    historic = _api(client, {"diagnosis_text": "had a stroke in 2019",
                             "proposed_treatment": "long_term_medication"}).json()
    assert historic["emergency"] is None and historic["recommendation"] != "seek_care_now"


@pytest.mark.parametrize("code", ["I21.4", "I63.9", "I60.9", "I61.9", "I26.99", "I71.00"])
def test_an_acute_code_without_the_urgent_box_asks_if_it_is_happening_now(client, code):
    body = _api(client, {"diagnosis_codes": [code]}).json()
    assert body["emergency"] is None
    assert body["recommendation"] != "seek_care_now"
    assert body["confirm_now"]["question"] == "Is this happening now?"
    assert code in body["confirm_now"]["codes"]
    assert body["confirm_now"]["call"] == "tel:911"
    urgent = _api(client, {"diagnosis_codes": [code], "situation": ["time_critical"]}).json()
    assert urgent["confirm_now"] is None and urgent["recommendation"] == "seek_care_now"


def test_a_chronic_code_does_not_ask(client):
    for code in ("I25.10", "I69.351", "C50.912", "I48.0"):
        assert _api(client, {"diagnosis_codes": [code]}).json()["confirm_now"] is None, code


def test_a_condition_named_without_a_time_asks(client):
    body = _api(client, {"diagnosis_text": "Herzinfarkt", "country": "DE"}).json()
    assert body["emergency"] is None
    assert body["confirm_now"]["question"] == "Is this happening now?"
    assert body["confirm_now"]["call"] == "tel:112"


# The page.

def test_the_page_interrupts_with_get_care_now_and_a_tel_link(client):
    response = client.post("/assess/", {
        "diagnosis_text": "Suspected stroke right now, face drooping and slurred speech",
        "country": "US", "situation": ["trusts_doctor"],
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "Get care now" in page and 'href="tel:911"' in page
    assert "probably not needed" not in page
    assert "<h3>Why</h3>" not in page and "What speaks against it" not in page
    assert "You fully trust your doctor" not in page.split("Change your answers")[0]
    assert "Start my case" not in page


def test_the_page_names_the_german_crisis_line(client):
    page = client.post("/assess/", {"diagnosis_text": "Ich habe Suizidgedanken",
                                    "country": "DE"}).content.decode()
    assert 'href="tel:08001110111"' in page and 'href="tel:112"' in page
    assert "TelefonSeelsorge" in page


def test_the_page_asks_if_an_acute_code_is_happening_now(client):
    page = client.post("/assess/", {"diagnosis_codes": "I21.4", "country": "US"}
                       ).content.decode()
    assert "Is this happening now?" in page and 'href="tel:911"' in page
    assert "Get care now" not in page.split("Is this happening now?")[0]


def test_yes_it_is_happening_now_checks_again_with_the_urgent_box(client):
    page = client.post("/assess/", {"diagnosis_text": "Lungenembolie", "country": "DE"}
                       ).content.decode()
    question = page.split("Is this happening now?")[1].split("</form>")[0]
    assert 'name="situation" value="time_critical"' in question
    assert 'name="diagnosis_text" value="Lungenembolie"' in question
    again = client.post("/assess/", {"diagnosis_text": "Lungenembolie", "country": "DE",
                                     "situation": ["time_critical"]}).content.decode()
    assert "Get care now" in again and 'href="tel:112"' in again
    assert "Is this happening now?" not in again
