"""Import FHIR R4 records: Bundles (collection, transaction, document, searchset) and NDJSON.

Parsing is orjson into plain dicts; only what we keep is checked (types of the fields we
read), not the whole resource, which keeps a 4 MB Synthea bundle well under two seconds.
A malformed resource is reported and skipped; the rest of the file still imports.
"""

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import orjson
from django.db import connection, models, transaction
from django.utils import timezone

from consilium.bulk import insert_rows

from .identity import Subject, from_fhir_patients
from .models import ClinicalEntry, EntryCategory, Record

CATEGORY = {
    "Patient": EntryCategory.PATIENT,
    "Condition": EntryCategory.CONDITION,
    "MedicationRequest": EntryCategory.MEDICATION,
    "MedicationStatement": EntryCategory.MEDICATION,
    "AllergyIntolerance": EntryCategory.ALLERGY,
    "Observation": EntryCategory.OBSERVATION,
    "Procedure": EntryCategory.PROCEDURE,
    "DiagnosticReport": EntryCategory.REPORT,
    "Immunization": EntryCategory.IMMUNIZATION,
    "DocumentReference": EntryCategory.DOCUMENT,
}
CODE_FIELDS = ("code", "medicationCodeableConcept", "vaccineCode", "type")
WHEN_FIELDS = ("effectiveDateTime", "onsetDateTime", "performedDateTime", "authoredOn",
               "occurrenceDateTime", "recordedDate", "issued", "date", "birthDate")
PERIOD_FIELDS = ("effectivePeriod", "performedPeriod", "onsetPeriod")
# Attached documents kept as records of their own; other kinds are counted, not kept.
ATTACHMENT_TYPES = {"text/plain": ".txt", "application/pdf": ".pdf"}
MAX_ATTACHMENTS = 5000
SYSTOLIC = "8480-6"  # LOINC: systolic blood pressure, written first


class Malformed(ValueError):
    pass


@dataclass
class Attachment:
    """A document inside a resource (DocumentReference.content, DiagnosticReport's
    presentedForm), still base64-encoded."""

    name: str
    data: str

    def decoded(self) -> bytes:
        return base64.b64decode(self.data, validate=True)


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    linked_only: int = 0  # attachments given only as a URL, which we do not fetch
    other_kinds: int = 0  # attachments in formats other than text and PDF
    subject: Subject = field(default_factory=Subject)  # who its Patient resources are

    def note(self) -> str:
        parts = [f"Imported {self.imported} entries."]
        if self.skipped:
            parts.append(f"Skipped {len(self.skipped)} malformed resource(s): "
                         + "; ".join(self.skipped[:5]) + ("…" if len(self.skipped) > 5 else ""))
        if self.linked_only:
            parts.append(f"{self.linked_only} document(s) are only linked from the record, "
                         "not included; ask the sender for them.")
        if self.other_kinds:
            parts.append(f"{self.other_kinds} attached document(s) in other formats were "
                         "not kept.")
        parts += self.warnings
        return " ".join(parts)


def resources(data: bytes, kind: str) -> Iterator[dict | Malformed]:
    """Every resource in the file, or a Malformed for each one that cannot be read."""
    if kind == "fhir_ndjson":
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    yield Malformed(f"line {number} is not JSON")
        return
    try:
        top = orjson.loads(data)
    except orjson.JSONDecodeError:
        yield Malformed("the file is not JSON")
        return
    if isinstance(top, dict) and top.get("resourceType") == "Bundle":
        for number, entry in enumerate(top.get("entry") or [], start=1):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            yield resource if isinstance(resource, dict) else Malformed(
                f"bundle entry {number} has no resource")
    else:
        yield top


def import_record(record: Record, data: bytes) -> ImportReport:
    """Replace the record's clinical entries with what ``data`` holds."""
    report = ImportReport()
    entries = []
    patients = []
    for resource in resources(data, record.kind):
        if isinstance(resource, Malformed):
            report.skipped.append(str(resource))
            continue
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind not in CATEGORY:
            continue
        if kind == "Patient":
            patients.append(resource)
        try:
            entries.append(_entry(record, resource))
            _collect_attachments(resource, entries[-1], report)
        except (Malformed, TypeError, ValueError, AttributeError) as problem:
            report.skipped.append(f"{kind}/{str(resource.get('id', '?'))[:40]}: {problem}")
    with transaction.atomic():
        ClinicalEntry.objects.filter(record=record).delete()
        _insert(entries)
    report.imported = len(entries)
    report.subject = from_fhir_patients(patients)
    return report


COLUMNS = ("case_id", "record_id", "resource_type", "resource_id", "category", "display",
           "codings", "status", "effective", "value", "value_text", "unit")


def _insert(entries: list[ClinicalEntry]) -> None:
    """Plain SQL: bulk_create spent longer preparing the values than parsing the file took
    (measured on a 4 MB Synthea bundle)."""
    if not entries:
        return
    adapt = connection.ops.adapt_datetimefield_value
    # The same case and record on every row: their ids (UUIDs) prepared once.
    case_id, record_id = (_prepared(name, getattr(entries[0], name))
                          for name in ("case_id", "record_id"))
    rows = ((case_id, record_id, e.resource_type, e.resource_id, e.category, e.display,
             orjson.dumps(e.codings).decode(), e.status, adapt(e.effective), e.value,
             e.value_text, e.unit) for e in entries)
    with connection.cursor() as cursor:
        insert_rows(cursor, ClinicalEntry._meta.db_table, list(COLUMNS), rows)


def _prepared(column: str, value):
    """``value`` as the database stores ``column`` (a UUID as its driver wants it)."""
    field = ClinicalEntry._meta.get_field(column)
    assert isinstance(field, models.Field)  # a column of the table, not a reverse relation
    return field.get_db_prep_value(value, connection)


def _collect_attachments(resource: dict, entry: ClinicalEntry, report: ImportReport) -> None:
    if resource["resourceType"] == "DocumentReference":
        attachments = [c.get("attachment") for c in resource.get("content") or []
                       if isinstance(c, dict)]
    elif resource["resourceType"] == "DiagnosticReport":
        attachments = resource.get("presentedForm") or []
    else:
        return
    for attachment in attachments:
        if not isinstance(attachment, dict):
            raise Malformed("an attachment is not an object")
        media_type = str(attachment.get("contentType", "")).split(";")[0].strip().lower()
        if not isinstance(attachment.get("data"), str):
            report.linked_only += bool(attachment.get("url"))
            continue
        if media_type not in ATTACHMENT_TYPES or len(report.attachments) >= MAX_ATTACHMENTS:
            report.other_kinds += 1
            continue
        report.attachments.append(Attachment(_attachment_name(attachment, entry, media_type),
                                             attachment["data"]))


def _attachment_name(attachment: dict, entry: ClinicalEntry, media_type: str) -> str:
    """A readable file name: its title or the document's kind, and its date."""
    title = str(attachment.get("title") or entry.display or "Document")
    when = f" {entry.effective:%Y-%m-%d}" if entry.effective else ""
    base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", " ", f"{title}{when}").strip()[:200]
    return f"{base}{ATTACHMENT_TYPES[media_type]}"


def _entry(record: Record, resource: dict) -> ClinicalEntry:
    kind = resource["resourceType"]
    category = CATEGORY[kind]
    codings, display = _codings(resource)
    value, value_text, unit = _value(resource)
    if kind == "Patient":
        display = _patient_name(resource)
    elif kind == "Observation":
        category = _observation_category(resource)
    if not display:
        raise Malformed("no code or text says what it is")
    return ClinicalEntry(
        case_id=record.case_id, record=record, resource_type=kind,
        resource_id=str(resource.get("id", ""))[:64], category=category,
        display=display[:300], codings=codings, status=_status(resource)[:40],
        effective=_when(resource), value=value, value_text=value_text[:200], unit=unit[:40],
    )


def _codings(resource: dict) -> tuple[list[dict], str]:
    for name in CODE_FIELDS:
        concept = resource.get(name)
        if isinstance(concept, list):  # DocumentReference.type is one concept; category a list
            concept = concept[0] if concept else None
        if isinstance(concept, dict):
            codings = concept.get("coding") or []
            if not isinstance(codings, list):
                raise Malformed(f"{name}.coding is not a list")
            kept = [{"system": str(c.get("system", "")), "code": str(c.get("code", "")),
                     "display": str(c.get("display", ""))} for c in codings
                    if isinstance(c, dict)]
            text = concept.get("text") or next((c["display"] for c in kept if c["display"]), "")
            return kept, str(text)
    return [], ""


def _value(resource: dict) -> tuple[float | None, str, str]:
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity:
        number = quantity["value"]
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise Malformed("valueQuantity.value is not a number")
        return float(number), "", str(quantity.get("unit") or quantity.get("code") or "")
    concept = resource.get("valueCodeableConcept")
    if isinstance(concept, dict):
        codings = concept.get("coding") or [{}]
        return None, str(concept.get("text") or codings[0].get("display", "")), ""
    if isinstance(resource.get("valueString"), str):
        return None, resource["valueString"], ""
    return None, _component_values(resource), ""


def _component_values(resource: dict) -> str:
    """A reading made of parts, such as blood pressure: "128/84 mm[Hg]" (systolic first)."""
    components = [c for c in resource.get("component") or [] if isinstance(c, dict)]
    components.sort(key=lambda c: SYSTOLIC not in str(c.get("code")))
    parts, unit = [], ""
    for component in components:
        quantity = component.get("valueQuantity")
        if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
            parts.append(f"{round(quantity['value'], 1):g}")
            unit = str(quantity.get("unit") or quantity.get("code") or unit)
    return f"{'/'.join(parts)} {unit}".strip() if parts else ""


def _observation_category(resource: dict) -> EntryCategory:
    for concept in resource.get("category") or []:
        for coding in (concept or {}).get("coding") or []:
            if coding.get("code") == "laboratory":
                return EntryCategory.LAB
            if coding.get("code") == "vital-signs":
                return EntryCategory.VITAL
    return EntryCategory.OBSERVATION


def _status(resource: dict) -> str:
    clinical = resource.get("clinicalStatus")
    if isinstance(clinical, dict):
        codings = clinical.get("coding") or [{}]
        return str(codings[0].get("code", ""))
    return str(resource.get("status", ""))


def _when(resource: dict) -> datetime | None:
    for name in WHEN_FIELDS:
        if isinstance(resource.get(name), str):
            return _parse_time(resource[name])
    for name in PERIOD_FIELDS:
        period = resource.get(name)
        if isinstance(period, dict) and isinstance(period.get("start"), str):
            return _parse_time(period["start"])
    return None


def _parse_time(text: str) -> datetime:
    if len(text) <= 10:  # a date, a year-month or a year
        parts = [int(p) for p in text.split("-")] + [1, 1]
        return timezone.make_aware(datetime.combine(date(*parts[:3]), time()),
                                   timezone.get_default_timezone())
    moment = datetime.fromisoformat(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _patient_name(resource: dict) -> str:
    names = resource.get("name") or [{}]
    name = names[0] if isinstance(names[0], dict) else {}
    given = " ".join(str(g) for g in name.get("given") or [])
    return (name.get("text") or f"{given} {name.get('family', '')}").strip()
