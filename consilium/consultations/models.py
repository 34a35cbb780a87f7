import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.directory.models import Specialist
from consilium.fields import EncryptedTextField


class ConsultationStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired unanswered"
    WITHDRAWN = "withdrawn", "Offer withdrawn"
    RELEASED = "released", "Handed back"


# The lifecycle: every allowed move of a consultation, and nothing else (move_consultation
# in actions.py checks it). A case withdrawn by the patient cancels its open consultation.
TRANSITIONS: dict[str, set[str]] = {
    ConsultationStatus.OFFERED: {
        ConsultationStatus.ACCEPTED, ConsultationStatus.DECLINED, ConsultationStatus.EXPIRED,
        ConsultationStatus.WITHDRAWN, ConsultationStatus.CANCELLED,
    },
    ConsultationStatus.ACCEPTED: {
        ConsultationStatus.RELEASED, ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED,
        # only a part of a combined review (policy "withdraw"): the lead's opinion waits on it
        ConsultationStatus.WITHDRAWN,
    },
    ConsultationStatus.DECLINED: set(),
    ConsultationStatus.EXPIRED: set(),
    ConsultationStatus.WITHDRAWN: set(),
    ConsultationStatus.RELEASED: set(),
    ConsultationStatus.CANCELLED: set(),
    ConsultationStatus.COMPLETED: set(),
}

# The moment each move stamps: the specialist's answer, the end of the work, the opinion.
STAMPED_AT = {
    ConsultationStatus.ACCEPTED: "responded_at",
    ConsultationStatus.DECLINED: "responded_at",
    ConsultationStatus.EXPIRED: "responded_at",
    ConsultationStatus.WITHDRAWN: "ended_at",
    ConsultationStatus.RELEASED: "ended_at",
    ConsultationStatus.CANCELLED: "ended_at",
    ConsultationStatus.COMPLETED: "completed_at",
}

# A case has at most one lead consultation in these states at a time, and a specialist at
# most one consultation of a case (a part or the lead).
ACTIVE_STATUSES = [
    ConsultationStatus.OFFERED,
    ConsultationStatus.ACCEPTED,
    ConsultationStatus.COMPLETED,
]


class Consultation(models.Model):
    """A case offered to one specialist, and their answer (a FHIR Task, in Medplum's terms).

    The lead consultation's specialist writes the opinion the patient gets. In a combined
    review (a tumour-board style review, a pathology or radiology re-read beside the treating
    specialty) the coordinator also offers parts of the case to specialists of other
    specialties (``is_part``): each writes and signs their part (opinions.OpinionPart), and the
    lead's opinion carries the signed parts with their authors (docs/work-queue.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    specialist = models.ForeignKey(
        Specialist, on_delete=models.PROTECT, related_name="consultations"
    )
    status = models.CharField(
        max_length=12, choices=ConsultationStatus.choices, default=ConsultationStatus.OFFERED
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    # The service level (clock.py): the offer is answered by ``answer_due``; the
    # opinion is due on ``due_date``, counted from the day the records were complete (none
    # while they are not).
    answer_due = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # A blocking question to the patient stops the clock; the answer restarts it and moves
    # the due date by the business days waited (clock.pause and clock.resume).
    waiting_on_patient_since = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    # Why the coordinator offered it to a specialist outside the specialties that fit the
    # case's condition ("" when they fit): flagged to the coordinators.
    offer_reason = EncryptedTextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by the coordinator, handed back by the specialist, or cancelled with the
    # case: when, and (withdrawn, handed back) why, in the words of whoever ended it.
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = EncryptedTextField(blank=True)
    # A part of a combined review, and what the coordinator asks of its specialist ("Re-read
    # the biopsy slides: is it grade group 2 or 3?"); False and "" for the lead.
    is_part = models.BooleanField(default=False)
    part_asked = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-offered_at"]
        # covers each specialist's turnaround in the operational figures
        indexes = [models.Index(fields=["status", "specialist", "responded_at", "completed_at"],
                                name="consultation_turnaround"),
                   # the work queue's quick filters, counted from the consultations' side
                   # (program.queue.QuickFilter): the cases of the offers in one state, read
                   # in case order so that a capped count stops once it has enough...
                   models.Index(fields=["status", "case"], name="consultation_state_case"),
                   # ...and the opinions overdue or due soon, by their due dates
                   models.Index(fields=["status", "due_date"], name="consultation_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=ACTIVE_STATUSES, is_part=False),
                name="one_active_lead_per_case",
            ),
            models.UniqueConstraint(
                fields=["case", "specialist"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="one_active_consultation_per_specialist",
            ),
        ]

    def __str__(self):
        return f"Consultation {str(self.id)[:8]}"

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]
