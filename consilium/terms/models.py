from django.conf import settings
from django.db import models
from django.utils import timezone


class ProgramSettings(models.Model):
    """One change of the program's terms by an administrator: every value as it stands after
    the change, the values it replaced (``previous``, only those that changed) and why. Rows
    are only ever added; the newest is in force, and with none the environment's defaults are
    (access.current). The rows are the history."""

    service_level_days = models.PositiveSmallIntegerField()
    offer_answer_days = models.PositiveSmallIntegerField()
    reminder_days_before = models.PositiveSmallIntegerField()
    task_reminder_days = models.PositiveSmallIntegerField()
    follow_up_questions = models.PositiveSmallIntegerField()
    records_request_days = models.PositiveSmallIntegerField()
    # ISO dates, in order: JSON, so one row holds the whole calendar as it was.
    holidays = models.JSONField(default=list)
    previous = models.JSONField(default=dict)
    # The administrator's reason: about the program, never about a patient.
    reason = models.TextField(max_length=500)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "program settings"
