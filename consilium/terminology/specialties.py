"""Which specialties give second opinions for a diagnosis (data/specialties_by_icd10.csv).

Each row names an ICD-10-CM chapter ("2") or a range of categories ("C50-C50"). Ranges never
overlap (a test checks), so a code's category falls in at most one; its chapter is the
fallback.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .models import Icd10Code, NuccTaxonomy

DATA = Path(__file__).resolve().parent / "data" / "specialties_by_icd10.csv"


@dataclass(frozen=True)
class SpecialtyRule:
    icd10: str  # a chapter number or a range of categories "C50-C50"
    specialties: tuple[str, ...]  # NUCC codes, most relevant first
    why: str

    @property
    def is_chapter(self) -> bool:
        return "-" not in self.icd10

    def bounds(self) -> tuple[str, str]:
        start, end = self.icd10.split("-")
        return start, end

    def holds(self, category: str) -> bool:
        start, end = self.bounds()
        return start <= category <= end


@cache
def rules() -> tuple[SpecialtyRule, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return tuple(
            SpecialtyRule(row["icd10"].strip(), tuple(row["specialties"].split()),
                          row["why"].strip())
            for row in csv.DictReader(handle)
        )


def rule_for(code: str, chapter: str) -> SpecialtyRule | None:
    """The rule for an ICD-10-CM code of the given chapter: its range, else its chapter."""
    category = code[:3]
    return next((r for r in rules() if not r.is_chapter and r.holds(category)), None) or next(
        (r for r in rules() if r.is_chapter and r.icd10 == chapter), None
    )


def specialties_for_codes(codes: list[str]) -> list[NuccTaxonomy]:
    """NUCC specialties for these diagnoses, most relevant first, without repeats."""
    chapters = dict(Icd10Code.objects.filter(code__in=codes).values_list("code", "chapter"))
    ordered: list[str] = []
    for code in codes:
        rule = rule_for(code, chapters.get(code, ""))
        for nucc in rule.specialties if rule else ():
            if nucc not in ordered:
                ordered.append(nucc)
    found = NuccTaxonomy.objects.in_bulk(ordered)
    return [found[c] for c in ordered if c in found]
