"""How easy the patient's summary of an opinion is to read: its reading grade, measured with
textstat, and one plain sentence about it for the specialist who writes it.

- English is measured with the Flesch-Kincaid grade (a US school grade); German with the
  fourth Wiener Sachtextformel, which gives a German school grade (4 = easy, 15 = very hard).
  The target is the same for both: grade 8 or lower (US guidance for patient materials asks
  for no more; the German formula also grades by school year). docs/plain-language.md
- The language is read from the text itself (its commonest short words: "the", "and", "you"
  against "der", "und", "Sie"), because a specialist may write in either whatever the
  patient prefers; a text that says neither is measured in the case's ``patient_language``
  when that is German, otherwise as English.
- A grade beyond ``TOP_GRADE`` is said as "above grade 16": one endless sentence would
  otherwise read "grade 28", which means nothing to anyone.
- Below ``MIN_WORDS`` words no grade is given (a formula over one or two sentences says
  little); above ``MAX_CHARS`` (the most a summary may hold) nothing is measured.
- Nothing here logs or stores the text. textstat keeps its last results in a small
  in-process cache (``lru_cache``), as it does for every caller.
"""

import re
from dataclasses import dataclass

from textstat.textstat import textstatistics

from .schemas import TEXT_LIMIT

TARGET_GRADE = 8
TOP_GRADE = 16  # beyond a university reader's grade a number says no more ("above 16")
MIN_WORDS = 20
MAX_CHARS = TEXT_LIMIT

ENGLISH = frozenset("the and you your is are of to in it this that with for not be will "
                    "we can have has was".split())
GERMAN = frozenset("der die das und ist sind nicht sie ihr ihre ihnen ein eine einen mit "
                   "für auf zu von den dem des wir wird werden kann haben hat war".split())

_english = textstatistics()
_english.set_lang("en_US")
_german = textstatistics()
_german.set_lang("de_DE")


@dataclass(frozen=True)
class Reading:
    """A text's reading grade (None when too short or too long to say) and what to tell."""

    grade: int | None
    language: str
    message: str

    @property
    def within_target(self) -> bool:
        return self.grade is not None and self.grade <= TARGET_GRADE


def language_of(text: str, hint: str = "") -> str:
    """ "de" or "en": the language the text's common short words are in (see above)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    english = sum(word in ENGLISH for word in words)
    german = sum(word in GERMAN for word in words)
    if german != english:
        return "de" if german > english else "en"
    return "de" if hint.lower().startswith("de") else "en"


def grade(text: str, language: str = "en") -> float:
    """The raw reading grade of the text in that language (see the module's note)."""
    if language == "de":
        return float(_german.wiener_sachtextformel(text, 4))
    return float(_english.flesch_kincaid_grade(text))


def measure(text: str, language_hint: str = "") -> Reading:
    """The reading grade of a patient summary, with a sentence for the specialist."""
    text = text or ""
    language = language_of(text[:MAX_CHARS], language_hint)
    if len(text) > MAX_CHARS:
        return Reading(None, language, f"Too long to measure: a summary holds at most "
                                       f"{MAX_CHARS:,} characters.")
    if len(re.findall(r"\w+", text)) < MIN_WORDS:
        return Reading(None, language, "Write a few sentences to see how easy it is to read.")
    level = min(TOP_GRADE, max(1, round(grade(text, language))))
    measured = " (measured as German)" if language == "de" else ""
    if level == TOP_GRADE:
        return Reading(level, language, f"Reads above grade {TOP_GRADE} (university level)"
                                        f"{measured}; aim for grade {TARGET_GRADE} or lower: "
                                        "shorter sentences, everyday words.")
    if level <= TARGET_GRADE:
        return Reading(level, language, f"Reads at about grade {level}{measured}: easy for "
                                        f"most patients to read (aim for grade "
                                        f"{TARGET_GRADE} or lower).")
    return Reading(level, language, f"Reads at about grade {level}{measured}; aim for grade "
                                    f"{TARGET_GRADE} or lower: shorter sentences, everyday "
                                    "words.")
