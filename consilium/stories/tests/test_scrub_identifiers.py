"""Every kind of identifier HIPAA Safe Harbor lists, in stories patients could write: handles,
web addresses, e-mails, phones, ages over 89, schools, workplaces, and the people named next
to a relationship word are gone, each replaced by its kind; the clinical notes (MTSamples)
keep their medicine when the same identifiers are typed into them."""

import re
from pathlib import Path

import pytest

from consilium.stories.scrub import scrub

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "mtsamples"

# The phrases that reached the public page (issue #20), and one of each kind more.
STORY = (
    "I post as @marialopez_atx about my treatment. My son Diego goes to Zilker Elementary and "
    "my daughter Sofia to Austin High School. Our neighbour Mrs. Patel drove me to every "
    "visit; my grandmother, 93, came along. She is 93 and still sharper than me. My husband "
    "works at Dell and my sister is a cashier at Whole Foods. My 93-year-old grandfather, "
    "aged 91 when he had the same cancer, said to ask twice. Read more at "
    "https://marias-journey.example.com/blog or www.example.org, write to "
    "maria.lopez@example.com, call 512-555-0199. My IP was 192.168.14.20, my licence plate "
    "number TX-4KD-8821 and my insurance member ID XJH123456.")

GONE = ["@marialopez_atx", "marialopez", "Diego", "Zilker", "Elementary", "Sofia",
        "Austin High School", "Patel", "93", "91", "Dell", "Whole Foods", "marias-journey",
        "www.example.org", "maria.lopez", "555-0199", "192.168", "4KD", "XJH123456"]


@pytest.mark.django_db
def test_every_identifier_kind_in_a_story_is_replaced_by_its_kind():
    found = scrub(STORY)
    for detail in GONE:
        assert detail not in found.text, (detail, found.text)
    text = found.text
    assert "I post as [handle] about my treatment." in text
    assert "My son [name] goes to [school] and my daughter [name] to [school]." in text
    assert "Our neighbour Mrs. [name] drove me" in text
    assert "my grandmother, [age], came along. She is [age] and" in text
    assert "works at [workplace]" in text and "a cashier at [workplace]" in text
    assert "My [age] grandfather, [age] when" in text
    assert "[web address]" in text and "[email]" in text and "[phone]" in text
    kinds = {r.kind for r in found.removed}
    assert {"handle", "name", "school", "age", "workplace", "web address", "email", "phone",
            "identifier"} <= kinds
    assert "treatment" in text and "cancer" in text
    assert not scrub(text).changed  # stable: scrubbing again removes nothing more


@pytest.mark.django_db
@pytest.mark.parametrize("written,shown", [
    ("Follow me @marialopez_atx!", "Follow me [handle]!"),
    ("My kids Diego and Sofia cried.", "My kids [name] and [name] cried."),
    ("Diego, my son, held my hand.", "[name], my son, held my hand."),
    ("My best friend Aisha sat with me.", "My best friend [name] sat with me."),
    ("She turned 95 in the spring.", "She turned [age] in the spring."),
    ("At 93 he had surgery.", "At [age] he had surgery."),
    ("My mom is 92 years old.", "My mom is [age]."),
    ("Grandpa was ninety-three years old.", "Grandpa was [age]."),
    ("She turned ninety-one last week.", "She turned [age] last week."),
    ("She is a hundred and two.", "She is [age]."),
    ("My father, 96 yo, was next.", "My father, [age], was next."),
    ("He teaches at Lincoln Middle School.", "He teaches at [school]."),
    ("I work for Samsung Austin Semiconductor.", "I work for [workplace]."),
    ("She was employed by Texas Instruments.", "She was employed by [workplace]."),
    ("Fax 512.555.0100 please.", "Fax [phone] please."),
    ("serial number of my pump: PX4471-22", "serial number of my pump: [identifier]"),
])
def test_each_phrase_on_its_own(written, shown):
    assert scrub(written).text == shown


@pytest.mark.django_db
@pytest.mark.parametrize("kept", [
    "My PSA was 93 before surgery and 0.1 after.",
    "Oxygen saturation was 93% on room air.",
    "Pulse 93, blood pressure 120/80.",
    "I took 90 mg a day for 93 days.",
    "The scan took ninety minutes.",
    "My son was worried; my daughter was calm.",
    "Email and phone numbers are on the clinic's letter.",
    "I worked hard at physical therapy.",
])
def test_medicine_numbers_and_plain_words_stay(kept):
    assert scrub(kept).text == kept


def notes():
    for path in sorted((DATA / "notes_txt").glob("*.txt")):
        yield path.name, path.read_text().split("\n", 2)[2]


@pytest.mark.django_db
@pytest.mark.parametrize("name,text", list(notes()), ids=lambda v: str(v)[:12])
def test_identifiers_typed_into_a_real_note_are_removed_and_the_note_kept(name, text):
    before = scrub(text)
    found_here = [r.text for r in before.removed if r.kind in ("handle", "school", "workplace")]
    assert found_here in ([], ["Hoover High School"]), found_here  # a school named in a note
    words = len(re.findall(r"[a-z]{4,}", before.text))
    found = scrub(text + "\n\n" + STORY)
    for detail in GONE:
        assert not re.search(rf"(?<![\w@.-]){re.escape(detail)}(?![\w])", found.text[
            len(before.text) - 50:]), detail
    assert len(re.findall(r"[a-z]{4,}", found.text)) >= words
