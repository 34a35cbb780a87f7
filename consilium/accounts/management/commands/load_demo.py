"""A believable demo program: one user per role, ~20 specialists, a case in every state, and
two dozen more cases that fill the coordinators' work queue.

All people and institutions are invented. Cases are built through the real actions, so their
timelines and the audit trail look as they would in use.
"""

import io
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notices_paused
from consilium.appointments.actions import do_schedule_appointment
from consilium.cases import actions as case_actions
from consilium.cases.intake_actions import do_save_intake_summary
from consilium.cases.models import Case
from consilium.cases.queue_actions import do_plan_procedure, do_set_case_owner
from consilium.consultations.actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
)
from consilium.consultations.models import Consultation
from consilium.conversations.actions import do_send_message
from consilium.decisions.actions import do_record_decision
from consilium.directory.builders import build_specialist
from consilium.directory.generate import npi
from consilium.directory.models import Specialist
from consilium.followup.actions import do_start_plan
from consilium.journal.actions import do_add_note
from consilium.opinions.actions import do_save_opinion, do_sign_opinion
from consilium.records.actions import Upload, do_add_records
from consilium.records.intake import draft_intake
from consilium.records.models import RecordsRequest
from consilium.records.request_actions import (
    do_close_request,
    do_mark_request_sent,
    do_remind_request,
    do_request_records,
)
from consilium.stories.actions import do_draft_story, do_review_story, do_submit_story
from consilium.triage.models import InsurancePlan

PASSWORD = "demo"
DEMO_OPTIONS = [
    {"title": "Smaller operation, then radiation", "recommended": True,
     "benefits": "The same chance of cure as the larger operation; keeps more of the body.",
     "harms": "Radiation on weekdays for three to five weeks; tiredness and skin soreness.",
     "living_with": "Most people are back to normal activities within two weeks of surgery."},
    {"title": "The larger operation first proposed",
     "benefits": "Usually no radiation afterwards.",
     "harms": "Longer recovery; a greater change to the body; reconstruction to consider.",
     "living_with": "Four to six weeks before normal activities; a second operation if "
                    "reconstruction is chosen."},
]
# The other conditions' opinions: a gentler start, without the breast cancer's radiation.
OTHER_OPTIONS = [
    {"title": "A less invasive first step", "recommended": True,
     "benefits": "Often enough on its own; the first treatment stays possible later.",
     "harms": "It may not help enough, and then the first treatment follows.",
     "living_with": "Back to most activities within days."},
    {"title": "The treatment first proposed",
     "benefits": "The most likely to settle the problem in one go.",
     "harms": "A longer recovery and the risks of a bigger treatment.",
     "living_with": "Several weeks before normal activities."},
]

# The words of the demo's opinions: the breast cancer case's, and the other conditions'.
BREAST_OPINION = {
    "treatment_description": "Breast-conserving surgery with sentinel node biopsy, then "
                             "radiation; chemotherapy depends on receptor status.",
    "further_tests": "Repeat receptor testing on the biopsy tissue.",
    "reasoning": "The imaging and pathology support the diagnosis. The evidence shows equal "
                 "survival for the less extensive treatment in this situation.",
    "plain_summary": "Your diagnosis is right. A smaller operation followed by radiation works "
                     "as well as the larger one and keeps more of you.",
    "options": DEMO_OPTIONS,
    "follow_up": "Review with your oncologist after the receptor results.",
}
OTHER_OPINION = {
    "treatment_description": "A less invasive first step.",
    "further_tests": "",
    "reasoning": "The records support the diagnosis. A gentler first step often helps enough, "
                 "and the treatment first proposed stays possible if it does not.",
    "plain_summary": "Your diagnosis is right. Try the gentler step first; if it does not "
                     "help enough, the first plan is still there.",
    "options": OTHER_OPTIONS,
    "follow_up": "Check back with your doctor in three months.",
}

USERS = [
    ("patient", Role.PATIENT, "Maria", "Lopez"),
    ("patient2", Role.PATIENT, "James", "Carter"),
    ("caregiver", Role.CAREGIVER, "Ana", "Lopez"),
    ("coordinator", Role.COORDINATOR, "Priya", "Natarajan"),
    ("specialist", Role.SPECIALIST, "Helen", "Okafor"),
    ("specialist2", Role.SPECIALIST, "Daniel", "Weiss"),
    ("physician", Role.PHYSICIAN, "Robert", "Chen"),
    ("admin", Role.ADMIN, "Sam", "Admin"),
    ("coordinator2", Role.COORDINATOR, "Marcus", "Reid"),
    # A pathologist with an account, for the parts of a combined review.
    ("pathologist", Role.SPECIALIST, "Sofia", "Rossi"),
    # More patients, so that the work queue has names to search and sort.
    ("patient3", Role.PATIENT, "Aiko", "Tanaka"),
    ("patient4", Role.PATIENT, "Oluwaseun", "Bello"),
    ("patient5", Role.PATIENT, "Greta", "Lindqvist"),
    ("patient6", Role.PATIENT, "Rafael", "Moreno"),
    ("patient7", Role.PATIENT, "Hannah", "Schulz"),
    ("patient8", Role.PATIENT, "Dev", "Patel"),
]

# The zone each demo user reads times in (User.time_zone), where they live or work; the
# administrator keeps the program's own.
USER_ZONES = {"patient": "America/Chicago", "caregiver": "America/Chicago",
              "physician": "America/Chicago", "coordinator": "America/New_York",
              "coordinator2": "America/New_York", "specialist": "America/Denver",
              "specialist2": "America/Chicago", "patient2": "America/Los_Angeles"}
# Demo NPIs: valid (the Luhn check over 80840) and far from the serials a generated directory
# uses from 0 (directory/generate.py), so both can be loaded together.
DEMO_NPI_SERIAL = 90_000_000
# The specialists' credentials as the NPPES writes them: most MD, a few also PhD or DO.
DEMO_CREDENTIALS = {"Dr. Helen Okafor": "MD, PhD", "Dr. Laura Bianchi": "MD, PhD",
                    "Dr. Benjamin Hughes": "MD, PhD", "Dr. Olivia Martin": "DO",
                    "Dr. Peter Kowalski": "DO"}

DEMO_ZIPS = {"Denver": "80218", "Chicago": "60611", "San Diego": "92103",
             "Minneapolis": "55455", "Austin": "78701", "Boston": "02115", "Seattle": "98104",
             "Houston": "77030", "New York": "10016", "Baltimore": "21287", "Cleveland": "44195",
             "Rochester": "55905", "Nashville": "37232", "Philadelphia": "19104",
             "Atlanta": "30322", "Portland": "97239", "Phoenix": "85054"}
LANGUAGE_CODES = {"English": "en", "German": "de", "Arabic": "ar", "Japanese": "ja",
                  "Italian": "it", "French": "fr", "Spanish": "es", "Vietnamese": "vi",
                  "Swedish": "sv", "Polish": "pl", "Korean": "ko", "Mandarin": "zh",
                  "Hindi": "hi", "Portuguese": "pt", "Russian": "ru", "Hebrew": "he"}
# Conditions of focus by specialty (ICD-10-CM categories or ranges).
FOCUS = {"207RX0202X": ["C50", "C18-C20"], "2086X0206X": ["C50"], "2085R0001X": ["C61"],
         "207RH0003X": ["C81-C96"], "207RC0000X": ["I25", "I35"], "207RC0001X": ["I48"],
         "207X00000X": ["M17"], "207XS0117X": ["M54", "M51"], "2084N0400X": ["G35", "G40"]}


def _centre_type(institution: str) -> str:
    for words, kind in (("Cancer", "cancer_centre"), ("Heart", "heart_institute"),
                        ("Neuroscience", "neuroscience_institute"),
                        ("Spine", "orthopaedic_centre"), ("Orthopaedic", "orthopaedic_centre")):
        if words in institution:
            return kind
    return ""


# (name, NUCC code, specialty, institution, hospital system, city, state, languages, user)
SPECIALISTS = [
    ("Dr. Helen Okafor", "207RX0202X", "Medical Oncology", "Summit Cancer Institute",
     "Summit University Health", "Denver", "CO", ["English"], "specialist"),
    ("Dr. Daniel Weiss", "207RC0001X", "Clinical Cardiac Electrophysiology",
     "Lakeshore Heart Institute", "Lakeshore Health", "Chicago", "IL", ["English", "German"],
     "specialist2"),
    ("Dr. Aisha Rahman", "2086X0206X", "Surgical Oncology", "Summit Cancer Institute",
     "Summit University Health", "Denver", "CO", ["English", "Arabic"], None),
    ("Dr. Kenji Watanabe", "2085R0001X", "Radiation Oncology", "Bayview Cancer Center",
     "Bayview Medical Group", "San Diego", "CA", ["English", "Japanese"], None),
    ("Dr. Laura Bianchi", "207RH0003X", "Hematology & Oncology", "Northlake University Hospital",
     "Northlake Health System", "Minneapolis", "MN", ["English", "Italian"], None),
    ("Dr. Samuel Adeyemi", "207RX0202X", "Medical Oncology", "Bayview Cancer Center",
     "Bayview Medical Group", "San Diego", "CA", ["English"], None),
    ("Dr. Claire Dubois", "207RC0000X", "Cardiovascular Disease", "Lakeshore Heart Institute",
     "Lakeshore Health", "Chicago", "IL", ["English", "French"], None),
    ("Dr. Miguel Torres", "207RC0000X", "Cardiovascular Disease", "Riverside Medical Center",
     "Riverside Health", "Austin", "TX", ["English", "Spanish"], None),
    ("Dr. Rachel Goldberg", "207RC0001X", "Clinical Cardiac Electrophysiology",
     "Northlake University Hospital", "Northlake Health System", "Minneapolis", "MN",
     ["English"], None),
    ("Dr. Thomas Nguyen", "207X00000X", "Orthopaedic Surgery", "Summit Orthopaedic Center",
     "Summit University Health", "Denver", "CO", ["English", "Vietnamese"], None),
    ("Dr. Olivia Martin", "207X00000X", "Orthopaedic Surgery", "Riverside Medical Center",
     "Riverside Health", "Austin", "TX", ["English"], None),
    ("Dr. Erik Johansson", "207XS0117X", "Orthopaedic Surgery of the Spine",
     "Lakeshore Spine Center", "Lakeshore Health", "Chicago", "IL", ["English", "Swedish"],
     None),
    ("Dr. Fatima Zahra", "2084N0400X", "Neurology", "Northlake University Hospital",
     "Northlake Health System", "Minneapolis", "MN", ["English", "French", "Arabic"], None),
    ("Dr. Peter Kowalski", "2084N0400X", "Neurology", "Bayview Neuroscience Institute",
     "Bayview Medical Group", "San Diego", "CA", ["English", "Polish"], None),
    ("Dr. Grace Kim", "207T00000X", "Neurological Surgery", "Summit University Hospital",
     "Summit University Health", "Denver", "CO", ["English", "Korean"], None),
    ("Dr. Benjamin Hughes", "207ZP0101X", "Anatomic Pathology", "Northlake University Hospital",
     "Northlake Health System", "Minneapolis", "MN", ["English"], None),
    ("Dr. Sofia Rossi", "207ZP0102X", "Anatomic Pathology & Clinical Pathology",
     "Bayview Cancer Center", "Bayview Medical Group", "San Diego", "CA", ["English"],
     "pathologist"),
    ("Dr. Ahmed Hassan", "2085R0202X", "Diagnostic Radiology", "Lakeshore Imaging",
     "Lakeshore Health", "Chicago", "IL", ["English", "Arabic"], None),
    ("Dr. Emily Park", "2085R0202X", "Diagnostic Radiology", "Riverside Medical Center",
     "Riverside Health", "Austin", "TX", ["English", "Korean"], None),
    ("Dr. Jonas Becker", "207RX0202X", "Medical Oncology", "Riverside Cancer Center",
     "Riverside Health", "Austin", "TX", ["English", "German"], None),
]

# (patient, how far the case goes, first-opinion fields, questions)
CASES = [
    ("patient", "opinion_delivered", dict(
        diagnosis_text="Breast cancer, left breast (invasive ductal carcinoma)",
        diagnosis_codes=["C50.912"], treatment_category="surgery",
        treatment_description="Mastectomy of the left breast followed by chemotherapy.",
        diagnosing_physician="Dr. Mark Ellis", institution="Riverside Medical Center",
        hospital_system="Riverside Health", first_opinion_date=date(2026, 10, 2),
        symptoms="A lump found on a routine mammogram; no pain.",
        concerns="Whether I really need the whole breast removed.",
        goals="Keep working as a teacher; avoid treatment I do not need.",
    ), ["Would breast-conserving surgery with radiation be as safe for me?",
        "Should the tumour be tested for HER2 and hormone receptors again?"]),
    ("patient", "submitted", dict(
        diagnosis_text="Primary osteoarthritis, right knee", diagnosis_codes=["M17.11"],
        treatment_category="surgery", treatment_description="Total knee replacement.",
        diagnosing_physician="Dr. Susan Park", institution="Lakeshore Orthopaedics",
        hospital_system="Lakeshore Health", symptoms="Knee pain when walking more than 10 minutes.",
        goals="Keep hiking with my grandchildren.",
    ), ["Have I tried everything else first?", "How long is recovery?"]),
    ("patient", "draft", dict(
        diagnosis_text="Gallstones with recurring pain", diagnosis_codes=["K80.20"],
        treatment_category="surgery", treatment_description="Laparoscopic cholecystectomy.",
        institution="Riverside Medical Center", hospital_system="Riverside Health",
    ), ["Is surgery needed if the attacks are rare?"]),
    ("patient2", "in_review", dict(
        diagnosis_text="Paroxysmal atrial fibrillation", diagnosis_codes=["I48.0"],
        treatment_category="invasive_procedure",
        treatment_description="Catheter ablation (pulmonary vein isolation).",
        diagnosing_physician="Dr. Alan Brooks", institution="Riverside Heart Clinic",
        hospital_system="Riverside Health", first_opinion_date=date(2026, 9, 15),
        symptoms="Palpitations twice a week, tired after climbing stairs.",
        concerns="Risks of the procedure compared to staying on medication.",
    ), ["What are my chances of staying in normal rhythm after ablation?",
        "Can I keep taking medication instead?"]),
    ("patient2", "records_complete", dict(
        diagnosis_text="Lumbar spinal stenosis with neurogenic claudication",
        diagnosis_codes=["M48.062"], treatment_category="surgery",
        treatment_description="Lumbar decompression and fusion L4–L5.",
        diagnosing_physician="Dr. Irene Vogel", institution="Bayview Spine Center",
        hospital_system="Bayview Medical Group",
    ), ["Is fusion needed, or would decompression alone be enough?"]),
    ("patient2", "specialist_assigned", dict(
        diagnosis_text="Localized prostate cancer, Gleason 3+4", diagnosis_codes=["C61"],
        treatment_category="surgery", treatment_description="Radical prostatectomy.",
        diagnosing_physician="Dr. Paul Meyer", institution="Northlake Urology",
        hospital_system="Northlake Health System",
    ), ["Is active surveillance an option for me?"]),
    ("patient", "decided", dict(
        diagnosis_text="Multiple sclerosis, relapsing-remitting", diagnosis_codes=["G35"],
        treatment_category="long_term_medication",
        treatment_description="Start high-efficacy disease-modifying therapy.",
        diagnosing_physician="Dr. Nina Frost", institution="Lakeshore Neurology",
        hospital_system="Lakeshore Health",
    ), ["Is the diagnosis certain from one MRI?"]),
    ("patient2", "following_up", dict(
        diagnosis_text="Thyroid nodule, indeterminate cytology", diagnosis_codes=["E04.1"],
        treatment_category="surgery", treatment_description="Hemithyroidectomy.",
        institution="Northlake University Hospital", hospital_system="Northlake Health System",
    ), ["Would molecular testing of the nodule avoid surgery?"]),
    ("patient", "closed", dict(
        diagnosis_text="Chronic low back pain", diagnosis_codes=["M54.50"],
        treatment_category="invasive_procedure",
        treatment_description="Radiofrequency ablation of facet joints.",
        institution="Bayview Pain Clinic", hospital_system="Bayview Medical Group",
    ), ["Is physiotherapy worth trying first?"]),
    ("patient2", "withdrawn", dict(
        diagnosis_text="Carotid artery stenosis, left, 60%", diagnosis_codes=["I65.22"],
        treatment_category="surgery", treatment_description="Carotid endarterectomy.",
        institution="Riverside Medical Center", hospital_system="Riverside Health",
    ), []),
]

# The work queue's cases: (patient, diagnosis, ICD-10-CM code, proposed treatment, how far it
# goes, the coordinator who has it, days until the planned procedure). How far: submitted,
# records (complete), offered (unanswered), late_offer (its answer overdue), declined (an
# offer declined, with its reason), accepted, due_soon, overdue, waiting (on the patient),
# held (a record about someone else on hold).
QUEUE_CASES = [
    ("patient3", "Ductal carcinoma in situ, right breast", "D05.11", "surgery", "submitted",
     None, 12),
    ("patient4", "Coronary artery disease, three vessels", "I25.10", "surgery", "records",
     "coordinator", 9),
    ("patient5", "Relapsing multiple sclerosis", "G35", "long_term_medication", "offered",
     "coordinator2", None),
    ("patient6", "Herniated lumbar disc L5-S1 with sciatica", "M51.16", "surgery", "declined",
     "coordinator", 21),
    ("patient7", "Aortic valve stenosis, severe", "I35.0", "invasive_procedure", "accepted",
     "coordinator2", 30),
    ("patient8", "Prostate cancer, intermediate risk", "C61", "radiation", "overdue",
     "coordinator", 6),
    ("patient3", "Osteoarthritis of both knees", "M17.0", "surgery", "held", None, 45),
    ("patient4", "Persistent atrial fibrillation", "I48.19", "invasive_procedure", "waiting",
     "coordinator2", None),
    ("patient5", "Colon cancer, sigmoid, stage II", "C18.7", "surgery", "due_soon",
     "coordinator", 4),
    ("patient6", "Focal epilepsy, drug-resistant", "G40.219", "surgery", "late_offer", None,
     None),
    ("patient7", "Hodgkin lymphoma, nodular sclerosis", "C81.10", "chemotherapy", "submitted",
     "coordinator", None),
    ("patient8", "Osteoarthritis, left hip", "M16.12", "surgery", "records", None, 60),
    ("patient3", "Invasive lobular carcinoma, left breast", "C50.412", "surgery", "accepted",
     "coordinator", 18),
    ("patient4", "Chronic low back pain with degenerative discs", "M51.36", "invasive_procedure",
     "submitted", None, None),
    ("patient5", "Mitral valve prolapse with regurgitation", "I34.1", "surgery", "declined",
     "coordinator2", 40),
    ("patient6", "Lumbar spinal stenosis", "M48.061", "surgery", "held", "coordinator", 25),
    ("patient7", "Primary osteoarthritis, right knee", "M17.11", "surgery", "overdue", None,
     None),
    ("patient8", "Diffuse large B-cell lymphoma", "C83.30", "chemotherapy", "due_soon",
     "coordinator2", 10),
    ("patient3", "Ischaemic cardiomyopathy", "I25.5", "invasive_procedure", "offered",
     "coordinator", None),
    ("patient4", "Rectal cancer, locally advanced", "C20", "radiation", "waiting", None, 14),
    ("patient5", "Spondylolisthesis L4-L5", "M43.16", "surgery", "records", "coordinator2",
     None),
    ("patient6", "Triple-negative breast cancer, left", "C50.912", "chemotherapy", "submitted",
     None, 7),
    ("patient7", "Generalised epilepsy", "G40.309", "long_term_medication", "accepted", None,
     None),
    ("patient8", "Paroxysmal atrial fibrillation", "I48.0", "long_term_medication", "records",
     "coordinator", None),
]
# A letter the demo's held records hold: about someone other than the case's patient.
SOMEONE_ELSE = b"PATIENT: Michele Wolf\nDOB: 12/05/1958\nReferral letter: knee pain.\n"

PLANS = [
    dict(name="Evergreen Health PPO", country="US", covers_second_opinion=True, fee=0,
         currency="USD", requires_before=["knee_replacement", "hip_replacement",
                                          "spinal_surgery", "bariatric_surgery"],
         notes="Call member services to have records collected for you."),
    dict(name="Evergreen Health Basic", country="US", covers_second_opinion=True, fee=50,
         currency="USD", notes="The fee is refunded if the second opinion changes your plan."),
    dict(name="Harbor Mutual Bronze", country="US", covers_second_opinion=False, fee=0,
         currency="USD"),
    dict(name="AOK (gesetzlich)", country="DE", statutory=True, covers_second_opinion=True,
         fee=0, currency="EUR"),
    dict(name="Private Krankenversicherung (Beispiel)", country="DE", statutory=False,
         covers_second_opinion=True, fee=0, currency="EUR",
         notes="Check your contract; most private plans pay for second opinions."),
]

ORDER = ["draft", "submitted", "records_complete", "specialist_assigned", "in_review",
         "opinion_delivered", "decided", "following_up", "closed"]


class Command(BaseCommand):
    help = "Load demo users (password 'demo'), specialists and cases. Refused unless DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if data exists.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users have the password 'demo': load them only with "
                               "CONSILIUM_DEBUG=1, never in production.")
        if Case.objects.exists() and not force:
            self.stdout.write("Demo data is already loaded.")
            return
        # The demo's history is not news: nobody is emailed about it.
        with notices_paused(), transaction.atomic():
            users = self._users()
            specialists = self._specialists(users)
            for plan in PLANS:
                InsurancePlan.objects.get_or_create(name=plan["name"], defaults=plan)
            for patient, target, fields, questions in CASES:
                self._case(users, specialists, patient, target, fields, questions)
            for row in QUEUE_CASES:
                self._queue_case(users, specialists, *row)
            self._records_requests(users)
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {len(USERS)} users, {len(SPECIALISTS)} specialists, {len(PLANS)} insurance "
            f"plans, {len(CASES) + len(QUEUE_CASES)} cases."
        ))

    def _users(self):
        User = get_user_model()
        users = {}
        for username, role, first, last in USERS:
            user, _ = User.objects.get_or_create(username=username, defaults=dict(
                role=role, first_name=first, last_name=last,
                email=f"{username}@example.org", time_zone=USER_ZONES.get(username, ""),
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
                two_factor_exempt_in_debug=True,
            ))
            user.set_password(PASSWORD)
            user.save()
            users[username] = user
        return users

    def _specialists(self, users):
        result = {}
        for serial, row in enumerate(SPECIALISTS, DEMO_NPI_SERIAL):
            name, code, specialty, inst, system, city, state, langs, username = row
            specialist = Specialist.objects.filter(name=name).first() or build_specialist(
                npi=npi(serial), credentials=DEMO_CREDENTIALS.get(name, "MD"),
                name=name, taxonomy_code=code, specialty=specialty, institution=inst,
                hospital_system=system, city=city, state=state, postal_code=DEMO_ZIPS[city],
                languages=[LANGUAGE_CODES[lang] for lang in langs], user=users.get(username),
                turnaround_days=5 + len(name) % 6, academic="University" in inst + system,
                centre_type=_centre_type(inst), conditions_of_focus=FOCUS.get(code, []),
                insurance_networks=["US-PPO"],
            )
            result[username or name] = specialist
        return result

    def _conversation(self, case, patient, specialist_user, coordinator):
        """A thread, a question the specialist waits on (still unanswered), and a care-team
        note the patient does not see."""
        welcome = do_send_message(case, {"body": "Thank you for taking the case. The records "
                                         "from both hospitals are attached to the case."},
                                  acting_user=coordinator)
        do_send_message(case, {"body": "Thank you, I have started reading.",
                               "reply_to": str(welcome.id)}, acting_user=specialist_user)
        do_send_message(case, {"body": "Have you had a PSA test since the biopsy? If so, "
                               "please attach the result here.", "blocking": True},
                        acting_user=specialist_user)
        note = do_send_message(case, {"body": "Care-team note: the outside pathology read "
                                      "Gleason 3+4; I would like our pathologist to look at "
                                      "the slides before I write.", "audience": "staff"},
                               acting_user=specialist_user)
        do_send_message(case, {"body": "I will ask for the slides today.",
                               "reply_to": str(note.id)}, acting_user=coordinator)

    def _intake(self, case, coordinator):
        """The coordinator's summary, from the pre-filled draft (records.intake) as a
        coordinator would confirm it, with the key question in their words."""
        draft = draft_intake(case)
        first = case.questions.first()
        draft["key_question"] = (f"{first.text} The patient wants to know before the "
                                 "proposed treatment is scheduled." if first else
                                 draft["key_question"])
        draft["missing"] = draft["missing"] or "Nothing known to be missing."
        do_save_intake_summary(case, draft, acting_user=coordinator, base_version=0)

    def _case(self, users, specialists, patient_name, target, fields, questions):
        patient, coordinator = users[patient_name], users["coordinator"]
        case = case_actions.do_create_case({**fields, "questions": questions},
                                           acting_user=patient)
        if patient_name == "patient":
            case_actions.do_share_case(case, "caregiver", acting_user=patient)
        if target == "withdrawn":
            case_actions.do_submit_case(case, acting_user=patient)
            case_actions.do_withdraw_case(case, acting_user=patient)
            return
        reached = ORDER.index(target)

        def past(state):
            return reached >= ORDER.index(state)

        if past("submitted"):
            case_actions.do_submit_case(case, acting_user=patient)
        if past("records_complete"):
            case_actions.do_mark_records_complete(case, acting_user=coordinator)
        if past("records_complete"):
            self._intake(case, coordinator)
        if not past("specialist_assigned"):
            return
        # Cardiology cases go to specialist2, everything else to specialist.
        cardiology = fields["diagnosis_codes"][0].startswith("I")
        specialist_user = users["specialist2" if cardiology else "specialist"]
        specialist = specialist_user.specialist
        if target == "specialist_assigned":
            # Show a decline in the timeline first: offered to specialist2, who declines.
            # Outside the case's specialties, so the coordinator says why (it is flagged).
            first = do_offer_consultation(case, users["specialist2"].specialist.id,
                                          acting_user=coordinator,
                                          reason="Free this week; asked to say who fits.")
            do_decline_consultation(first, "Outside my field; a urologist or oncologist "
                                    "should review this.", acting_user=users["specialist2"])
        # The demo has two specialists for every kind of case: a reason where it does not fit.
        consultation = do_offer_consultation(
            case, specialist.id, acting_user=coordinator,
            reason="The demo's specialist for this kind of case.")
        do_accept_consultation(consultation, acting_user=specialist_user)
        if target == "specialist_assigned":
            self._conversation(case, patient, specialist_user, coordinator)
            next_week = timezone.localdate() + timedelta(days=7)
            do_schedule_appointment(consultation, {
                "kind": "video" if settings.VIDEO_URL_TEMPLATE else "in_person",
                "starts_at": datetime.combine(next_week, time(10, 0)),
                "time_zone": specialist_user.zone.key, "minutes": 30,
                "place": "Summit Cancer Institute, 1 Summit Way, Denver, CO"},
                acting_user=coordinator)
        if not past("in_review"):
            return
        answers = {q.id: {"text": "See the reasoning above; in short: yes, and we can "
                                  "discuss it."} for q in case.questions.all()}
        breast = "Breast" in fields["diagnosis_text"]
        do_save_opinion(consultation, {
            "diagnosis_agreement": "agree",
            # Keeping the breast and adding radiation is another treatment than a mastectomy.
            "treatment_agreement": ("" if target == "in_review" else "alternative" if breast
                                    else "modify"),
            "treatment_category": fields["treatment_category"] if target != "in_review" else "",
            **(BREAST_OPINION if breast else OTHER_OPINION),
            "confidence": "high",
            "answers": answers,
        }, acting_user=specialist_user, base_version=0)
        if not past("opinion_delivered"):
            return
        do_sign_opinion(consultation, acting_user=specialist_user,
                        request=RequestFactory().post("/"), secret=PASSWORD)
        if past("decided"):
            do_record_decision(case, "second_opinion", "The less invasive plan fits my goals.",
                               acting_user=patient)
        if past("following_up"):
            do_start_plan(case, acting_user=patient)
        if past("closed"):
            case_actions.do_close_case(case, acting_user=patient)
            self._story(case, patient, users["admin"])

    def _queue_case(self, users, specialists, patient_name, text, code, treatment, stage,
                    owner, planned_in):
        """One case of the work queue, as far as ``stage`` (QUEUE_CASES says which)."""
        patient, coordinator = users[patient_name], users["coordinator"]
        case = case_actions.do_create_case({
            "diagnosis_text": text, "diagnosis_codes": [code], "treatment_category": treatment,
            "institution": "Riverside Medical Center", "hospital_system": "Riverside Health",
            "questions": ["Is the treatment first proposed the right one for me?"]},
            acting_user=patient)
        case_actions.do_submit_case(case, acting_user=patient)
        if planned_in is not None:
            do_plan_procedure(case, timezone.localdate() + timedelta(days=planned_in),
                              acting_user=patient)
        if owner:
            do_set_case_owner(case, users[owner].id, acting_user=coordinator)
        if stage == "held":
            do_add_records(case, [Upload("referral.txt", io.BytesIO(SOMEONE_ELSE),
                                         len(SOMEONE_ELSE))], acting_user=patient)
        if stage == "submitted" and owner:
            self._intake(case, coordinator)  # the coordinator who took it has written it
        if stage in ("submitted", "held"):
            return
        if stage != "declined":
            case_actions.do_mark_records_complete(case, acting_user=coordinator)
        if stage == "records":
            return
        reason = "The demo's specialist for this kind of case."
        if stage not in ("records", "late_offer", "declined"):
            self._intake(case, coordinator)  # the others show "Needs a case summary"
        if stage in ("offered", "late_offer"):
            offered = do_offer_consultation(case, specialists["Dr. Aisha Rahman"].id,
                                            acting_user=coordinator, reason=reason)
            if stage == "late_offer":  # its answer was due two days ago
                Consultation.objects.filter(id=offered.id).update(
                    answer_due=timezone.localdate() - timedelta(days=2))
            return
        if stage == "declined":
            first = do_offer_consultation(case, users["specialist2"].specialist.id,
                                          acting_user=coordinator, reason=reason)
            do_decline_consultation(first, "Fully booked until next month; Dr. Okafor's "
                                    "team could take it sooner.", acting_user=users["specialist2"])
            return
        consultation = do_offer_consultation(case, users["specialist"].specialist.id,
                                             acting_user=coordinator, reason=reason)
        do_accept_consultation(consultation, acting_user=users["specialist"])
        # The demo's clocks are moved so that the queue shows each service level: an opinion
        # due in two days, and one overdue by three.
        due = {"due_soon": 2, "overdue": -3}.get(stage)
        if due is not None:
            Consultation.objects.filter(id=consultation.id).update(
                due_date=timezone.localdate() + timedelta(days=due))
        if stage == "waiting":
            do_send_message(case, {"body": "Could you send the letter from your cardiologist "
                                   "about the last medication change?", "blocking": True},
                            acting_user=users["specialist"])

    def _records_requests(self, users):
        """Requests for records: on the patient's knee case one overdue (reminded once) and
        one the patient wrote down, waiting to be sent; on a queue case one sent and one
        received."""
        coordinator, today = users["coordinator"], timezone.localdate()
        knee = Case.objects.get(patient=users["patient"], diagnosis_codes__icontains="M17.11")
        late = do_request_records(knee, {
            "provider_name": "Riverside Orthopaedics", "provider_address":
            "40 River Road\nAustin, TX 78701", "provider_fax": "+1 512 555 0142",
            "asked_items": [i["key"] for i in knee.checklist][:2],
            "asked_text": "X-rays of the right knee, 2025 and 2026, with the images"},
            acting_user=coordinator)
        do_mark_request_sent(late, {"sent_on": str(today - timedelta(days=20)),
                                    "due_on": str(today - timedelta(days=6))},
                             acting_user=coordinator)
        do_remind_request(late, acting_user=coordinator)
        # The reminder was three days ago, and the new due day has passed too.
        RecordsRequest.objects.filter(id=late.id).update(
            reminded_on=today - timedelta(days=3), due_on=today - timedelta(days=2))
        do_request_records(knee, {"provider_name": "Dr. Susan Park, family practice",
                                  "provider_phone": "+1 512 555 0199",
                                  "asked_text": "The medication list\nNotes of the last "
                                                "two visits"}, acting_user=users["patient"])
        heart = Case.objects.get(patient=users["patient4"], diagnosis_codes__icontains="I25.10")
        sent = do_request_records(heart, {
            "provider_name": "Riverside Heart Center", "provider_email":
            "records@riverside-heart.example.org", "asked_text": "The angiogram and its report"},
            acting_user=coordinator)
        do_mark_request_sent(sent, {"sent_on": str(today - timedelta(days=3))},
                             acting_user=coordinator)
        came = do_request_records(heart, {"provider_name": "Riverside Medical Center, lab",
                                          "asked_text": "Blood tests of the last six months"},
                                  acting_user=coordinator)
        do_mark_request_sent(came, {"sent_on": str(today - timedelta(days=10))},
                             acting_user=coordinator)
        do_close_request(came, {"received_on": str(today - timedelta(days=1))},
                         acting_user=coordinator)
        # Written down before they were sent (the demo is loaded in one go, today).
        RecordsRequest.objects.filter(case__in=[knee, heart]).update(
            created_at=timezone.now() - timedelta(days=21))

    def _story(self, case, patient, admin):
        """A journal note, and a story drawn from it that an administrator published."""
        note = do_add_note(case, "Before the video visit I was sure surgery was the only way. "
                                 "Afterwards I slept properly for the first time in weeks.",
                           acting_user=patient)
        story, _ = do_draft_story(
            case, "Asking again changed my treatment",
            f"My doctor at {case.institution or 'the hospital'} recommended this: "
            f"{case.treatment_description.lower()} A friend told me to ask for a second opinion, "
            "and I nearly didn't, because it felt like doubting my doctor. The specialist read "
            "my scans and agreed with the diagnosis, but suggested a less invasive first step. "
            "Seeing both opinions side by side made it clear what was the same and what was "
            "different, and the decision guide helped me say what mattered to me.",
            [note.id], acting_user=patient)
        do_submit_story(story, story.title, story.text, True, acting_user=patient)
        do_review_story(story, True, "", acting_user=admin)
