from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.directory.models import Specialist
from consilium.fields import EncryptedJSONField, EncryptedTextField
from consilium.opinions.models import Opinion

from .concordance import DiagnosisConcordance, Impact, TreatmentConcordance


class Comparison(models.Model):
    """How a signed opinion differs from the first, worked out when it is signed.

    ``automatic_*`` keep what the rules found; ``diagnosis``, ``treatment`` and ``impact``
    are what stands, the same unless a coordinator who reviewed it decided otherwise. The
    program's figures count these rows."""

    opinion = models.OneToOneField(Opinion, on_delete=models.CASCADE, primary_key=True,
                                   related_name="comparison")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comparisons")
    automatic_diagnosis = models.CharField(max_length=24, choices=DiagnosisConcordance.choices)
    automatic_treatment = models.CharField(max_length=12, choices=TreatmentConcordance.choices)
    diagnosis = models.CharField(max_length=24, choices=DiagnosisConcordance.choices)
    treatment = models.CharField(max_length=12, choices=TreatmentConcordance.choices)
    impact = models.CharField(max_length=8, choices=Impact.choices)
    # Encrypted: the reasons name the conditions and treatments of both opinions.
    reasons = EncryptedJSONField(default=list)
    # Where the specialist's own assessment and the rules disagree: why a coordinator should
    # look. Empty when they agree.
    review = EncryptedJSONField(default=list, blank=True)
    # Which of "diagnosis" and "treatment" those reasons are about: until a coordinator has
    # reviewed them, readers who do not review see "being reviewed" there, not a verdict.
    disputed = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # For the program's figures, fixed at signing: the specialist's specialty, business days
    # from the start of the clock (records complete, or the specialist's acceptance) to the
    # signature, and whether that was by the due date.
    specialty = models.CharField(max_length=200, blank=True)
    # who signed it, so each specialist's on-time rate reads one covering index, not the
    # comparisons joined to their opinions and consultations (docs/benchmarks.md)
    specialist = models.ForeignKey(Specialist, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    month = models.CharField(max_length=7, blank=True)  # "2026-11", when it was signed
    turnaround_days = models.PositiveIntegerField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_note = EncryptedTextField(blank=True)

    class Meta:
        # The figures read every row through these, never the table (program/figures.py).
        indexes = [models.Index(fields=["month", "specialty", "diagnosis", "treatment",
                                        "impact", "on_time"], name="comparison_figures"),
                   models.Index(fields=["turnaround_days"], name="comparison_turnaround"),
                   models.Index(fields=["specialist", "on_time"],
                                name="comparison_specialist_on_time")]

    @property
    def needs_review(self) -> bool:
        return bool(self.review) and self.reviewed_at is None

    @property
    def third_opinion_suggested(self) -> bool:
        return self.impact == Impact.MAJOR

    @property
    def being_reviewed(self) -> list[str]:
        """What patients see as "being reviewed": the disputed parts, until reviewed."""
        return list(self.disputed) if self.needs_review else []
