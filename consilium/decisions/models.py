from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case


class Choice(models.TextChoices):
    FIRST_OPINION = "first_opinion", "Follow the first opinion"
    SECOND_OPINION = "second_opinion", "Follow the second opinion"
    OTHER_PLAN = "other_plan", "Another plan"
    NO_TREATMENT = "no_treatment", "No treatment for now"


class Decision(models.Model):
    """What the patient decided after reading both opinions."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision")
    choice = models.CharField(max_length=20, choices=Choice.choices)
    explanation = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
