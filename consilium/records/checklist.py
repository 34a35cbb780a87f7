"""Which record types tick which checklist item (keys from triage/rules.py CHECKLIST)."""

from .models import RecordType as T

SATISFIED_BY: dict[str, set[str]] = {
    "first_opinion_report": {T.CLINICAL_NOTE, T.REFERRAL_LETTER, T.DISCHARGE_SUMMARY},
    "proposed_plan": {T.CLINICAL_NOTE, T.REFERRAL_LETTER},
    "medication_list": {T.MEDICATION_LIST, T.HEALTH_RECORD},
    "pathology_report": {T.PATHOLOGY_REPORT},
    "staging": {T.PATHOLOGY_REPORT, T.IMAGING_REPORT},
    "imaging_images": {T.IMAGING_STUDY},
    "imaging_reports": {T.IMAGING_REPORT},
    "heart_tests": {T.IMAGING_STUDY, T.IMAGING_REPORT},
    "catheter_reports": {T.IMAGING_REPORT},
    "neurology_tests": {T.CLINICAL_NOTE},
    "lab_results": {T.LAB_RESULTS, T.HEALTH_RECORD},
    "treatment_history": {T.DISCHARGE_SUMMARY, T.HEALTH_RECORD},
    "conservative_care": {T.CLINICAL_NOTE},
    "operation_details": {T.CLINICAL_NOTE, T.REFERRAL_LETTER},
    "other_illnesses": {T.HEALTH_RECORD, T.CLINICAL_NOTE, T.DISCHARGE_SUMMARY},
}


def checklist_status(checklist: list[dict], record_types: set[str]) -> list[dict]:
    """The case's checklist with ``done`` worked out from the records present."""
    return [
        {**item, "done": bool(SATISFIED_BY.get(item["key"], set()) & record_types)}
        for item in checklist
    ]
