"""Secure messages about a case between the patient (and caregivers), the program's
coordinators and the specialist. A thread is a first message and its replies; files sent
with a message become records of the case."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.cases.models import Case
from consilium.fields import EncryptedTextField
from consilium.records.models import Record

MAX_BODY = 10_000


class Audience(models.TextChoices):
    """Who reads a message. A care-team note is for the coordinators and the assigned
    specialist only: the patient's side and a shared physician never see it."""

    CASE = "case", "Everyone on the case"
    STAFF = "staff", "Care team only"


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    author_role = models.CharField(max_length=20)
    # Replies point at the thread's first message (threads are one level deep).
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="replies")
    body = EncryptedTextField()
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CASE)
    # A specialist's question that work on the opinion waits for: the consultation's clock
    # stops until the patient or a caregiver replies (``answered_at``).
    blocking = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attachments = models.ManyToManyField(Record, blank=True, related_name="messages")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_time")]

    @property
    def author_label(self) -> str:
        name = self.author.get_full_name() or self.author.username
        return f"{name} ({Role(self.author_role).label.lower()})"


class ReadMark(models.Model):
    """Up to when a person has read a case's messages (what is newer is unread)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_read_mark")]
