"""When two hospital systems or institutions are one: the names' logic, in one place.

A second opinion must come from outside the first opinion's hospital system, and people
write the same system many ways ("Riverside Health System", "Riverside Health",
"riverside health-system", "St. Mary's" / "Saint Marys", "Riverside Cancer Ctr"). So a name
is compared by its key (``key``): case, accents and punctuation do not count, abbreviations
are written out ("St." Saint, "Ctr" Center, "Hosp" Hospital, "Med" Medical), a leading "The"
and a trailing "Inc" go, and the words that only say what kind of place it is (Health,
Health System, Healthcare, Hospital, Medical Center, Cancer Center, Clinic, …) are left out,
so that what is compared is the name proper ("riverside"). Keys that differ are still one
system when they are alike enough (``similar``: a misspelling, a missing space), and when
unsure the answer is "the same": a specialist wrongly left out costs the patient one of
many candidates; one wrongly proposed costs them an independent opinion.

Where the directory links an institution to a HospitalSystem (models), the system's name
and every alias count as that institution's names: identity, whatever the spelling.
"""

import bisect
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy
from rapidfuzz import fuzz, process

# Abbreviations written out, word by word (after punctuation is gone).
WORDS = {
    "st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
    "ctr": "center", "cntr": "center", "cen": "center", "centre": "center", "centers": "center",
    "hosp": "hospital", "hospitals": "hospital", "med": "medical", "medicine": "medical",
    "hlth": "health", "healthcare": "health", "sys": "system", "systems": "system",
    "univ": "university", "u": "university", "reg": "regional", "mem": "memorial",
    "gen": "general", "comm": "community", "inst": "institute", "natl": "national",
    "clin": "clinic", "clinics": "clinic", "grp": "group", "svcs": "services",
    "assoc": "associates", "and": "", "of": "", "at": "", "in": "", "for": "",
}
# What kind of place it is, not which: left out of the key unless nothing else remains.
KINDS = {
    "health", "system", "care", "hospital", "medical", "center", "clinic", "cancer",
    "institute", "network", "group", "services", "partners", "physicians", "associates",
    "foundation", "corporation", "healthsystem",
}
# Said at the ends of a name without naming anything.
LEADING = {"the"}
TRAILING = {"inc", "incorporated", "llc", "llp", "pc", "pa", "corp", "co", "ltd"}
# How alike two keys must be (rapidfuzz's ratio, 0–100) to be taken for one system. Keys
# of up to SHORT characters are never misspellings of each other ("mayo", "mary"), only
# equal or one the other with a word more ("mayo", "mayo waycross").
SIMILAR = 88
SHORT = 4
# A name proper of fewer letters is never "the same" as a longer one ("ut" and "ut health"
# are; "a" and "a b" are not told apart from chance).
WORD = 3


@lru_cache(maxsize=100_000)  # a rebuild of the matching rows meets the same names again
def key(name: str) -> str:
    """The name proper, as compared: "Riverside Health System" and "riverside health"
    both give "riverside"; "" for a blank name."""
    words = _words(name)
    proper = [w for w in words if w not in KINDS]
    # a number alone ("Hospital 12", "Health System 12") names nothing without its kind
    return " ".join(proper if any(not w.isdigit() for w in proper) else words)


def _words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = [WORDS.get(w, w) for w in re.split(r"[^a-z0-9]+", text)]
    words = [w for w in words if w]
    while words and words[0] in LEADING:
        words.pop(0)
    while words and words[-1] in TRAILING:
        words.pop()
    # "health system" and "healthsystem", "health care" and "healthcare" alike
    return [w for w in words if w != "healthsystem"] or words


def keys(names: Iterable[str | None]) -> set[str]:
    """The keys of these names, blanks left out."""
    return {k for k in (key(n) for n in names if n) if k}


def similar(a: str, b: str) -> bool:
    """Two keys that may name one system: equal, or alike enough (a misspelling, a space),
    or one the other with a word more ("riverside" and "riverside regional")."""
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) < WORD or _digits(a) != _digits(b):
        return False
    if b.startswith(a + " ") or a.startswith(b + " "):
        return True
    return min(len(a), len(b)) > SHORT and fuzz.ratio(a, b) >= SIMILAR


def same(names: Iterable[str], others: Iterable[str]) -> bool:
    """Whether any of these names may be the same system as any of the others."""
    mine, theirs = keys(names), keys(others)
    return any(similar(a, b) for a in mine for b in theirs)


def alike(wanted: Iterable[str], known: Iterable[str]) -> set[str]:
    """The wanted keys, and the known keys that may be one system with one of them (as
    ``similar`` says: the ratios worked out by rapidfuzz for all of them at once, the names
    with a word more found in the sorted list; some 30 ms for 50,000 known names)."""
    found = {a for a in wanted if a}
    asked = sorted(a for a in found if len(a) >= WORD)
    choices = sorted({b for b in known if len(b) >= WORD})
    if not asked or not choices:
        return found
    near: set[tuple[str, str]] = set()
    present = set(choices)
    for a in asked:
        start = bisect.bisect_left(choices, a + " ")
        for b in choices[start:]:
            if not b.startswith(a + " "):
                break
            near.add((a, b))
        words = a.split()
        near |= {(a, b) for b in (" ".join(words[:n]) for n in range(1, len(words)))
                 if b in present}
    longer = [b for b in choices if len(b) > SHORT]
    fuzzy = [a for a in asked if len(a) > SHORT]
    if fuzzy and longer:
        scores = process.cdist(fuzzy, longer, scorer=fuzz.ratio, score_cutoff=SIMILAR,
                               dtype=numpy.uint8)
        for row, column in zip(*numpy.nonzero(scores), strict=True):
            near.add((fuzzy[row], longer[column]))
    return found | {b for a, b in near if _digits(a) == _digits(b) and len(b) >= WORD}


def _digits(text: str) -> str:
    """Numbers tell places apart ("Hospital 12", "Hospital 120") however alike the rest."""
    return "".join(c for c in text if c.isdigit())


# How alike (rapidfuzz's WRatio of the keys, 0–100) a known system must be to be shown to a
# coordinator as a near match for a first opinion's names: loose, as a person chooses.
NEAR = 60


def nearness(names: Iterable[str | None], known: Iterable[str]) -> int:
    """How near any of these names comes to any of the known ones, 0–100: 100 for keys that
    ``similar`` takes for one system, else rapidfuzz's WRatio of the keys."""
    mine, theirs = keys(names), keys(known)
    best = 0
    for a in mine:
        for b in theirs:
            if similar(a, b):
                return 100
            best = max(best, int(fuzz.WRatio(a, b)))
    return best
