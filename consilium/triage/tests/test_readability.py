"""Every fixed English sentence the self-assessment shows a person reads at grade 8 or lower
(issue #20 part 8), measured as the opinion summaries are: consilium/opinions/readability.py,
textstat's Flesch-Kincaid grade.

The sentences are read from the tables themselves (rules.py, redflags.py, procedures.py), so
a new row is measured without being added here. A template with a slot ({procedure}, {number},
{titles}, …) is measured filled with every value it can take. Only the sentences that must name
a law or a phone service verbatim may read harder, up to grade 10 (EXCEPTIONS).
"""

import pytest

from consilium.opinions.readability import TARGET_GRADE, grade
from consilium.triage import redflags, rules
from consilium.triage.procedures import PROCEDURES

# Sentences that must name a law or a phone service verbatim, each with why; each may read up
# to grade 10. None needs it today: the law's name (§ 27b SGB V, Zm-RL) and the crisis lines
# read at grade 8 or lower inside their sentences.
EXCEPTIONS_GRADE = 10
EXCEPTIONS: dict[str, str] = {}
LABELS = [rules.in_sentence(p.label) for p in PROCEDURES]
NUMBERS = sorted({*redflags.EMERGENCY_NUMBERS.values(), redflags.DEFAULT_EMERGENCY_NUMBER})


def _facts(procedure, serious: str = "cancer") -> rules.Facts:
    class Plan:  # what the rules read of an insurance plan
        requires_before = [procedure.key]
        covers_second_opinion = True
        statutory = True

    return rules.Facts(serious=[serious], procedures=[procedure], statutory=[procedure],
                       plan=Plan(), situation=set(rules.SITUATIONS))  # type: ignore[arg-type]


def sentences() -> list[tuple[str, str]]:
    """(where, text) for every fixed English sentence the assessment can show."""
    found: list[tuple[str, str]] = []
    for rule in rules.RULES:
        texts = {rule.reason(_facts(p)) for p in PROCEDURES}
        texts |= {rule.reason(_facts(PROCEDURES[0], label)) for _, _, label in rules.SERIOUS}
        found += [(f"rule.{rule.criterion}", text) for text in sorted(texts)]
    found += [(f"caution.{c.key}", c.text) for c in rules.CAUTIONS]
    found += [(f"situation.{key}", text) for key, text in rules.SITUATIONS.items()]
    found += [(f"checklist.{item.key}", item.label) for item in rules.CHECKLIST]
    found += [(f"question.{n}", q.text) for n, q in enumerate(rules.QUESTIONS)]
    found += [(f"german_right.point{n}", point)
              for n, point in enumerate(rules.GERMAN_RIGHT["points"])]
    found += [("german_right.sentence", rules.RIGHT_BY_LAW.format(
        procedure=label, legal_basis=rules.GERMAN_RIGHT["legal_basis"])) for label in LABELS]
    found += [("plan_requires", rules.PLAN_REQUIRES.format(procedure=label)) for label in LABELS]
    found += [(f"recommendation.{key}", f"{headline}. {line}")
              for key, (headline, line) in rules.RECOMMENDATIONS.items()]
    found += [("seek_care_now", rules.SEEK_CARE_NOW.format(number=n)) for n in NUMBERS]
    found += [(f"sign_of.{flag.key}", rules.SIGN_OF.format(titles=flag.title))
              for flag in redflags.RED_FLAGS]
    found += [(f"crisis.{country}", rules.CRISIS.format(
        line=line.name, line_number=line.number, number=redflags.emergency_number(country)))
        for country, line in redflags.CRISIS_LINES.items()]
    found += [("crisis_no_line", rules.CRISIS_NO_LINE.format(number=n)) for n in NUMBERS]
    found += [(f"is_it_now.{code}", rules.IS_IT_NOW_TEXT.format(names=name, number="112"))
              for code, name in redflags.ACUTE_CODES]
    found += [("is_it_now.question", rules.IS_IT_NOW)]
    return found


def test_every_table_is_read():
    where = {w.split(".")[0] for w, _ in sentences()}
    assert {"rule", "caution", "situation", "checklist", "question", "german_right",
            "plan_requires", "recommendation", "seek_care_now", "sign_of", "crisis",
            "crisis_no_line", "is_it_now"} <= where
    assert len(sentences()) > 150


def test_exceptions_name_a_law_or_a_service_and_are_few():
    assert len(EXCEPTIONS) <= 3
    for where, text in sentences():  # no stale exception: each is still needed
        if where in EXCEPTIONS:
            assert grade(text, "en") > TARGET_GRADE


@pytest.mark.parametrize("where,text", sentences())
def test_reads_at_grade_8_or_lower(where, text):
    limit = EXCEPTIONS_GRADE if where in EXCEPTIONS else TARGET_GRADE
    assert grade(text, "en") <= limit, f"{where} reads at grade {grade(text, 'en'):.1f}: {text}"


def test_the_old_hard_sentences_are_gone():
    everything = " ".join(text for _, text in sentences())
    for hard in ("experts advise checking first", "associations of statutory health insurance",
                 "second-opinion directive", "of similar standing"):
        assert hard not in everything
    # the facts stay: the phone service, the ten days, the law's names, the GKV
    for fact in ("116117", "10 days", "§ 27b SGB V", "Zm-RL", "(GKV)"):
        assert fact in everything
