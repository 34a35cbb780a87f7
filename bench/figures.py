"""Benchmark the program's figures at N cases (target: under 200 ms at 100,000, each of the
outcome figures and the operational ones).

Builds N cases spread over two years, each with a consultation and a signed opinion whose
comparison row is set the way signing sets it (concordance, specialty, turnaround), plus
decisions, answered outcome questions and third opinions in realistic shares; the steps of
the journey (submitted, records complete for three in four, offered, declined for one in
five, accepted, signed) as the cases' step times and status events, and the consultations'
answer times and due dates; written in bulk, since the figures read only
these rows. Then times program_figures() and operational_figures() RUNS times each, and
the per-case export once.
"""

import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import django

RUNS = 20
BATCH = 5000


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    django.setup()
    from django.db import connection

    from consilium.accounts.models import Role, User
    from consilium.accounts.notify import notices_paused
    from consilium.cases.models import Case, Event, EventKind, Status
    from consilium.comparison.models import Comparison
    from consilium.consultations.models import Consultation
    from consilium.decisions.models import Decision
    from consilium.directory.builders import build_specialist
    from consilium.followup.models import OutcomeCheck
    from consilium.opinions.models import Opinion
    from consilium.program.figures import program_figures
    from consilium.program.operations import case_rows, operational_figures

    rng = random.Random(7)
    stamp = time.time_ns()
    patient = User.objects.create_user(f"fig-patient-{stamp}", password="x" * 12,
                                       role=Role.PATIENT)
    coordinator = User.objects.create_user(f"fig-coord-{stamp}", password="x" * 12,
                                           role=Role.COORDINATOR)
    specialties = [("207RX0202X", "Medical Oncology"), ("207RC0000X", "Cardiovascular Disease"),
                   ("2084N0400X", "Neurology"), ("207X00000X", "Orthopaedic Surgery"),
                   ("208800000X", "Urology")]
    with notices_paused():
        specialists = [build_specialist(name=f"Dr. Bench {i}", taxonomy_code=code,
                                        specialty=name, institution=f"Bench Clinic {i}",
                                        hospital_system=f"Bench System {i}")
                       for i, (code, name) in enumerate(specialties * 4)]
    start = time.perf_counter()
    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    for first in range(0, count, BATCH):
        cases, consultations, opinions, comparisons, decisions, checks = [], [], [], [], [], []
        events = []
        for _ in range(min(BATCH, count - first)):
            at = epoch + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            signed = rng.random() < 0.8
            status = rng.choice([Status.DECIDED, Status.FOLLOWING_UP, Status.CLOSED,
                                 Status.OPINION_DELIVERED]) if signed else rng.choice(
                [Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.IN_REVIEW])
            case = Case(id=uuid.uuid4(), patient=patient, status=status, created_at=at,
                        status_changed_at=at, diagnosis_text="Bench case",
                        treatment_category="surgery")
            cases.append(case)
            steps = journey_events(rng, case, at, reaches=(
                "signed" if signed else "accepted" if status == Status.IN_REVIEW else
                "records" if status == Status.RECORDS_COMPLETE else "submitted"))
            events.extend(Event(case=case, kind=kind, to_status=to, actor_role="system",
                                at=when) for kind, to, when in steps if to)
            case.submitted_at, case.records_complete_at, case.matched_at = (
                next((when for _, to, when in steps if to == status), None) for status in (
                    Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED))
            offered = next((when for kind, _, when in steps if kind == EventKind.OFFERED), None)
            if any(kind == EventKind.DECLINED for kind, _, _ in steps):
                consultations.append(Consultation(
                    id=uuid.uuid4(), case=case, specialist=rng.choice(specialists),
                    offered_by=coordinator, status="declined", offered_at=offered,
                    responded_at=offered + timedelta(days=1), decline_reason="Bench"))
            accepted = next((when for kind, _, when in steps if kind == EventKind.ACCEPTED),
                            None)
            if accepted and not signed:
                consultations.append(Consultation(
                    id=uuid.uuid4(), case=case, specialist=rng.choice(specialists),
                    offered_by=coordinator, status="accepted", offered_at=accepted,
                    responded_at=accepted, due_date=(accepted + timedelta(days=9)).date()))
            if not signed:
                continue
            specialist = rng.choice(specialists)
            consultation = Consultation(id=uuid.uuid4(), case=case, specialist=specialist,
                                        offered_by=coordinator, status="completed",
                                        offered_at=at, responded_at=accepted,
                                        due_date=(accepted + timedelta(days=9)).date(),
                                        completed_at=accepted + timedelta(days=9))
            consultations.append(consultation)
            opinions.append(Opinion(consultation=consultation, signed_at=at + timedelta(days=9),
                                    diagnosis_agreement="agree", treatment_agreement="agree"))
            diagnosis = rng.choices(["confirmed", "refined", "distinctly_different"],
                                    [60, 25, 15])[0]
            treatment = rng.choices(["same", "modified", "changed"], [55, 25, 20])[0]
            impact = ("major" if "distinctly" in diagnosis or treatment == "changed" else
                      "minor" if diagnosis == "refined" or treatment == "modified" else "none")
            days = max(1, int(rng.gauss(6, 2)))
            comparisons.append(Comparison(
                opinion_id=consultation.id, case=case, automatic_diagnosis=diagnosis,
                automatic_treatment=treatment, diagnosis=diagnosis, treatment=treatment,
                impact=impact, reasons=[], computed_at=at + timedelta(days=9),
                specialty=specialist.specialty, specialist=specialist,
                month=(at + timedelta(days=9)).strftime("%Y-%m"),
                turnaround_days=days, on_time=days <= 7))
            if status != Status.OPINION_DELIVERED:
                decisions.append(Decision(case=case, decided_by=patient,
                                          choice=rng.choice(["first_opinion", "second_opinion",
                                                             "second_opinion", "other_plan"])))
                if rng.random() < 0.4:
                    checks.append(OutcomeCheck(case=case, months=3, due_date=at.date(),
                                               answered_at=at, followed=rng.choice(
                                                   ["first", "second", "second", "other"])))
        Case.objects.bulk_create(cases)
        Event.objects.bulk_create(events)
        Consultation.objects.bulk_create(consultations)
        Opinion.objects.bulk_create(opinions)
        Comparison.objects.bulk_create(comparisons)
        Decision.objects.bulk_create(decisions)
        OutcomeCheck.objects.bulk_create(checks)
    # one case in twenty with a major difference went on to a third opinion
    majors = list(Comparison.objects.filter(impact="major").values_list("case_id", flat=True))
    Case.objects.bulk_create(Case(patient=patient, status=Status.SUBMITTED,
                                  earlier_case_id=case_id, diagnosis_text="Bench third",
                                  treatment_category="surgery")
                             for case_id in majors[::20])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built = time.perf_counter() - start
    program_figures()  # warm
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        found = program_figures()
        samples.append((time.perf_counter() - began) * 1000)
    slow = report(samples, found, Case.objects.count(), connection.vendor, built)
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        ops = operational_figures()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    print(f"operational figures ({ops.matching.cases:,} matched, {ops.offers:,} offers, "
          f"{len(ops.specialists)} specialists): median {statistics.median(samples):.0f} ms, "
          f"p95 {samples[int(0.95 * RUNS) - 1]:.0f} ms, slowest {samples[-1]:.0f} ms "
          "(target 200 ms)", flush=True)
    slow = slow or samples[int(0.95 * RUNS) - 1] > 200
    began = time.perf_counter()
    rows = sum(1 for _ in case_rows()) - 1
    print(f"per-case export: {rows:,} rows in {time.perf_counter() - began:.1f} s", flush=True)
    return 1 if slow else 0


def journey_events(rng, case, at, reaches: str):
    """(kind, to_status, at) of a case's journey up to ``reaches``: submitted an hour after
    creation, records complete for three in four, an offer, a decline for one in five and a
    second offer, acceptance, signing; and filler events (edits, shares) to about ten."""
    from consilium.cases.models import EventKind, Status

    steps = [(EventKind.CREATED, "", at)]
    when = at + timedelta(hours=1)
    steps.append((EventKind.STATUS, Status.SUBMITTED, when))
    if reaches != "submitted" and rng.random() < 0.75:
        when += timedelta(hours=rng.randrange(2, 24 * 12))
        steps.append((EventKind.STATUS, Status.RECORDS_COMPLETE, when))
    steps += [(EventKind.EDITED, "", at + timedelta(minutes=m)) for m in range(1, 6)]
    if reaches in ("submitted", "records"):
        return steps
    when += timedelta(hours=rng.randrange(1, 48))
    steps.append((EventKind.OFFERED, "", when))
    if rng.random() < 0.2:
        when += timedelta(hours=rng.randrange(4, 48))
        steps += [(EventKind.DECLINED, "", when), (EventKind.OFFERED, "", when)]
    when += timedelta(hours=rng.randrange(2, 72))
    steps += [(EventKind.ACCEPTED, "", when),
              (EventKind.STATUS, Status.SPECIALIST_ASSIGNED, when)]
    if reaches == "signed":
        steps.append((EventKind.OPINION_SIGNED, "", when + timedelta(days=9)))
    return steps


def report(samples, found, cases: int, vendor: str, built: float) -> bool:
    """Print the outcome figures' timings; whether they missed the target."""
    samples.sort()
    print(f"figures over {cases:,} cases ({found.overall.opinions:,} opinions) "
          f"on {vendor}: built in {built:.0f} s; median "
          f"{statistics.median(samples):.0f} ms, p95 {samples[int(0.95 * RUNS) - 1]:.0f} ms, "
          f"slowest {samples[-1]:.0f} ms (target 200 ms)", flush=True)
    return samples[int(0.95 * RUNS) - 1] > 200


if __name__ == "__main__":
    sys.exit(main())
