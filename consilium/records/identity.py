"""Whether a record is about the case's patient: what the record says about who it is about
(its *subject*), compared with who the patient is (their identity on their profile).

A record that names someone else, or whose name only partly fits, is put **on hold**
(records.models.IdentityCheck): kept, but out of everything built from the case's records
until a person confirms it belongs or removes it. Comparing errs on the side of holding: a
held record costs the patient one click; another person's heart failure in their summary
could change a specialist's advice.

- Names are compared word by word, accents, case, punctuation and order aside (“LÓPEZ,
  María” is “Maria Lopez”; Synthea's numbered names, “Maria123”, too), each word allowing a
  small misspelling (rapidfuzz). The family name and a given name (or its initial) must fit.
- Birth dates must be equal where both are known; record numbers where both name the same
  institution (a different number at the same place is another person).
- A record that says nothing of who it is about (a photo, most letters) is not held.

What records say of their subject: FHIR Patient resources, DICOM headers, an HL7 CDA
document's recordTarget (``from_cda``, read without entities, DTDs or the network), and the
labels of letters and reports (``from_text``).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from lxml import etree
from rapidfuzz import fuzz

# A word of a name fits another at or above this similarity (0-100): one letter in six may
# differ ("Mueller"/"Muller", "Jon"/"John" do not reach it at short lengths, so initials and
# exact matches carry those).
WORD_SIMILARITY = 85
ISSUER_SIMILARITY = 80

# What the patient is told; none names the other person (the file may be someone else's
# health data: the reason is shown to the patient and the coordinator only, and plainly).
REASONS = {
    "name": "the name in it is not the patient's",
    "partial": "the name in it only partly matches the patient's",
    "birth_date": "the birth date in it is not the patient's",
    "number": "its record number is not the patient's at that institution",
    "unknown_patient": "we do not know the patient's legal name and birth date yet",
}


@dataclass(frozen=True)
class Identity:
    """Who the patient is: from their profile, or at least their account's name."""
    given: str = ""
    family: str = ""
    birth_date: date | None = None
    numbers: tuple[tuple[str, str], ...] = ()  # (issuing institution, number)

    @property
    def known(self) -> bool:
        return bool(self.family.strip() or self.given.strip() or self.birth_date)


@dataclass(frozen=True)
class Subject:
    """Who a record says it is about; empty when it does not say."""
    names: tuple[str, ...] = ()
    birth_dates: tuple[date, ...] = ()
    numbers: tuple[tuple[str, str], ...] = ()  # (issuer, number)

    @property
    def stated(self) -> bool:
        return bool(self.names or self.birth_dates or self.numbers)

    def as_json(self) -> dict:
        return {"names": list(self.names),
                "birth_dates": [d.isoformat() for d in self.birth_dates],
                "numbers": [list(n) for n in self.numbers]}

    @classmethod
    def from_json(cls, data: dict | None) -> "Subject":
        data = data or {}
        return cls(tuple(data.get("names") or ()),
                   tuple(d for d in map(_iso_date, data.get("birth_dates") or ()) if d),
                   tuple((str(i), str(n)) for i, n in data.get("numbers") or ()))


@dataclass(frozen=True)
class Verdict:
    held: bool
    reasons: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        """One plain sentence for the records page."""
        if not self.reasons:
            return ""
        said = [REASONS[r] for r in self.reasons]
        joined = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
        return f"{joined[0].upper()}{joined[1:]}."


MATCHES = Verdict(held=False)


def compare(identity: Identity, subject: Subject) -> Verdict:
    """Hold the record unless what it says of its subject fits the patient."""
    if not subject.stated:
        return MATCHES
    if not identity.known:
        return Verdict(True, ("unknown_patient",))
    reasons = []
    fits = [_name_fit(identity, name) for name in subject.names]
    if fits and "full" not in fits:
        reasons.append("partial" if "partial" in fits else "name")
    if identity.birth_date and subject.birth_dates and identity.birth_date not in (
            subject.birth_dates):
        reasons.append("birth_date")
    if _numbers_differ(identity.numbers, subject.numbers):
        reasons.append("number")
    return Verdict(True, tuple(reasons)) if reasons else MATCHES


def words(name: str) -> list[str]:
    """A name's words: accents, case, digits and punctuation aside."""
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return [w for w in re.split(r"[^a-z]+", plain) if w]


def _name_fit(identity: Identity, name: str) -> str:
    """"full" (family name and a given name fit), "partial" (one of them), or "none"."""
    said = words(name)
    family = words(identity.family)
    given = words(identity.given)
    family_fits = bool(family) and all(_word_in(w, said) for w in family)
    given_fits = bool(given) and (_word_in(given[0], said) or given[0][0] in
                                  [w for w in said if len(w) == 1])
    if family and given:
        return "full" if family_fits and given_fits else (
            "partial" if family_fits or given_fits else "none")
    return "full" if family_fits or given_fits else "none"


def _word_in(word: str, said: list[str]) -> bool:
    return any(w == word or (min(len(w), len(word)) >= 4
                             and fuzz.ratio(w, word) >= WORD_SIMILARITY) for w in said)


def _numbers_differ(mine, theirs) -> bool:
    """A number at the same institution that is not the patient's (a number we share with the
    record settles nothing else: names and dates are still compared)."""
    for issuer, number in mine:
        same_place = [n for i, n in theirs if _same_issuer(issuer, i)]
        if same_place and _number(number) not in {_number(n) for n in same_place}:
            return True
    return False


def _same_issuer(a: str, b: str) -> bool:
    a, b = " ".join(words(a)), " ".join(words(b))
    return bool(a and b) and (a == b or fuzz.token_set_ratio(a, b) >= ISSUER_SIMILARITY)


def _number(value: str) -> str:
    return re.sub(r"[\s\-./]", "", value).casefold().lstrip("0")


def _iso_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# What records say of their subject ------------------------------------------------------

def from_fhir_patients(resources: list[dict]) -> Subject:
    """The Patient resources of a FHIR record: every official or usual name, the birth date,
    and identifiers with their assigner or system."""
    names, born, numbers = [], [], []
    for resource in resources:
        for name in resource.get("name") or []:
            if not isinstance(name, dict) or name.get("use") in ("old", "anonymous"):
                continue
            given = " ".join(str(g) for g in name.get("given") or [])
            text = name.get("text") or f"{given} {name.get('family', '')}"
            if str(text).strip():
                names.append(str(text).strip())
        if (when := _iso_date(resource.get("birthDate", ""))) is not None:
            born.append(when)
        for identifier in resource.get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("value"):
                assigner = (identifier.get("assigner") or {}).get("display") if isinstance(
                    identifier.get("assigner"), dict) else None
                numbers.append((str(assigner or identifier.get("system") or ""),
                                str(identifier["value"])))
    return Subject(tuple(names), tuple(born), tuple(numbers))


def from_dicom(dataset) -> Subject:
    """PatientName (Family^Given^Middle), PatientBirthDate (YYYYMMDD), PatientID with
    IssuerOfPatientID, of a pydicom dataset."""
    name = str(dataset.get("PatientName", "") or "").replace("^", " ").strip()
    born = _dicom_date(str(dataset.get("PatientBirthDate", "") or ""))
    number = str(dataset.get("PatientID", "") or "").strip()
    issuer = str(dataset.get("IssuerOfPatientID", "") or "").strip()
    return Subject((name,) if name else (), (born,) if born else (),
                   ((issuer, number),) if number and issuer else ())


def _dicom_date(value: str) -> date | None:
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            return None
    return None


# HL7 CDA (Clinical Document Architecture, R2; C-CDA is its US profile): an XML document
# whose header names its patient in recordTarget/patientRole (ids, patient/name, birthTime).
CDA_NAMESPACE = "urn:hl7-org:v3"
CDA_HEAD = 20_000  # the root element comes after the declaration and the comments
# Read as untrusted: no entity is expanded, no DTD or other file loaded, nothing fetched,
# no "huge" document; a damaged or cut file is read as far as it goes.
CDA_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                             huge_tree=False, remove_comments=True, remove_pis=True,
                             recover=True)


def is_cda(text: str) -> bool:
    """An XML document whose root is a CDA ClinicalDocument (a text record)."""
    head = text[:CDA_HEAD].lstrip("\ufeff \t\r\n")
    return head.startswith("<") and re.search(r"<(?:\w+:)?ClinicalDocument\b", head) is not None


def from_cda(text: str) -> Subject:
    """The patient of a CDA document: each of recordTarget/patientRole/patient's names
    (given and family; an anonymous one aside), its birthTime (to the day), and the
    patientRole's ids as (assigningAuthorityName or root, extension). Not the guardian's,
    the author's or anyone else's named in the document."""
    try:
        root = etree.fromstring(text.encode("utf-8"), CDA_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return Subject()
    if root is None:
        return Subject()
    names, born, numbers = [], [], []
    for role in _cda_children(root, "recordTarget", "patientRole"):
        for ident in _cda_children(role, "id"):
            number = (ident.get("extension") or "").strip()
            issuer = (ident.get("assigningAuthorityName") or ident.get("root") or "").strip()
            if number and issuer:
                numbers.append((issuer[:200], number[:100]))
        for patient in _cda_children(role, "patient"):
            for name in _cda_children(patient, "name"):
                if "ANON" in (name.get("use") or "").upper().split():
                    continue
                parts = [_cda_text(p) for p in _cda_children(name, "given")]
                parts += [_cda_text(p) for p in _cda_children(name, "family")]
                said = " ".join(p for p in parts if p) or _cda_text(name)
                if words(said):
                    names.append(said[:200])
            for birth in _cda_children(patient, "birthTime"):
                if (when := _dicom_date((birth.get("value") or "")[:8])) is not None:
                    born.append(when)
    return Subject(tuple(dict.fromkeys(names))[:5], tuple(dict.fromkeys(born)),
                   tuple(dict.fromkeys(numbers))[:10])


def _cda_children(element, *path: str) -> list:
    """The elements at this path of local names below ``element`` (with or without the
    CDA namespace: a sloppy export may leave it out)."""
    found = [element]
    for name in path:
        found = [child for parent in found for child in parent
                 if isinstance(child.tag, str) and etree.QName(child).localname == name]
    return found


def _cda_text(element) -> str:
    """An element's own text (an entity reference left unexpanded is no text)."""
    return " ".join(" ".join(t for t in element.itertext(with_tail=True)
                             if isinstance(t, str)).split())


def subject_of_text(text: str) -> Subject:
    """Who a text record says it is about: a CDA document's patient, else a letter's
    labels."""
    return from_cda(text) if is_cda(text) else from_text(text)


# In letters and reports the patient is named after a label; the birth date too.
NAME_LABEL = re.compile(
    r"^[ \t]*(?:patient(?:'s)?(?:[ \t]+name)?|name[ \t]+of[ \t]+patient|patient[ \t]*name"
    r"|name|patientin|patient/in|name,[ \t]*vorname)[ \t]*:[ \t]*(?P<name>[^\n\r:]{3,80})$",
    re.IGNORECASE | re.MULTILINE)
BIRTH_LABEL = re.compile(
    r"(?:\bdate[ \t]+of[ \t]+birth|\bd\.?o\.?b\.?|\bborn(?:[ \t]+on)?|\bbirth[ \t]*date"
    r"|\bgeb(?:oren|urtsdatum|\.)(?:[ \t]+am)?)[ \t]*:?[ \t]*(?P<date>[0-9./\-]{6,10}"
    r"|[0-9]{1,2}[ \t]+[A-Za-z]{3,9}[ \t]+[0-9]{4}|[A-Za-z]{3,9}[ \t]+[0-9]{1,2},?[ \t]+[0-9]{4})",
    re.IGNORECASE)
MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def from_text(text: str) -> Subject:
    """A name after a "Patient:"/"Name:" label and dates after a birth label, in the first
    pages of a letter or report. A numeric date that reads both ways (03/04/1961: 3 April
    in Europe, March 4 in the US) is kept in both readings; either fitting is enough."""
    head = text[:20_000]
    names = tuple(dict.fromkeys(m.group("name").strip(" .,;") for m in NAME_LABEL.finditer(head)
                                if words(m.group("name"))))[:3]
    dates: list[date] = []
    for match in BIRTH_LABEL.finditer(head):
        dates += _text_dates(match.group("date"))
    return Subject(names, tuple(dict.fromkeys(dates)))


def _text_dates(value: str) -> list[date]:
    value = value.strip().rstrip(".")
    worded = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3,9})\s+(\d{4})", value) or re.fullmatch(
        r"([A-Za-z]{3,9})\s+(\d{1,2}),?\s+(\d{4})", value)
    if worded:
        parts = worded.groups()
        day, month_word, year = (parts if parts[0].isdigit() else (parts[1], parts[0], parts[2]))
        month = MONTHS.get(month_word[:3].casefold())
        return [d for d in [_safe_date(int(year), month, int(day))] if d] if month else []
    if (iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)) is not None:
        year, month, day = map(int, iso.groups())
        return [d for d in [_safe_date(year, month, day)] if d]
    numeric = re.fullmatch(r"(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})", value)
    if numeric is None:
        return []
    first, second, year = map(int, numeric.groups())
    if year < 100:
        year += 1900 if year > date.today().year % 100 else 2000
    readings = {_safe_date(year, second, first), _safe_date(year, first, second)} - {None}
    return sorted(d for d in readings if d is not None)


def _safe_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month or 0, day)
    except ValueError:
        return None
