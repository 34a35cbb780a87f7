import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.cases.models import Case
from consilium.fields import EncryptedTextField


class StoryState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    PUBLISHED = "published", "Published"
    DECLINED = "declined", "Not approved"
    UNPUBLISHED = "unpublished", "Taken down"


class Story(models.Model):
    """A patient's story, shared with other patients on the public page once the names,
    dates, places, institutions and identifiers are removed and an administrator approves.

    Only the scrubbed text is kept: what the patient wrote stays in their journal. The ID is
    random, so the public address says nothing about the case.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="story")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    state = models.CharField(max_length=12, choices=StoryState.choices,
                             default=StoryState.DRAFT)
    title = EncryptedTextField()
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(blank=True)
    # The highlighted words the patient chose to keep when sending, one a line, for the
    # administrator reading it.
    kept = EncryptedTextField(blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["state", "published_at"])]
