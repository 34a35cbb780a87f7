"""Benchmark rendering the two reports of a typical signed opinion (target: each under 1 s).

A typical case, built through the same actions the pages use: three questions, 25 records
(MTSamples notes as text files), two options, two addenda. Each report is rendered once to
warm up (Pango and the fonts load on first use), then RUNS times; the median and the
slowest are printed.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT.parent / "shared" / "data" / "mtsamples"
RUNS = 10
PASSWORD = "bench password 1"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection
    from django.test import RequestFactory

    from consilium.accounts.models import Role, User
    from consilium.accounts.notify import notices_paused
    from consilium.cases.actions import do_create_case, do_submit_case
    from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
    from consilium.directory.builders import build_specialist
    from consilium.opinions.actions import do_add_addendum, do_save_opinion, do_sign_opinion
    from consilium.opinions.models import Opinion
    from consilium.opinions.reports import render_report
    from consilium.records.actions import Upload, do_add_records

    stamp = time.time_ns()
    make = lambda role: User.objects.create_user(  # noqa: E731
        f"report-bench-{role}-{stamp}", password=PASSWORD, role=role,
        first_name="Bench", last_name=role.title())
    patient, coordinator, doctor = make(Role.PATIENT), make(Role.COORDINATOR), \
        make(Role.SPECIALIST)
    specialist = build_specialist(
        name=f"Dr. Bench {stamp}", user=doctor, taxonomy_code="207RX0202X",
        specialty="Medical Oncology", institution="Bench Hospital", hospital_system="Bench")
    with notices_paused():
        case = do_create_case({
            "diagnosis_text": "Breast cancer, left breast", "diagnosis_codes": ["C50.912"],
            "treatment_category": "surgery", "treatment_description": "Mastectomy",
            "questions": ["Is breast-conserving surgery an option?", "How long is recovery?",
                          "Will I need chemotherapy?"]}, acting_user=patient)
        notes = sorted((NOTES / "notes_txt").glob("*.txt"))[:25]
        uploads = [Upload(f"note-{n}.txt", io.BytesIO(p.read_bytes()), p.stat().st_size)
                   for n, p in enumerate(notes) if p.is_file()]
        do_add_records(case, uploads, acting_user=patient)
        do_submit_case(case, acting_user=patient)
        consultation = do_offer_consultation(case, specialist.id, acting_user=coordinator)
        do_accept_consultation(consultation, acting_user=doctor)
        text = "The imaging and the pathology support the diagnosis. " * 12
        option = {"benefits": text[:300], "harms": text[:300], "living_with": text[:300]}
        do_save_opinion(consultation, {
            "diagnosis_agreement": "refine", "diagnosis_codes": ["C50.412"],
            "diagnosis_comment": text, "treatment_agreement": "modify",
            "treatment_category": "surgery", "treatment_description": text,
            "further_tests": text, "reasoning": text * 3,
            "follow_up": text, "trials": "NCT00000000: " + text, "confidence": "high",
            "plain_summary": text,
            "options": [{"title": "Lumpectomy and radiation", "recommended": True, **option},
                        {"title": "Mastectomy", **option}],
            "answers": {q.id: {"text": text} for q in case.questions.all()},
        }, acting_user=doctor, base_version=0)
        request = RequestFactory().post("/")
        do_sign_opinion(consultation, acting_user=doctor, request=request, secret=PASSWORD)
        opinion = Opinion.objects.get(consultation=consultation)
        for n in range(2):
            do_add_addendum(opinion, f"Addendum {n}: " + text, acting_user=doctor,
                            request=request, secret=PASSWORD)
    for kind in ("summary", "report"):
        opinion = Opinion.objects.get(consultation=consultation)
        render_report(opinion, kind)  # warm-up
        times, size = [], 0
        for _ in range(RUNS):
            opinion = Opinion.objects.get(consultation=consultation)
            start = time.perf_counter()
            size = len(render_report(opinion, kind))
            times.append(time.perf_counter() - start)
        print(f"Opinion {kind} PDF on {connection.vendor} ({len(uploads)} records, "
              f"{size / 1e3:.0f} kB): median {statistics.median(times) * 1000:.0f} ms, "
              f"slowest {max(times) * 1000:.0f} ms over {RUNS} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
