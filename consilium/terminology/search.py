"""ICD-10-CM search by code or by words, on the full-text index of either database.

A query that looks like a code ("C50.91", "c5091") returns that code and its descendants,
shortest first. Anything else is looked up in two ways:

- the lay-term table (data/lay_terms.csv: "kidney stones" → N20.0, and in German
  "Nierensteine"): the codes it names come first, the usual one first; "left", "right" or
  "bilateral" ("links", "rechts", "beidseits") put that side's code first; umlauts and their
  spellings match alike ("Schilddrüse" = "Schilddruese", folded());
- word by word against descriptions and inclusion terms, with everyday words translated to ICD
  wording ("cancer" → "malignant neoplasm" or "carcinoma"), the last word matched as a prefix so
  the search works while typing, and the best-ranked first.
"""

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from django.db import connection
from django.db.models.functions import Length

from .models import Icd10Code

CODE_QUERY = re.compile(r"^[A-TV-Z][0-9][0-9A-Z]?\.?[0-9A-Z]{0,4}$", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+")

# Everyday words → the wording ICD-10-CM uses. Each value is a list of alternatives, each
# alternative a phrase. Kept short and obvious; a thesaurus belongs in data, not here.
SYNONYMS: dict[str, list[str]] = {
    "cancer": ["malignant neoplasm", "carcinoma"],
    "cancers": ["malignant neoplasm", "carcinoma"],
    "tumour": ["neoplasm"],
    "tumor": ["neoplasm"],
    "heart attack": ["myocardial infarction"],
    "stroke": ["cerebral infarction", "stroke"],
    "afib": ["atrial fibrillation"],
    "high blood pressure": ["hypertension"],
    "broken": ["fracture"],
    "arthritis": ["osteoarthritis", "arthritis"],
    "kidney": ["kidney", "renal"],
    "ms": ["multiple sclerosis"],
    "copd": ["chronic obstructive pulmonary disease"],
    "leukaemia": ["leukemia"],
    "oesophagus": ["esophagus"],
    "haemorrhage": ["hemorrhage"],
}
MAX_WORDS = 8
# Codes about something other than the disease itself rank after the disease's own codes.
SECONDARY_FIRST_WORDS = ("Secondary ", "Personal history", "Family history", "Genetic ",
                         "Encounter ", "Screening ")
DEMOTE = "CASE WHEN " + " OR ".join(
    f"{{col}} LIKE '{w}%%'" for w in SECONDARY_FIRST_WORDS
) + " THEN 1 ELSE 0 END"


LAY_TERMS_PATH = Path(__file__).with_name("data") / "lay_terms.csv"
STOP_WORDS = frozenset(("of", "the", "and", "with", "in", "on", "a", "my", "to", "i", "have"))
# German small words, left out of the lay terms only ("Arthrose des Knies", "Wasser im Knie");
# the word search keeps its English stop words alone ("die" is an English word).
GERMAN_STOP_WORDS = frozenset((
    "der", "die", "das", "des", "dem", "den", "im", "am", "an", "auf", "in", "und", "mit",
    "von", "vom", "zum", "zur", "ein", "eine", "einen", "einer", "eines", "mein", "meine",
    "meinem", "meinen", "meiner", "ich", "habe", "hat",
))
SIDES = {"left": "left", "right": "right", "bilateral": "bilateral", "both": "bilateral",
         # German, in the forms people write them ("Brustkrebs links", "im linken Knie")
         "links": "left", "linke": "left", "linken": "left", "linker": "left",
         "linkes": "left", "rechts": "right", "rechte": "right", "rechten": "right",
         "rechter": "right", "rechtes": "right", "beidseits": "bilateral",
         "beidseitig": "bilateral", "beidseitige": "bilateral", "beidseitiger": "bilateral",
         "beide": "bilateral", "beiden": "bilateral"}
# German letters written as people type them without a German keyboard: ä = ae, ß = ss. The
# lay terms and the query are both written so; other accents lose their mark (é = e). Text
# without these letters (every English query) is unchanged.
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def _lay_word(word: str) -> str:
    """One spelling for matching lay terms: 'stones' → 'stone', "parkinson's" → 'parkinson'."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@cache
def _side_words() -> dict[str, str]:
    """SIDES as the lay words read them ("links" → "link")."""
    return {_lay_word(word): side for word, side in SIDES.items()}


def folded(text: str) -> str:
    """Lower case with German letters spelled out and other accents dropped: "Schilddrüse" and
    "SCHILDDRUESE" → "schilddruese", "Fußpilz" → "fusspilz", "café" → "cafe"."""
    text = unicodedata.normalize("NFC", text).lower().translate(UMLAUTS)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _lay_words(text: str) -> list[str]:
    text = folded(text).replace("'s", "").replace("'", "")
    return [_lay_word(w) for w in WORD.findall(text)
            if w not in STOP_WORDS and w not in GERMAN_STOP_WORDS]


@cache
def lay_terms() -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    """The lay-term table as (its words, its codes), longest terms first; read once."""
    with LAY_TERMS_PATH.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        terms = [(frozenset(_lay_words(term)), tuple(codes.split())) for term, codes in rows]
    return tuple(sorted(terms, key=lambda t: -len(t[0])))


@cache
def _everyday_names() -> dict[str, str]:
    """Each code of the lay-term table with the first term that names it."""
    names: dict[str, str] = {}
    with LAY_TERMS_PATH.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        for term, codes in rows:
            for code in codes.split():
                names.setdefault(code, term)
    return names


def everyday_name(code: str) -> str:
    """What people call the condition of a code ("C50.912" → "breast cancer"), or ""."""
    return _everyday_names().get(code, "")


def _lay_codes(words: list[str]) -> list[str]:
    """The codes of the lay terms whose words are all in the query; a term inside a longer
    matching term ("cold" in "cold sore") is left out. The last word may be unfinished."""
    present = set(words)
    last = words[-1] if words and len(words[-1]) >= 3 else None
    matched: list[frozenset[str]] = []
    found: list[str] = []
    for term_words, codes in lay_terms():
        missing = term_words - present
        if missing and not (last and len(missing) == 1 and last not in term_words
                            and next(iter(missing)).startswith(last)
                            and term_words - missing <= present):
            continue
        if any(term_words < longer for longer in matched):
            continue
        matched.append(term_words)
        found.extend(c for c in codes if c not in found)
    return found


def _side_first(codes: list[Icd10Code], side: str | None) -> list[Icd10Code]:
    """The asked side's codes first, then those that name no side, then the other sides."""
    if not side:
        return codes

    def key(code: Icd10Code) -> int:
        words = set(WORD.findall(code.description.lower()))
        if side in words:
            return 0
        return 2 if words & {"left", "right", "bilateral"} else 1
    return sorted(codes, key=key)  # stable: keeps the ranking within each


def normalise_code(text: str) -> str:
    """'c5091' → 'C50.91'; codes are stored with the dot after the third character."""
    code = text.strip().upper().replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def search_icd10(query: str, limit: int = 20) -> list[Icd10Code]:
    query = (query or "").strip()
    limit = max(1, min(limit, 100))
    if not query:
        return []
    if CODE_QUERY.match(query):
        return _by_code(normalise_code(query), limit)
    query = query[:200]
    words = _lay_words(query)
    sides = _side_words()
    side = next((sides[w] for w in words if w in sides), None)
    lay = _lay_codes([w for w in words if w not in sides])[:limit]
    by_code = {c.code: c for c in Icd10Code.objects.filter(code__in=lay)} if lay else {}
    first = _side_first([by_code[c] for c in lay if c in by_code], side)
    terms = _expand(folded(query))
    if not terms:
        return first[:limit]
    by_words = _by_words_postgres if connection.vendor == "postgresql" else _by_words_sqlite
    # The first alternative of each term is its usual meaning ("cancer" → malignant
    # neoplasm): codes matching those come first, the wider matches ("carcinoma") after.
    wanted = limit * 3  # extra candidates, so grouping below has something to group
    found = by_words(terms, [t[:1] for t in terms], wanted)
    if not found and side:  # no code names the side: the same words without it
        terms = [t for t in terms if t[0] not in SIDES and t[0] != "both"]
        found = by_words(terms, [t[:1] for t in terms], wanted) if terms else []
    rest = [c for c in _side_first(_group_by_category(found), side) if c.code not in by_code]
    return (first + rest)[:limit]


def _group_by_category(codes: list[Icd10Code]) -> list[Icd10Code]:
    """Keep codes of one category together, categories in the order of their best match."""
    first_seen: dict[str, int] = {}
    for position, code in enumerate(codes):
        first_seen.setdefault(code.code[:3], position)
    return sorted(codes, key=lambda c: first_seen[c.code[:3]])  # stable: keeps the ranking


def _by_code(prefix: str, limit: int) -> list[Icd10Code]:
    # A range rather than LIKE, so both databases use the unique index on code.
    return list(
        Icd10Code.objects.filter(code__gte=prefix, code__lt=prefix + "~")
        .exclude(kind="chapter")
        .order_by(Length("code"), "code")[:limit]
    )


def _expand(text: str) -> list[list[str]]:
    """Split the query into terms; each term is a list of alternative phrases."""
    for phrase in sorted((k for k in SYNONYMS if " " in k), key=len, reverse=True):
        text = text.replace(phrase, phrase.replace(" ", "_"))
    terms = []
    for token in re.findall(r"[a-z0-9_]+", text)[:MAX_WORDS]:
        key = token.replace("_", " ")
        if key in STOP_WORDS:
            continue
        terms.append(SYNONYMS.get(key, [key]))
    return terms


def _fts5_term(alternatives: list[str], prefix: bool) -> str:
    parts = []
    for phrase in alternatives:
        words = WORD.findall(phrase)
        if not words:
            continue
        quoted = '"' + " ".join(words) + '"'
        parts.append(quoted + ("*" if prefix and len(words) == 1 and len(words[0]) > 2 else ""))
    return "(" + " OR ".join(parts) + ")" if parts else ""


def _fts5_query(terms: list[list[str]]) -> str:
    last = len(terms) - 1
    return " AND ".join(filter(None, (_fts5_term(t, i == last) for i, t in enumerate(terms))))


def _by_words_sqlite(terms, primary_terms, limit: int) -> list[Icd10Code]:
    wide, primary = _fts5_query(terms), _fts5_query(primary_terms)
    if not wide:
        return []
    sql = (
        "SELECT c.* FROM terminology_icd10_fts f "
        "JOIN terminology_icd10code c ON c.id = f.rowid "
        "WHERE terminology_icd10_fts MATCH %s AND c.kind != 'chapter' "
        "ORDER BY c.id NOT IN (SELECT rowid FROM terminology_icd10_fts "
        "WHERE terminology_icd10_fts MATCH %s), "
        f"{DEMOTE.format(col='c.description')}, bm25(terminology_icd10_fts, 10.0, 1.0), "
        "length(c.code), c.code LIMIT %s"
    )
    return list(Icd10Code.objects.raw(sql, [wide, primary, limit]))


def _tsquery_term(alternatives: list[str], prefix: bool) -> str:
    parts = []
    for phrase in alternatives:
        words = WORD.findall(phrase)
        if not words:
            continue
        if len(words) == 1:
            parts.append(words[0] + (":*" if prefix and len(words[0]) > 2 else ""))
        else:
            parts.append("(" + " <-> ".join(words) + ")")
    return "(" + " | ".join(parts) + ")" if parts else ""


def _tsquery(terms: list[list[str]]) -> str:
    last = len(terms) - 1
    return " & ".join(filter(None, (_tsquery_term(t, i == last) for i, t in enumerate(terms))))


def _by_words_postgres(terms, primary_terms, limit: int) -> list[Icd10Code]:
    wide, primary = _tsquery(terms), _tsquery(primary_terms)
    if not wide:
        return []
    # Normalisation 1 divides the rank by 1 + log(length): shorter, more general
    # descriptions ("Malignant neoplasm of breast") come before long specific ones.
    sql = (
        "SELECT id, code, description, kind, chapter, block, parent, is_leaf, terms "
        "FROM terminology_icd10code, to_tsquery('english', %s) wide, "
        "to_tsquery('english', %s) primary_meaning "
        "WHERE search_vector @@ wide AND kind != 'chapter' "
        "ORDER BY NOT (search_vector @@ primary_meaning), "
        f"{DEMOTE.format(col='description')}, "
        "ts_rank(search_vector, wide, 1) DESC, length(code), code LIMIT %s"
    )
    return list(Icd10Code.objects.raw(sql, [wide, primary, limit]))
