from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Question, TreatmentCategory
from consilium.consultations.models import Consultation
from consilium.fields import EncryptedJSONField, EncryptedTextField


class DiagnosisAgreement(models.TextChoices):
    AGREE = "agree", "Agree"
    REFINE = "refine", "Refine"
    DISAGREE = "disagree", "Disagree"


class TreatmentAgreement(models.TextChoices):
    AGREE = "agree", "Agree"
    MODIFY = "modify", "Modify"
    ALTERNATIVE = "alternative", "Alternative"


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


class Opinion(models.Model):
    """The specialist's written second opinion. Every save raises ``version`` (a save based on
    an older version is refused); signing freezes the content and records its SHA-256."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, primary_key=True, related_name="opinion"
    )
    diagnosis_agreement = models.CharField(
        max_length=10, choices=DiagnosisAgreement.choices, blank=True
    )
    diagnosis_codes = models.JSONField(default=list, blank=True)
    diagnosis_comment = EncryptedTextField(blank=True)
    treatment_agreement = models.CharField(
        max_length=12, choices=TreatmentAgreement.choices, blank=True
    )
    # The kind of treatment recommended, in the first opinion's terms (the comparison reads
    # it: another kind is a changed treatment); blank when the specialist agrees.
    treatment_category = models.CharField(max_length=24, choices=TreatmentCategory.choices,
                                          blank=True)
    treatment_description = EncryptedTextField(blank=True)
    further_tests = EncryptedTextField(blank=True)
    reasoning = EncryptedTextField(blank=True)
    follow_up = EncryptedTextField(blank=True)  # follow-up recommendations
    trials = EncryptedTextField(blank=True)  # relevant clinical trials, free text
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    plain_summary = EncryptedTextField(blank=True)  # for the patient, in plain language
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    signed_content = EncryptedJSONField(null=True, blank=True)  # exactly what was hashed
    content_sha256 = models.CharField(max_length=64, blank=True)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class OpinionPart(models.Model):
    """A part of a combined review, written and signed by the specialist of a part
    consultation (``Consultation.is_part``): a pathology re-read, a radiology review. Signing
    freezes it and records its SHA-256; the lead's opinion, once signed, covers each part's
    hash (``opinion_content``), so the combined opinion shows any change to a part."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, primary_key=True, related_name="opinion_part"
    )
    findings = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    content_sha256 = models.CharField(max_length=64, blank=True)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Option(models.Model):
    """A treatment option the specialist recommends or discusses; the decision aid reads the
    benefits, harms and what living with it is like."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    title = EncryptedTextField()
    recommended = models.BooleanField(default=False)
    benefits = EncryptedTextField(blank=True)
    harms = EncryptedTextField(blank=True)
    living_with = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["opinion", "position"], name="option_position")
        ]


class Answer(models.Model):
    """The specialist's answer to one of the patient's questions."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = EncryptedTextField(blank=True)  # the answer, or why it is deferred
    deferred = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opinion", "question"], name="one_answer_per_question")
        ]


class FollowUpQuestion(models.Model):
    """A question the patient asks after the opinion was delivered; an addendum answers it."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE,
                                related_name="follow_up_questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    text = EncryptedTextField()
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asked_at", "id"]


class Addendum(models.Model):
    """A signed addition to a signed opinion: a correction, or the answer to a follow-up
    question. Its SHA-256 covers the previous one's, so the chain shows any change."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="addenda")
    number = models.PositiveSmallIntegerField()
    body = EncryptedTextField()
    answers = models.OneToOneField(FollowUpQuestion, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="answer")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["opinion", "number"], name="addendum_number")
        ]


class ReportShare(models.Model):
    """The patient's consent to send the physician report to a treating physician.

    The link's token and the one-time codes are stored only as SHA-256. A physician with an
    account reads after signing in; anyone else after a code sent to the address. The link
    ends at ``expires_at`` or when the patient withdraws it. Every view is in the audit trail.
    """

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    email = models.EmailField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    consented_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # Codes sent for this link in all: capped, so that asking again cannot renew the tries
    # without end (sharing.CODES_PER_LINK).
    codes_sent = models.PositiveSmallIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-consented_at"]

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
