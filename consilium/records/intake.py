"""A first draft of the coordinator's case summary (cases.IntakeSummary), pre-filled from
what the case already says: the first opinion, the patient's questions, the records' clinical
summary and the checklist. Nothing here is stored or shown to the specialist: the
coordinator reads the draft on the intake page, corrects it and saves it (the save is the
confirmation, ``cases.intake_actions.do_save_intake_summary``). Here, not in cases, because
it reads the records (the layer above cases)."""

from django.db.models import Count

from .checklist import case_checklist
from .models import RecordType
from .summary import clinical_summary

LISTED = 5  # how many problems, medicines or labs a line names before "and n more"


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _history(case) -> str:
    lines = [f"First opinion: {case.diagnosis_text}"]
    if case.diagnosing_physician or case.institution:
        lines[0] += " (" + ", ".join(p for p in (case.diagnosing_physician, case.institution)
                                     if p) + ")"
    if case.first_opinion_date:
        when = case.first_opinion_date
        lines[0] += f", {when.day} {when:%B %Y}"
    treatment = case.get_treatment_category_display()
    lines.append(f"Proposed treatment: {treatment}"
                 + (f": {case.treatment_description}" if case.treatment_description else ""))
    for label, text in (("Symptoms", case.symptoms), ("The patient's concerns", case.concerns),
                        ("The patient's goals", case.goals)):
        if text:
            lines.append(f"{label}: {text}")
    return "\n".join(lines)


def _key_question(case) -> str:
    questions = [q.text for q in case.questions.all()]
    if questions:
        return questions[0] + (f"\n(The patient asks {len(questions) - 1} more question"
                               f"{'s' if len(questions) > 2 else ''}: see the case.)"
                               if len(questions) > 1 else "")
    return (f"Is {case.get_treatment_category_display().lower()} the right treatment for "
            f"{case.diagnosis_text}?")


def _records_show(case) -> str:
    types = dict(RecordType.choices)
    counts = (case.records.in_use().order_by().values_list("record_type")
              .annotate(n=Count("id")))
    lines = []
    if counts:
        lines.append("Records: " + ", ".join(f"{types.get(t, t).lower()} ({n})"
                                             for t, n in counts))
    clinical = clinical_summary(case)
    if clinical:
        for label, key in (("Problems", "problems"), ("Medicines", "medications"),
                           ("Allergies", "allergies")):
            if clinical[key]:
                lines.append(f"{label}: " + _listed([e.display for e in clinical[key]]))
        if clinical["labs"]:
            lines.append("Latest labs: " + _listed([
                f"{lab['name']} {lab['latest'].value_text or lab['latest'].value}"
                f"{' ' + lab['latest'].unit if lab['latest'].unit else ''}"
                for lab in clinical["labs"]]))
    return "\n".join(lines) or "No records in the case yet."


def _missing(case) -> str:
    if not case.checklist:
        return ""
    return "\n".join(f"- {item['label']}" for item in case_checklist(case) if not item["done"])


def draft_intake(case) -> dict[str, str]:
    """The four fields of the summary, as a starting point for the coordinator."""
    return {"history": _history(case), "key_question": _key_question(case),
            "records_show": _records_show(case), "missing": _missing(case)}
