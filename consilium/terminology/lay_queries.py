"""The measurement set of lay searches (data/lay_queries.csv): what a patient types, and the
ICD-10-CM codes that would be right for it. Read by the tests and by bench/icd10_search.py."""

import csv
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from pathlib import Path

PATH = Path(__file__).with_name("data") / "lay_queries.csv"


def read_lay_queries(path: Path = PATH) -> list[tuple[str, list[str]]]:
    """[(query, [pattern, …]), …]; a pattern is a code, or fnmatch-style ("S83.2*")."""
    with path.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)  # header
        return [(query, patterns.split()) for query, patterns in rows]


def is_right(code: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(code, pattern) for pattern in patterns)


def misses(search: Callable[[str], list[str]], top: int = 5) -> list[tuple[str, list[str]]]:
    """The queries with no right code among the first ``top`` codes ``search`` returns,
    each with what it returned."""
    missed = []
    for query, patterns in read_lay_queries():
        codes = search(query)[:top]
        if not any(is_right(code, patterns) for code in codes):
            missed.append((query, codes))
    return missed
