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
    writes the audit rows after every row it changes (the audit head is the last lock)."""
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
