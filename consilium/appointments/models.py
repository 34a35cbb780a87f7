import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.consultations.models import Consultation


class Kind(models.TextChoices):
    VIDEO = "video", "Video call"
    IN_PERSON = "in_person", "In person"


class Appointment(models.Model):
    """A meeting between the patient's side and the specialist about one consultation.

    ``sequence`` counts the changes, as iCalendar's SEQUENCE does, so calendars replace the
    earlier invitation; ``room`` is the opaque part of the program's video link.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE,
                                     related_name="appointments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=30)
    time_zone = models.CharField(max_length=64)  # IANA name, e.g. "America/Denver"
    place = models.TextField(blank=True)  # the address, for in-person appointments
    room = models.CharField(max_length=40, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def video_url(self) -> str:
        template = settings.VIDEO_URL_TEMPLATE
        return template.format(room=self.room) if self.kind == Kind.VIDEO and template else ""
