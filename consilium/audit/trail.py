"""The one helper every action and access helper calls to record an access to health data."""

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from .context import client_ip
from .models import GENESIS_HASH, AuditEntry, AuditHead


def record(user, action: str, obj: models.Model, *, case_id=None) -> None:
    """Append one row to the audit trail, chained to the previous row's hash.

    ``action`` is a dotted verb such as ``case.view`` or ``opinion.sign``; only the object's
    type and opaque ID are stored, never its content.
    """
    record_many(user, action, [obj], case_id_of=lambda _: case_id)


def record_many(user, action: str, objs: Iterable[models.Model], *, case_id_of=None) -> None:
    """Append one row per object (e.g. every case a list page shows) under one lock."""
    objs = list(objs)
    if not objs:
        return
    now = timezone.now()
    with transaction.atomic():
        # Locking the head row serialises appends, so the chain never forks. The row is made
        # by a migration; get_or_create only matters after a database flush (tests).
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        prev = head.hash
        entries = []
        for obj in objs:
            entry = AuditEntry(
                at=now,
                actor=user if user is not None and user.is_authenticated else None,
                actor_username=getattr(user, "username", "") or "",
                actor_role="system" if user is None else getattr(user, "role", "") or "",
                action=action,
                object_type=obj._meta.model_name,
                object_id=str(obj.pk),
                case_id=case_id_of(obj) if case_id_of else None,
                ip_address=client_ip.get(),
                prev_hash=prev,
            )
            entry.hash = entry.compute_hash()
            entries.append(entry)
            prev = entry.hash
        # One insert, in chain order (ids ascend as the rows are listed).
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(id=1).update(hash=prev, count=models.F("count") + len(objs))


def verify() -> tuple[int, AuditEntry | None, str]:
    """Walk the chain; return (rows checked, first broken row or None, what is wrong)."""
    prev = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return checked, entry, "a row before it was removed or altered"
        if entry.compute_hash() != entry.hash:
            return checked, entry, "its content was altered"
        prev = entry.hash
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.hash != prev or head.count != checked):
        return checked, None, "rows at the end of the trail were removed"
    return checked, None, ""
