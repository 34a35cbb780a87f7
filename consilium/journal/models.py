from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.fields import EncryptedTextField


class JournalNote(models.Model):
    """A note the patient writes in their journal: how they feel, what they asked, what
    happened. Only the patient reads their notes; the journal shows them among the case's
    events."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="journal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    text = EncryptedTextField()

    class Meta:
        ordering = ["written_at", "id"]
