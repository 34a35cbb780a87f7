import hashlib
import hmac
import json

from django.conf import settings
from django.db import connections, models
from django.db.models import Q

GENESIS_HASH = "0" * 64
# How a row's hash was made: plain SHA-256 (rows written before the key, verified as before
# and only at the start of the trail), or HMAC-SHA256 with settings.AUDIT_KEY.
PLAIN, KEYED = 1, 2


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only")

    def delete(self):
        raise TypeError("The audit trail is append-only")

    def pending(self):
        """Rows appended but not yet sealed into the chain (``trail.seal``)."""
        return self.filter(hash__isnull=True)

    def seal(self, entries: list["AuditEntry"]) -> None:
        """The one change a row ever gets: a pending row is given its place, the previous
        row's hash and its own (set on ``entries`` by ``trail.seal``, under the head's lock).
        Nothing else is written, and a sealed row is never written again.

        One statement run for every row (executemany), not one UPDATE with a CASE per
        column: the database evaluates those CASEs row by row, which made sealing a
        thousand rows take a quadratic time while every other writer waited."""
        if not entries:
            return
        table = self.model._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s "  # noqa: S608
                "WHERE id = %s AND hash IS NULL",
                [(e.seq, e.prev_hash, e.hash, e.pk) for e in entries])
            changed = cursor.rowcount
        if changed != len(entries):
            raise RuntimeError("Audit rows to seal were sealed already or are gone")


class AuditEntry(models.Model):
    """One read or write of health data: who, in which role, what, when, from where.

    A row is appended *pending*, with ``row_hmac``, an HMAC-SHA256 keyed outside the database
    over its own content, and no lock on anything shared. The sealer (``trail.seal``) then
    chains pending rows in order: each sealed row's ``hash`` is an HMAC over its content, its
    place in the trail (``seq``) and the previous row's hash, so altering or removing a row
    breaks the chain and re-chaining needs the key (see ``manage.py verify_audit``).
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
    # The chain: NULL while the row is pending, set once when it is sealed. NULL, not "":
    # "not chained yet" is no hash at all, and a unique column holds many NULLs.
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001
    scheme = models.PositiveSmallIntegerField(default=KEYED)
    # The row's place in the trail, from 1 (keyed rows only); anchors name rows by it.
    seq = models.PositiveBigIntegerField(null=True, unique=True)
    # The row's own HMAC, made when it is appended (rows from before sealing have none).
    row_hmac = models.CharField(max_length=64, null=True)  # noqa: DJ001

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["id"], condition=Q(hash__isnull=True),
                                name="audit_pending")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only")

    def compute_hash(self) -> str:
        if self.scheme == PLAIN:
            return hashlib.sha256(_canonical(self._content())).hexdigest()
        return _keyed({**self._content(), "seq": self.seq})

    def compute_row_hmac(self) -> str:
        """The HMAC over what the row says, without its place in the chain (not known yet)."""
        return _keyed({**self._own_content(), "row": True})

    def _content(self) -> dict:
        return {**self._own_content(), "prev_hash": self.prev_hash}

    def _own_content(self) -> dict:
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
        }


def _canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def _keyed(content: dict) -> str:
    return hmac.new(settings.AUDIT_KEY.encode(), _canonical(content), hashlib.sha256).hexdigest()


class AuditHead(models.Model):
    """The newest hash of the chain, one row; only the sealer locks it, so sealing is
    serialised (the chain never forks) while appending waits for nobody."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    count = models.PositiveBigIntegerField(default=0)
