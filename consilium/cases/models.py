import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.fields import EncryptedTextField


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RECORDS_COMPLETE = "records_complete", "Records complete"
    SPECIALIST_ASSIGNED = "specialist_assigned", "Specialist assigned"
    IN_REVIEW = "in_review", "In review"
    OPINION_DELIVERED = "opinion_delivered", "Opinion delivered"
    DECIDED = "decided", "Decided"
    FOLLOWING_UP = "following_up", "Following up"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The specialist hands the case back before signing (consultations: release): it returns to
# the queue, records complete, or submitted if they never were. The lifecycle's only moves
# backwards, made by that action alone: no button of the case's own makes them.
BACK_TO_QUEUE: dict[str, set[str]] = {
    Status.SPECIALIST_ASSIGNED: {Status.RECORDS_COMPLETE, Status.SUBMITTED},
    Status.IN_REVIEW: {Status.RECORDS_COMPLETE, Status.SUBMITTED},
}

# The lifecycle: every allowed move of a case, and nothing else.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED, Status.WITHDRAWN},
    Status.RECORDS_COMPLETE: {Status.SPECIALIST_ASSIGNED, Status.WITHDRAWN},
    Status.SPECIALIST_ASSIGNED: {Status.IN_REVIEW, Status.WITHDRAWN,
                                 *BACK_TO_QUEUE[Status.SPECIALIST_ASSIGNED]},
    Status.IN_REVIEW: {Status.OPINION_DELIVERED, Status.WITHDRAWN,
                       *BACK_TO_QUEUE[Status.IN_REVIEW]},
    Status.OPINION_DELIVERED: {Status.DECIDED, Status.WITHDRAWN},
    Status.DECIDED: {Status.FOLLOWING_UP, Status.CLOSED},
    Status.FOLLOWING_UP: {Status.CLOSED},
    Status.CLOSED: set(),
    Status.WITHDRAWN: set(),
}

# States in which the patient may still change the first-opinion details.
EDITABLE_STATES = {Status.DRAFT, Status.SUBMITTED}
# States in which the case can be offered to a specialist (none is on it yet).
OFFERABLE_STATES = {Status.SUBMITTED, Status.RECORDS_COMPLETE}


class TreatmentCategory(models.TextChoices):
    SURGERY = "surgery", "Surgery"
    INVASIVE_PROCEDURE = "invasive_procedure", "Invasive procedure"
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    RADIATION = "radiation", "Radiation therapy"
    LONG_TERM_MEDICATION = "long_term_medication", "Long-term medication"
    LIFESTYLE_CHANGE = "lifestyle_change", "Lifestyle change"
    WATCHFUL_WAITING = "watchful_waiting", "Watchful waiting"
    OTHER = "other", "Other"


# The step each move records the first time of (Case.submitted_at ...): a specialist
# accepting is the case's only way to "specialist assigned".
STEP_STAMPS: dict[str, str] = {
    Status.SUBMITTED: "submitted_at",
    Status.RECORDS_COMPLETE: "records_complete_at",
    Status.SPECIALIST_ASSIGNED: "matched_at",
}


class Case(models.Model):
    """A request for a second opinion on one first opinion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    # The first opinion.
    diagnosis_text = EncryptedTextField("diagnosis")
    diagnosis_codes = models.JSONField("ICD-10-CM codes", default=list, blank=True)
    treatment_category = models.CharField(
        "proposed treatment", max_length=24, choices=TreatmentCategory.choices
    )
    treatment_description = EncryptedTextField("treatment details", blank=True)
    diagnosing_physician = models.CharField(max_length=200, blank=True)
    institution = models.CharField(max_length=200, blank=True)
    hospital_system = models.CharField(max_length=200, blank=True)
    # The first opinion's hospital system as a coordinator confirmed it (do_confirm_system):
    # matching then leaves out every name of that system, besides the free text above.
    first_system = models.ForeignKey("directory.HospitalSystem", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # The first opinion's institution as a coordinator confirmed it (do_confirm_institution),
    # or that it is not in the directory (first_institution_unlisted); matching then leaves
    # out its names and its system's, besides the free text above.
    first_institution = models.ForeignKey("directory.Institution", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    first_institution_unlisted = models.BooleanField(default=False)
    first_opinion_date = models.DateField(null=True, blank=True)

    # The patient's own words.
    symptoms = EncryptedTextField(blank=True)
    concerns = EncryptedTextField(blank=True)
    goals = EncryptedTextField(blank=True)

    # What matching needs to know about the patient: where they are (a US ZIP code or
    # "latitude,longitude"), how far they would travel, the language they prefer to be
    # seen in (ISO 639-1) and their insurance plan.
    patient_location = models.CharField(max_length=40, blank=True)
    travel_km = models.PositiveIntegerField("how far they would travel (km)", default=150)
    patient_language = models.CharField(max_length=8, blank=True, default="en")
    insurance_plan = models.ForeignKey("triage.InsurancePlan", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    # A third opinion is a case of its own, linked to the case whose opinions disagreed:
    # it carries the records over and matching avoids the systems of both earlier opinions.
    earlier_case = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="later_cases")

    # Records to gather, from the self-assessment: [{"key", "label"}]. Whether an item is
    # done is worked out from the records present (records.checklist).
    checklist = models.JSONField(default=list, blank=True)

    # The coordinator who has the case in hand (do_set_case_owner): the work queue's "mine".
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_cases")
    # The day the first opinion's procedure is planned for, as the patient or a coordinator
    # recorded it (do_plan_procedure): the queue's urgency is the days until it. A plain
    # date, not encrypted, so that the queue can sort and filter by it in SQL
    # (docs/decisions/0008-work-queue-search.md).
    planned_procedure_on = models.DateField("planned procedure date", null=True, blank=True)
    # When the case first reached each step (move_case keeps the first; a case handed back
    # keeps its earlier dates): the operational figures group these in one pass over the
    # cases instead of over every case's events (program/operations.py, bench/figures.py).
    submitted_at = models.DateTimeField(null=True, blank=True)
    records_complete_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField("first accepted by a specialist", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "status_changed_at"]),
                   # the staff's case list, newest first, without sorting every case
                   models.Index(fields=["created_at"], name="case_created"),
                   # the work queue's default order, the longest waiting first (the ID
                   # breaks ties): its first page read from the index, not sorted
                   models.Index(fields=["status_changed_at", "id"], name="case_waiting"),
                   # covers the operational figures' one pass over the step times
                   models.Index(fields=["submitted_at", "matched_at", "records_complete_at"],
                                name="case_steps"),
                   # the queue's "mine" and "procedure within 14 days": the few cases owned
                   # or with a date, not every case (the foreign key's full index, most of
                   # its rows NULL, looked unselective to SQLite, which scanned the table
                   # instead: 18 ms at 111,000 cases)
                   models.Index(fields=["owner"], name="case_owned",
                                condition=models.Q(owner__isnull=False)),
                   models.Index(fields=["planned_procedure_on"], name="case_planned",
                                condition=models.Q(planned_procedure_on__isnull=False))]

    def __str__(self):
        return f"Case {self.short_id}"

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status not in {Status.CLOSED, Status.WITHDRAWN}


class Question(models.Model):
    """A question the patient wants the specialist to answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = EncryptedTextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="question_position")
        ]


class EventKind(models.TextChoices):
    CREATED = "created", "Case created"
    EDITED = "edited", "First opinion edited"
    STATUS = "status", "Status changed"
    INVITED = "invited", "Invitation sent"
    SHARED = "shared", "Shared"
    UNSHARED = "unshared", "Sharing ended"
    OFFERED = "offered", "Offered to a specialist"
    ACCEPTED = "accepted", "Specialist accepted"
    DECLINED = "declined", "Specialist declined"
    EXPIRED = "expired", "Offer expired unanswered"
    REMINDED = "reminded", "Specialist reminded of the due date"
    OVERDUE = "overdue", "Opinion overdue; coordinators told"
    WAITING = "waiting", "Specialist waiting on the patient"
    RESUMED = "resumed", "Patient answered; the clock runs again"
    OPINION_SIGNED = "opinion_signed", "Opinion signed"
    # A combined review's parts (consultations: is_part), beside the lead's opinion.
    PART_OFFERED = "part_offered", "Part of the review offered to a specialist"
    PART_SIGNED = "part_signed", "Part of the review signed"
    FOLLOW_UP_ASKED = "follow_up_asked", "Follow-up question asked"
    ADDENDUM = "addendum", "Addendum signed"
    APPOINTMENT = "appointment", "Appointment made"
    RESCHEDULED = "rescheduled", "Appointment moved"
    APPOINTMENT_CANCELLED = "appt_cancelled", "Appointment cancelled"
    DECIDED = "decided", "Decision recorded"
    REVIEW_ASKED = "review_asked", "Comparison of the opinions sent for review"
    COMPARISON_REVIEWED = "comparison_reviewed", "Comparison of the opinions reviewed"
    THIRD_OPINION = "third_opinion", "Third opinion requested"
    OFFER_WITHDRAWN = "offer_withdrawn", "Offer withdrawn by the coordinator"
    RELEASED = "released", "Specialist handed the case back"
    DECISION_CHANGED = "decision_changed", "Decision changed"
    # A request for records to a provider (records.requests); the provider is not named here.
    RECORDS_ASKED = "records_asked", "Records request written down"
    RECORDS_SENT = "records_req_sent", "Records request sent to a provider"
    RECORDS_REMINDED = "records_reminded", "Provider reminded of a records request"
    RECORDS_RECEIVED = "records_received", "Requested records received"
    RECORDS_CANCELLED = "records_req_cancel", "Records request cancelled"
    SYSTEM_CONFIRMED = "system_confirmed", "First opinion's hospital system confirmed"
    SYSTEM_UNCONFIRMED = "system_unconfirmed", "First opinion's hospital system undone"
    FACILITY_CONFIRMED = "facility_confirmed", "First opinion's institution confirmed"
    FACILITY_UNCONFIRMED = "facility_unconfirmed", "First opinion's institution undone"
    OWNER_CHANGED = "owner_changed", "Coordinator in charge changed"
    PROCEDURE_PLANNED = "procedure_planned", "Planned procedure date recorded"
    INTAKE_SAVED = "intake_saved", "Case summary for the specialist saved"


class Event(models.Model):
    """One thing that happened to a case; the case's history is its events."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    # A short, non-clinical remark (e.g. the specialist's name); clinical text stays elsewhere.
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def describe(self) -> str:
        if self.kind == EventKind.STATUS:
            return f"{Status(self.from_status).label} → {Status(self.to_status).label}"
        return self.get_kind_display()


class ShareRole(models.TextChoices):
    CAREGIVER = "caregiver", "Caregiver"
    PHYSICIAN = "physician", "Treating physician"


class Share(models.Model):
    """The patient's consent for a caregiver or treating physician to see one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "grantee"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_share",
            )
        ]


class Invitation(models.Model):
    """A patient's invitation, by email, for a caregiver or physician to join and see a case.

    Only the SHA-256 of the link's token is stored; the link works once, until it expires.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=ShareRole.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


# States in which a coordinator writes the case summary for the specialist: from the
# submission (a draft is the patient's own) until the opinion is signed; after that the
# summary stays as it was when the specialist gave the opinion.
INTAKE_STATES = {Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED,
                 Status.IN_REVIEW}


class IntakeSummary(models.Model):
    """The coordinator's summary of a case for the specialist (docs/work-queue.md, "Intake"):
    the history, the key question, what the records show and what is missing, as the nurses
    of the best second-opinion services write it before offering a case. It heads the case
    page and the case packet; a specialist offered the case reads it before accepting (the
    records only once they accept). One per case; ``version`` refuses a stale edit."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="intake")
    history = EncryptedTextField("history", blank=True)
    key_question = EncryptedTextField("key question")
    records_show = EncryptedTextField("what the records show", blank=True)
    missing = EncryptedTextField("what is missing", blank=True)
    version = models.PositiveIntegerField(default=0)
    # Who saved the text as it is now, and when: the coordinator who wrote or confirmed it.
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Intake summary of case {self.case.short_id}"
