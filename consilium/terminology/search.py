"""ICD-10-CM search by code or by words, on the full-text index of either database.

A query that looks like a code ("C50.91", "c5091") returns that code and its descendants,
shortest first. Anything else is matched word by word against descriptions, with everyday
words translated to ICD wording ("cancer" → "malignant neoplasm" or "carcinoma"), the last
word matched as a prefix so the search works while typing, and the best-ranked first.
"""

import re

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
    terms = _expand(query.lower())
    if not terms:
        return []
    by_words = _by_words_postgres if connection.vendor == "postgresql" else _by_words_sqlite
    # The first alternative of each term is its usual meaning ("cancer" → malignant
    # neoplasm): codes matching those come first, the wider matches ("carcinoma") after.
    wanted = limit * 3  # extra candidates, so grouping below has something to group
    return _group_by_category(by_words(terms, [t[:1] for t in terms], wanted))[:limit]


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
        if key in ("of", "the", "and", "with", "in", "on", "a", "my"):
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
        f"{DEMOTE.format(col='c.description')}, bm25(terminology_icd10_fts), "
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
        "SELECT id, code, description, kind, chapter, block, parent, is_leaf "
        "FROM terminology_icd10code, to_tsquery('english', %s) wide, "
        "to_tsquery('english', %s) primary_meaning "
        "WHERE search_vector @@ wide AND kind != 'chapter' "
        "ORDER BY NOT (search_vector @@ primary_meaning), "
        f"{DEMOTE.format(col='description')}, "
        "ts_rank(search_vector, wide, 1) DESC, length(code), code LIMIT %s"
    )
    return list(Icd10Code.objects.raw(sql, [wide, primary, limit]))
