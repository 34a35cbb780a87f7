"""Records on hold: a record that may be about someone else is kept, but out of everything
built from the case's records (``Record.objects.in_use()``) until the patient or a
coordinator confirms it belongs or removes it. Who the record is about is read where the
record says it (a DICOM header at upload, a FHIR record's Patient and a document's text when
they are read); identity.compare decides.

A record's subject is kept (encrypted), so a patient who gives or corrects their identity
later has every record of their cases judged again without reading the files again.
"""

from datetime import date

from django.db import transaction

from consilium.accounts.models import PatientIdentity
from consilium.audit.trail import record as audit
from consilium.audit.trail import record_many
from consilium.cases.actions import locked_case
from consilium.cases.models import Case
from consilium.errors import Conflict

from .identity import Identity, Subject, compare
from .models import IdentityCheck, Record
from .policy import policy


def identity_of(patient) -> Identity:
    """Who the patient is: their profile's identity, else at least their account's name."""
    try:
        given: PatientIdentity = patient.identity
    except PatientIdentity.DoesNotExist:
        return Identity(patient.first_name, patient.last_name)
    number = ((given.record_number_issuer, given.record_number),) if (
        given.record_number and given.record_number_issuer) else ()
    return Identity(given.given_names, given.family_name, _date(given.birth_date), number)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def note_subject(record: Record, subject: Subject) -> None:
    """Keep who the record says it is about and hold it unless that is the patient. Written
    by the system as it reads the record; a record a person confirmed stays confirmed."""
    verdict = compare(identity_of(record.case.patient), subject)
    held, reason = verdict.held, verdict.reason
    if record.source_id is not None and not held:  # a document inside a held record
        source = Record.objects.only("identity", "hold_reason").get(id=record.source_id)
        held, reason = source.identity == IdentityCheck.HELD, source.hold_reason
    if _settle(record, subject, held, reason):
        audit(None, "record.hold", record, case_id=record.case_id)


def _settle(record: Record, subject: Subject, held: bool, reason: str) -> bool:
    """Write the verdict (and the record's documents'); True if it is newly held. The caller
    writes the audit rows."""
    changes: dict = {"subject": subject.as_json()}
    if record.identity != IdentityCheck.CONFIRMED:
        changes["identity"] = (IdentityCheck.HELD if held else
                               IdentityCheck.FITS if subject.stated else IdentityCheck.UNSTATED)
        changes["hold_reason"] = reason[:300] if held else ""
    was_held = record.identity == IdentityCheck.HELD
    for name, value in changes.items():
        setattr(record, name, value)
    Record.objects.filter(id=record.id).update(**changes)
    # A FHIR record's documents are about whom the record is about.
    Record.objects.filter(source=record).exclude(identity=IdentityCheck.CONFIRMED).update(
        identity=record.identity, hold_reason=record.hold_reason)
    return record.identity == IdentityCheck.HELD and not was_held


def follow_source(record: Record) -> None:
    """A document found inside a record is held with it (stored after the hold is known)."""
    if record.source_id is not None:
        source = Record.objects.only("identity", "hold_reason").get(id=record.source_id)
        Record.objects.filter(id=record.id).update(identity=source.identity,
                                                   hold_reason=source.hold_reason)


def judge_again(patient) -> int:
    """Judge every record of the patient's cases again (their identity changed); return
    how many are on hold now."""
    identity = identity_of(patient)
    held, newly_held = 0, []
    for record in Record.objects.filter(case__patient=patient, source__isnull=True).exclude(
            identity=IdentityCheck.CONFIRMED):
        subject = Subject.from_json(record.subject)
        verdict = compare(identity, subject)
        if _settle(record, subject, verdict.held, verdict.reason):
            newly_held.append(record)
        held += verdict.held
    record_many(None, "record.hold", newly_held, case_id_of=lambda r: r.case_id)
    return held


def judge_again_on_change(sender, patient, **kwargs) -> None:
    judge_again(patient)


def may_settle_hold(record: Record, user) -> None:
    """An ``access_record_by_id`` check: refused before the record is read."""
    policy.check(user, record.case, "settle_hold")


def do_confirm_record(record: Record, *, acting_user) -> Record:
    """The patient or a coordinator says a held record is the patient's: it is used again."""
    policy.check(acting_user, record.case, "settle_hold")  # again on the locked case, below
    with transaction.atomic():
        case: Case = locked_case(record.case, "settle_hold", user=acting_user, policy=policy)
        current = Record.objects.select_for_update().get(id=record.id, case=case)
        if current.identity != IdentityCheck.HELD:
            raise Conflict("This record is not on hold.")
        Record.objects.filter(id=current.id).update(identity=IdentityCheck.CONFIRMED,
                                                    hold_reason="")
        Record.objects.filter(source=current, identity=IdentityCheck.HELD).update(
            identity=IdentityCheck.CONFIRMED, hold_reason="")
        audit(acting_user, "record.confirm", current, case_id=case.id)
    current.identity, current.hold_reason = IdentityCheck.CONFIRMED, ""
    return current


# One upload's records at once: a FHIR record and the documents found in it arrive as one file
# but are held one by one (they are about whom the file is about). The file is the record
# they came out of (``Record.source``, at any depth); "the held records of an upload" are the
# file and what came out of it, those on hold.

def upload_of(record: Record) -> Record:
    """The file a record came out of (itself if it was uploaded as it is)."""
    while record.source_id is not None:
        record = Record.objects.select_related("case").get(id=record.source_id)
    return record


def family_of(record: Record) -> list[Record]:
    """The record and every record found in it, at any depth (a few columns only)."""
    family, wave = [record], [record.id]
    while wave:
        found = list(Record.objects.filter(source_id__in=wave).only(
            "id", "case_id", "source_id", "identity", "name", "storage_name", "series_id"))
        family += found
        wave = [r.id for r in found]
    return family


def held_of_upload(record: Record) -> list[Record]:
    """The records on hold among the file ``record`` came out of and what was found in it."""
    return [r for r in family_of(upload_of(record)) if r.identity == IdentityCheck.HELD]


def do_confirm_upload(record: Record, *, acting_user) -> list[Record]:
    """The patient or a coordinator says every held record of one file is the patient's ("These
    N records are mine"): one action, one audit row per record (``record.confirm``), as
    do_confirm_record writes for one. The policy is the records' case's (records.policy:
    "settle_hold"), asked of every record's case on the locked case; the records are read
    after the case is locked, so none can be added to the file meanwhile."""
    root = upload_of(record)
    policy.check(acting_user, root.case, "settle_hold")  # again on the locked case, below
    with transaction.atomic():
        case: Case = locked_case(root.case, "settle_hold", user=acting_user, policy=policy)
        if not Record.objects.filter(id=root.id, case=case).exists():
            raise Conflict("These records were already removed.")
        ids = [r.id for r in family_of(root)]
        held = list(Record.objects.select_for_update().filter(
            id__in=ids, identity=IdentityCheck.HELD).order_by("uploaded_at", "id"))
        if not held:
            raise Conflict("No record from this file is on hold.")
        if any(each.case_id != case.id for each in held):  # the policy asked is this case's
            raise Conflict("A record from this file belongs to another case.")
        Record.objects.filter(id__in=[r.id for r in held]).update(
            identity=IdentityCheck.CONFIRMED, hold_reason="")
        record_many(acting_user, "record.confirm", held, case_id_of=lambda _: case.id)
    for each in held:
        each.identity, each.hold_reason = IdentityCheck.CONFIRMED, ""
    return held
