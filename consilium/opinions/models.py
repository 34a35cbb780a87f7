from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Question
from consilium.consultations.models import Consultation


class DiagnosisAgreement(models.TextChoices):
    AGREE = "agree", "Agree"
    REFINE = "refine", "Refine"
    DISAGREE = "disagree", "Disagree"


class TreatmentAgreement(models.TextChoices):
    AGREE = "agree", "Agree"
    MODIFY = "modify", "Modify"
    ALTERNATIVE = "alternative", "Alternative"


class Opinion(models.Model):
    """The specialist's written second opinion; signing locks it."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, primary_key=True, related_name="opinion"
    )
    diagnosis_agreement = models.CharField(
        max_length=10, choices=DiagnosisAgreement.choices, blank=True
    )
    diagnosis_codes = models.JSONField(default=list, blank=True)
    diagnosis_comment = models.TextField(blank=True)
    treatment_agreement = models.CharField(
        max_length=12, choices=TreatmentAgreement.choices, blank=True
    )
    treatment_description = models.TextField(blank=True)
    further_tests = models.TextField(blank=True)
    reasoning = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Answer(models.Model):
    """The specialist's answer to one of the patient's questions."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opinion", "question"], name="one_answer_per_question")
        ]
