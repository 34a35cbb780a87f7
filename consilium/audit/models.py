import hashlib
import json

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only")

    def delete(self):
        raise TypeError("The audit trail is append-only")


class AuditEntry(models.Model):
    """One read or write of health data: who, in which role, what, when, from where.

    Each row carries a SHA-256 over its own content and the previous row's hash, so altering
    or removing a row breaks the chain (see ``manage.py verify_audit``).
    """

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=20)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    case_id = models.UUIDField(null=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only")

    def compute_hash(self) -> str:
        content = {
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "case_id": str(self.case_id) if self.case_id else None,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }
        payload = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditHead(models.Model):
    """The newest hash of the chain, one row; locking it serialises appends on every database."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    count = models.PositiveBigIntegerField(default=0)
