from django.conf import settings
from django.db import models


class Specialist(models.Model):
    """A consulting physician in the program's directory (deepened by the directory issue)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="specialist",
    )
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10, blank=True)
    taxonomy_code = models.CharField("NUCC taxonomy code", max_length=10)
    specialty = models.CharField(max_length=200)
    board_certified = models.BooleanField(default=True)
    institution = models.CharField(max_length=200)
    hospital_system = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    telemedicine = models.BooleanField(default=True)
    languages = models.JSONField(default=list, blank=True)
    accepting_cases = models.BooleanField(default=True)
    turnaround_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
