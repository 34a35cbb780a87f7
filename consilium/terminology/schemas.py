"""ICD-10-CM codes as a declared input: the case, the opinion and the self-assessment share it."""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from consilium.schemas import refuse

from .models import Icd10Code

# A letter (not U), two characters, then optionally a dot and up to four more.
ICD10CM_CODE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
MAX_CODES = 50
NAMED = 10  # how many refused codes a message names


def _listed(value):
    """A page's text field gives codes separated by commas, spaces or semicolons."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    return value


def known_codes(codes: list[str]) -> list[str]:
    """The codes normalised and without repeats, or a refusal naming each malformed or
    unknown one (chapters and blocks are headings, not codes)."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    formed = [code for code in wanted if ICD10CM_CODE.match(code)]
    known = set(Icd10Code.objects.filter(code__in=formed)
                .exclude(kind__in=["chapter", "block"]).values_list("code", flat=True))
    bad = [code for code in wanted if code not in known]
    if bad:
        refuse("Not an ICD-10-CM code: " + ", ".join(code[:20] for code in bad[:NAMED]))
    return wanted


Icd10Codes = Annotated[
    list[str],
    BeforeValidator(_listed),
    Field(max_length=MAX_CODES, description="ICD-10-CM codes, such as C50.912"),
    AfterValidator(known_codes),
]
