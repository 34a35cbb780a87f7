from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.fields import EncryptedTextField


class Choice(models.TextChoices):
    FIRST_OPINION = "first_opinion", "Follow the first opinion"
    SECOND_OPINION = "second_opinion", "Follow the second opinion"
    OTHER_PLAN = "other_plan", "Another plan"
    NO_TREATMENT = "no_treatment", "No treatment for now"


class Decision(models.Model):
    """What the patient decided after reading both opinions: the choice that stands now.
    The patient may change it until the case is closed; each choice it replaced is kept as an
    ``EarlierDecision``. ``decided_at`` is when the current choice was made."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision")
    choice = models.CharField(max_length=20, choices=Choice.choices)
    explanation = EncryptedTextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.PositiveSmallIntegerField(default=0)  # how often it was changed

    @property
    def was_changed(self) -> bool:
        return self.changes > 0


class EarlierDecision(models.Model):
    """A choice the patient made and later changed: the decision's history, oldest first."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="earlier_decisions")
    choice = models.CharField(max_length=20, choices=Choice.choices)
    explanation = EncryptedTextField(blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]


class DecisionRole(models.TextChoices):
    """The Ottawa Personal Decision Guide's step 'choose your role'."""

    ALONE = "alone", "I decide myself, after hearing the views of others"
    SHARED = "shared", "I decide together with someone (a doctor, family)"
    OTHERS = "others", "Someone else decides, after hearing my views"


class Pressure(models.TextChoices):
    NONE = "none", "No"
    SOME = "some", "Some"
    STRONG = "strong", "Yes, a lot"


class DecisionAid(models.Model):
    """The patient's work on the decision, step by step (Ottawa Personal Decision Guide):
    timing and role, what matters to them and how much, how each option does on it, their
    support, the SURE test, and next steps. Private to the patient's case; saved as they go.
    Options and criteria are keyed as in decisions.aid (OPTION keys, CRITERIA keys and
    "own1".."own3" for criteria of their own)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision_aid")
    decide_by = models.DateField(null=True, blank=True)
    role = models.CharField(max_length=10, choices=DecisionRole.choices, blank=True)
    own_criteria = models.JSONField(default=list, blank=True)  # names, at most three
    weights = models.JSONField(default=dict, blank=True)  # {criterion: 0..10}
    ratings = models.JSONField(default=dict, blank=True)  # {option: {criterion: 0..10}}
    support = EncryptedTextField(blank=True)  # who helps them decide
    pressure = models.CharField(max_length=8, choices=Pressure.choices, blank=True)
    sure = models.JSONField(default=dict, blank=True)  # {SURE item: true/false}
    next_steps = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
