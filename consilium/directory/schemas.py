"""A specialist's directory entry as declared input: the availability page and the profile
page read it with ``AvailabilityIn`` and ``ProfileIn`` (consilium/schemas.py says how), in
``do_update_availability`` and ``do_update_profile``. Only the fields sent change. A board
certification is read with ``CertificationIn`` in ``do_add_certification``."""

import re
from datetime import date
from typing import Annotated, Any

from django.db.models import CharField
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from consilium.schemas import Day, FreeText, InputSchema, blank_as, refuse, says, written
from consilium.terminology.models import Icd10Code, NuccTaxonomy

from . import geo
from .models import BoardCertification

# An ICD-10-CM code or category ("C50", "C50.912") or a range of them ("C81-C96").
CODE = r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"
FOCUS = re.compile(rf"^{CODE}(-{CODE})?$")
FIRST_YEAR = 1940
NAMED = 5  # how many refused codes a message names


def _listed(value: Any) -> Any:
    """A page's text field gives items separated by commas, spaces or semicolons."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    return value


def _known_focus(items: list[str]) -> list[str]:
    """Codes or ranges of known ICD-10-CM codes, upper-cased, without repeats."""
    wanted = list(dict.fromkeys(item.strip().upper() for item in items if item.strip()))
    bad = []
    for item in wanted:
        ends = item.split("-")
        known = Icd10Code.objects.filter(code__in=ends).count() == len(set(ends))
        if not (FOCUS.match(item) and known):
            bad.append(item)
    if bad:
        refuse("Not an ICD-10-CM code or range: " + ", ".join(b[:20] for b in bad[:NAMED]))
    return wanted


def _named(name: str) -> str:
    if not name:
        refuse("Give the specialist's name.")
    return name


def _known_taxonomy(code: str | None) -> str | None:
    if code is not None and not NuccTaxonomy.objects.filter(code=code).exists():
        refuse(f"“{code[:20]}” is not a NUCC taxonomy code.")
    return code


def _not_future(year: int | None) -> int | None:
    if year is not None and year > date.today().year:
        refuse("Give the year they started practising.")
    return year


def _known_zip(postal: str) -> str:
    if postal and geo.zip_point(postal) is None:
        refuse(f"“{postal[:20]}” is not a known US ZIP code.")
    return postal


Capacity = Annotated[int, Field(ge=0, le=100), says("Give a whole number from 0 to 100.")]
TurnaroundDays = Annotated[int, Field(ge=1, le=60), says("Give a whole number from 1 to 60.")]
Focus = Annotated[list[str], BeforeValidator(_listed), AfterValidator(_known_focus),
                  Field(description="ICD-10-CM codes or ranges, such as C50 or C81-C96")]
Languages = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                          pattern=r"^[a-z]{2,3}$")]],
    BeforeValidator(_listed), says("Give two-letter language codes, such as en, es."),
]
Networks = Annotated[list[Annotated[str, StringConstraints(max_length=100)]],
                     BeforeValidator(_listed)]
TaxonomyCode = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=10)] | None,
    blank_as(None), AfterValidator(_known_taxonomy),
    Field(description="A NUCC taxonomy code, such as 207RX0202X; empty keeps the one set"),
]
PractisingSince = Annotated[
    Annotated[int, Field(ge=FIRST_YEAR)] | None, blank_as(None),
    says("Give the year they started practising."), AfterValidator(_not_future),
]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10),
                       blank_as(""), AfterValidator(_known_zip)]


class AvailabilityIn(InputSchema):
    """What a specialist sets for themselves: whether and how much they take on, how fast
    they usually write, video visits, and the conditions they focus on."""

    accepting_cases: bool = False
    capacity: Capacity = 0
    turnaround_days: TurnaroundDays = 1
    telemedicine: bool = False
    conditions_of_focus: Focus = []


class ProfileIn(AvailabilityIn):
    """The whole entry, as a coordinator or administrator corrects it. An empty specialty
    or starting year keeps the one set."""

    name: Annotated[str, FreeText(200), AfterValidator(_named)] = ""
    credentials: Annotated[str, FreeText(60)] = ""
    taxonomy_code: TaxonomyCode = None
    institution: Annotated[str, FreeText(200)] = ""
    hospital_system: Annotated[str, FreeText(200)] = ""
    city: Annotated[str, FreeText(100)] = ""
    state: Annotated[str, FreeText(2)] = ""
    postal_code: PostalCode = ""
    languages: Languages = []
    insurance_networks: Networks = []
    practising_since: PractisingSince = None
    de_specialist_title: Annotated[str, FreeText(120)] = ""
    de_approved_by: Annotated[str, FreeText(120)] = ""



def _limit(name: str) -> int:
    """How long a text its column holds."""
    field = BoardCertification._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length  # declared so in models.py
    return field.max_length


Expires = Annotated[date | None, Day("Give the date as YYYY-MM-DD, such as 2030-12-31."),
                    Field(description="The last day it is valid (YYYY-MM-DD); none: no expiry")]


class CertificationIn(InputSchema):
    """A board certification a coordinator records: the certifying board, the specialty it
    certifies, and the day it expires (if it does). Each name is at most as long as its
    column holds: a longer one is refused, never cut short."""

    board: Annotated[str, FreeText(_limit("board")), written("Name the certifying board.")]
    specialty: Annotated[str, FreeText(_limit("specialty")),
                         written("Name the certified specialty.")]
    expires: Expires = None
