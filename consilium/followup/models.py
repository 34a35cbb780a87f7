from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.fields import EncryptedTextField


class TaskKind(models.TextChoices):
    TEST = "test", "Test"
    APPOINTMENT = "appointment", "Appointment"
    MONITORING = "monitoring", "Monitoring"
    OTHER = "other", "Other"


class Owner(models.TextChoices):
    PATIENT = "patient", "The patient"
    TREATING_PHYSICIAN = "treating_physician", "The treating doctor"
    COORDINATOR = "coordinator", "The program's coordinator"
    SPECIALIST = "specialist", "The second-opinion specialist"


class Source(models.TextChoices):
    OPINION = "opinion", "From the opinion"
    DECISION = "decision", "From the decision"
    ADDED = "added", "Added"


class FollowUpTask(models.Model):
    """One step of the follow-up plan: a test, an appointment, monitoring, with its due date
    and who sees to it. Reminded once, a few days before it is due (reminders.py)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_up_tasks")
    title = EncryptedTextField()
    kind = models.CharField(max_length=12, choices=TaskKind.choices, default=TaskKind.OTHER)
    owner = models.CharField(max_length=20, choices=Owner.choices, default=Owner.PATIENT)
    due_date = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADDED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["done_at", "reminded_on", "due_date"],
                                name="task_reminder")]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Followed(models.TextChoices):
    FIRST = "first", "The first opinion"
    SECOND = "second", "The second (or third) opinion"
    OTHER = "other", "Something else"
    NOTHING = "nothing", "Nothing yet"


class OutcomeCheck(models.Model):
    """After some months (settings.OUTCOME_CHECK_MONTHS), the patient is asked what they did
    and how it went; the answers feed the program's figures."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcome_checks")
    months = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    asked_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    followed = models.CharField(max_length=8, choices=Followed.choices, blank=True)
    outcome = EncryptedTextField(blank=True)  # in the patient's words

    class Meta:
        ordering = ["months"]
        constraints = [models.UniqueConstraint(fields=["case", "months"],
                                               name="one_check_per_interval")]
