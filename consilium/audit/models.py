import hashlib
import hmac
import json

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64
# How a row's hash was made: plain SHA-256 (rows written before the key, verified as before
# and only at the start of the trail), or HMAC-SHA256 with settings.AUDIT_KEY.
PLAIN, KEYED = 1, 2


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only")

    def delete(self):
        raise TypeError("The audit trail is append-only")


class AuditEntry(models.Model):
    """One read or write of health data: who, in which role, what, when, from where.

    Each row carries an HMAC-SHA256, keyed outside the database, over its own content, its
    place in the trail and the previous row's hash, so altering or removing a row breaks the
    chain and re-chaining needs the key (see ``manage.py verify_audit``).
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
    scheme = models.PositiveSmallIntegerField(default=KEYED)
    # The row's place in the trail, from 1 (keyed rows only); anchors name rows by it.
    seq = models.PositiveBigIntegerField(null=True)

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
        if self.scheme == PLAIN:
            return hashlib.sha256(_canonical(self._content())).hexdigest()
        payload = _canonical({**self._content(), "seq": self.seq})
        return hmac.new(settings.AUDIT_KEY.encode(), payload, hashlib.sha256).hexdigest()

    def _content(self) -> dict:
        return {
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


def _canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


class AuditHead(models.Model):
    """The newest hash of the chain, one row; locking it serialises appends on every database."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    count = models.PositiveBigIntegerField(default=0)
