"""Everything about a patient, as one zip they download themselves (issue #21).

Built synchronously into an anonymous temporary file (``tempfile.TemporaryFile``: no name on
disk, gone when closed), then streamed to the patient; nothing is kept, emailed or linked.
Memory stays flat: record files are decrypted a segment at a time straight into the zip, and
only the two report PDFs of an opinion are held while they are written. A background build
(django-tasks) is the next step for patients with many gigabytes of imaging: docs/deploy.md.

What is read goes through the access helpers (``cases_visible_to``, ``records_shown_to``,
``messages_for``): the patient's own cases, their records including those on hold (the patient
sees those; the README says which), the messages to everyone on the case, never the care
team's notes, and the requests for records to their providers (``requests_in_order``, as the
case's requests page shows them to the patient). The export itself is one audit row
(``user.data_export``, mydata/actions.py).
"""

import json
import re
import tempfile
import zipfile
from datetime import datetime
from types import SimpleNamespace
from typing import IO

from django.conf import settings
from django.utils import timezone

from consilium.cases.access import cases_visible_to
from consilium.cases.intake_actions import intake_of
from consilium.cases.models import Case
from consilium.conversations.access import messages_for
from consilium.decisions.models import Decision, EarlierDecision
from consilium.journal.models import JournalNote
from consilium.opinions import fhir
from consilium.opinions.models import Opinion
from consilium.opinions.reports import render_report
from consilium.records.access import records_shown_to, requests_in_order
from consilium.records.models import STATE_LABELS, IdentityCheck, Record
from consilium.records.policy import policy as records_policy
from consilium.records.storage import open_plaintext
from consilium.terminology.models import Icd10Code

UNSAFE = re.compile(r"[^\w.\- ()]+")


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _safe(name: str, taken: set[str]) -> str:
    """A file name that stays in its folder and is not used twice."""
    base = UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .") or "file"
    base = base[:120]
    candidate, stem, dot, ext = base, *base.rpartition(".")
    if not stem:
        stem, dot, ext = ext, "", ""
    number = 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({number}){dot}{ext}"
        number += 1
    taken.add(candidate.lower())
    return candidate


def _lines(*pairs: tuple[str, object]) -> str:
    return "".join(f"{label}: {value}\n" for label, value in pairs if value not in ("", None, []))


def case_text(case: Case, titles: dict[str, str]) -> str:
    codes = [f"{c} {titles.get(c, '')}".strip() for c in case.diagnosis_codes]
    text = (f"Case started {_when(case.created_at)}\nStatus: {case.get_status_display()}\n\n"
            "THE FIRST OPINION\n")
    text += _lines(("Diagnosis", case.diagnosis_text), ("Codes (ICD-10-CM)", "; ".join(codes)),
                   ("Proposed treatment", case.get_treatment_category_display()),
                   ("Treatment details", case.treatment_description),
                   ("Diagnosing physician", case.diagnosing_physician),
                   ("Hospital or practice", case.institution),
                   ("Hospital system", case.hospital_system),
                   ("Date of the first opinion", case.first_opinion_date),
                   ("Symptoms", case.symptoms), ("Concerns", case.concerns),
                   ("Goals", case.goals), ("Where you live", case.patient_location))
    questions = list(case.questions.order_by("position"))
    if questions:
        text += "\nYOUR QUESTIONS\n" + "".join(f"{n}. {q.text}\n"
                                                for n, q in enumerate(questions, 1))
    intake = intake_of(case)
    if intake is not None:  # what the specialist was told of you (docs/work-queue.md, Intake)
        text += "\nTHE COORDINATOR'S SUMMARY FOR THE SPECIALIST\n" + _lines(
            ("Key question", intake.key_question), ("History", intake.history),
            ("What the records show", intake.records_show), ("What is missing", intake.missing),
            ("Written by", intake.written_by), ("Saved", _when(intake.updated_at)))
    events = list(case.events.order_by("at"))
    if events:
        text += "\nHISTORY\n" + "".join(
            f"{_when(e.at)}  {e.get_kind_display()}"
            f"{' → ' + e.get_to_status_display() if e.to_status else ''}\n" for e in events)
    return text


def messages_text(user, case: Case) -> str:
    found = messages_for(user, case).select_related("author").prefetch_related(
        "attachments").order_by("created_at")
    return "".join(
        f"{_when(m.created_at)}  {m.author.get_full_name() or m.author.get_username()} "
        f"({m.author_role}){' — a reply' if m.reply_to_id else ''}\n{m.body}\n"
        + "".join(f"  attached: {a.name}\n" for a in m.attachments.all()) + "\n"
        for m in found)


def journal_text(user, case: Case) -> str:
    notes = JournalNote.objects.filter(case=case, author=user).order_by("written_at")
    return "".join(f"{_when(n.written_at)}\n{n.text}\n\n" for n in notes)


def decision_text(case: Case) -> str:
    decision = Decision.objects.filter(case=case).first()
    if decision is None:
        return ""
    text = _lines(("Your decision", decision.get_choice_display()),
                  ("Why", decision.explanation), ("Decided", _when(decision.decided_at)))
    for earlier in EarlierDecision.objects.filter(case=case).order_by("decided_at"):
        text += "\nEarlier: " + _lines(("Decision", earlier.get_choice_display()),
                                       ("Why", earlier.explanation),
                                       ("Decided", _when(earlier.decided_at)),
                                       ("Replaced", _when(earlier.replaced_at)))
    return text


def _day(day) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def requests_text(user, case: Case) -> str:
    """The requests for records to your providers, as the case's requests page shows them
    to you (records.policy see_requests): who was asked for what, and where each stands."""
    if not records_policy.may(user, case, "see_requests"):
        return ""
    today = timezone.localdate()
    found = list(requests_in_order(case))
    for asked in found:
        asked.case = case  # the labels of the items asked are in the case's checklist
    return "".join(_request_text(asked, today) for asked in found)


def _request_text(asked, today) -> str:
    reminded = (f"{asked.reminders} time(s), last on {_day(asked.reminded_on)}"
                if asked.reminders else "")
    upload = asked.received_with.name if asked.received_with else ""
    return f"{asked.provider_name}\n" + _lines(
        ("State", STATE_LABELS[asked.state(today)]),
        ("Address", ", ".join(asked.provider_address.splitlines())),
        ("Phone", asked.provider_phone), ("Fax", asked.provider_fax),
        ("Email", asked.provider_email), ("Asked for", "; ".join(asked.asked_labels())),
        ("Written down", _when(asked.created_at)), ("Sent", _day(asked.sent_on)),
        ("Due", _day(asked.due_on)), ("Reminded", reminded),
        ("Received", _day(asked.received_on)), ("Received with", upload),
        ("Cancelled", _day(asked.cancelled_on))) + "\n"


def _document(record: Record, patient: dict, path: str) -> dict:
    held = record.identity == IdentityCheck.HELD
    return {
        "resourceType": "DocumentReference", "id": fhir._id("record", record.pk),
        "status": "current", "subject": fhir._ref(patient), "date": record.uploaded_at
        .isoformat(), "description": record.get_record_type_display()
        + (" (on hold: may be about someone else)" if held else ""),
        "content": [{"attachment": {"contentType": record.media_type or
                                    "application/octet-stream",
                                    "title": record.name, "size": record.size, "url": path}}],
    }


README = """\
EVERYTHING {program} KEEPS ABOUT YOU
Made {made} for {name}.

This zip holds a copy of your own information. Keep it safe: it contains health details.

What is in it
- cases/: one folder per case (a request for a second opinion), named by the day it started.
  - case.txt: what you told us about your first opinion, your questions, and the case's
    history.
  - records/: your files as you or your doctors added them, exactly as they were.
  - opinions/: each signed second opinion as two PDF files: the summary for you and the
    report for doctors.
  - messages.txt: the messages on the case that you can read.
  - records-requests.txt: the doctors, hospitals and labs asked for your records, what
    they were asked for, and where each request stands.
  - journal.txt: your own journal notes.
  - decision.txt: the decision you recorded, and any earlier ones.
- fhir-bundle.json: the same facts in FHIR R4, a format hospital and health-record systems
  read. You can give this file to a doctor or an app that asks for "FHIR".

Not in it: notes the care team wrote only to each other, and our audit trail.
{held}"""

HELD = """
Records on hold
These files are in the records of your cases but are on hold: something in them (a name, a
birth date, a patient number) does not match you, so they may be about someone else. They are
in records/on-hold/ so you can look at them. If one is yours, confirm it on the case's records
page; if it is not, remove it there.
{items}"""


def build_export(user) -> IO[bytes]:
    """The zip of everything about ``user`` (a patient), in an anonymous temporary file at
    its start. The caller closes it (which removes it)."""
    temp = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    patient = fhir.patient_resource(SimpleNamespace(patient=user))
    entries: list[dict] = [patient]
    held: list[str] = []
    cases = list(cases_visible_to(user).order_by("created_at"))
    codes = {c for case in cases for c in case.diagnosis_codes}
    opinions = {case.pk: list(Opinion.objects.filter(consultation__case=case,
                                                     signed_at__isnull=False)
                              .select_related("consultation__specialist")
                              .order_by("signed_at")) for case in cases}
    codes |= {c for ops in opinions.values() for o in ops for c in o.diagnosis_codes}
    titles = dict(Icd10Code.objects.filter(code__in=codes).values_list("code", "description"))
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        folders: set[str] = set()
        for case in cases:
            words = case.diagnosis_text.replace(",", "").split()
            title = " ".join(words[:6])[:50] or "case"
            folder = "cases/" + _safe(f"{timezone.localtime(case.created_at):%Y-%m-%d} {title}",
                                      folders)
            archive.writestr(f"{folder}/case.txt", case_text(case, titles))
            for code in case.diagnosis_codes:
                entries.append({
                    "resourceType": "Condition", "id": fhir._id("first-condition", case.pk, code),
                    "verificationStatus": {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "provisional"}]},
                    "code": {"coding": [{"system": fhir.ICD10CM, "code": code,
                                         **({"display": titles[code]} if titles.get(code)
                                            else {})}],
                             "text": case.diagnosis_text},
                    "subject": fhir._ref(patient), "note": [{"text": "The first opinion."}]})
            names: set[str] = set()
            on_hold: set[str] = set()
            for record in records_shown_to(user, case).order_by("uploaded_at"):
                if record.identity == IdentityCheck.HELD:
                    path = f"{folder}/records/on-hold/{_safe(record.name, on_hold)}"
                    held.append(f"- {path} ({record.hold_reason or 'may be someone else’s'})")
                else:
                    path = f"{folder}/records/{_safe(record.name, names)}"
                with archive.open(path, "w", force_zip64=True) as out:
                    for chunk in open_plaintext(record):
                        out.write(chunk)
                entries.append(_document(record, patient, path))
            for number, opinion in enumerate(opinions[case.pk], 1):
                report = render_report(opinion, "report")
                summary = render_report(opinion, "summary")
                stem = f"{folder}/opinions/second-opinion-{number}"
                archive.writestr(f"{stem}-summary-for-you.pdf", summary)
                archive.writestr(f"{stem}-report-for-doctors.pdf", report)
                document = fhir.opinion_document(opinion, report)
                for entry in document["entry"]:
                    resource = entry["resource"]
                    if resource["resourceType"] == "DocumentReference":
                        resource["content"][0]["attachment"].pop("data")
                        resource["content"][0]["attachment"]["url"] = (
                            f"{stem}-report-for-doctors.pdf")
                    if resource["resourceType"] in ("Condition", "Practitioner",
                                                    "PractitionerRole", "DocumentReference"):
                        entries.append(resource)
            for name, text in (("messages.txt", messages_text(user, case)),
                               ("records-requests.txt", requests_text(user, case)),
                               ("journal.txt", journal_text(user, case)),
                               ("decision.txt", decision_text(case))):
                if text:
                    archive.writestr(f"{folder}/{name}", text)
        unique = list({(e["resourceType"], e["id"]): e for e in entries}.values())
        bundle = {"resourceType": "Bundle", "id": fhir._id("export", user.pk, timezone.now()),
                  "type": "collection", "timestamp": timezone.now().isoformat(),
                  "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
                            for r in unique]}
        archive.writestr("fhir-bundle.json", json.dumps(bundle, indent=1, ensure_ascii=False))
        archive.writestr("README.txt", README.format(
            program=settings.PROGRAM_NAME.upper(), made=_when(timezone.now()),
            name=user.get_full_name() or user.get_username(),
            held=HELD.format(items="\n".join(held)) if held else ""))
    temp.seek(0)
    return temp
