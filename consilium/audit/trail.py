"""The one helper every action and access helper calls to record an access to health data.

Appending locks the one ``AuditHead`` row until the transaction ends, so the audit head is the
last lock a transaction takes: lock every row the action needs (``locked_case``,
``locked_consultation``, an opinion, a record...) before its first audit row, and send a
signal whose receivers lock rows before the sender's own audit row. Holding the head while
waiting for a case deadlocks, on PostgreSQL, with a transaction holding that case while
waiting for the head. ``consilium/tests/lock_order.py`` checks this in every test.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import anchor
from .context import client_ip
from .models import GENESIS_HASH, KEYED, PLAIN, AuditEntry, AuditHead


def record(user, action: str, obj: models.Model, *, case_id=None) -> None:
    """Append one row to the audit trail, chained to the previous row's hash.

    ``action`` is a dotted verb such as ``case.view`` or ``opinion.sign``; only the object's
    type and opaque ID are stored, never its content.
    """
    record_many(user, action, [obj], case_id_of=lambda _: case_id)


def record_refused(user, action: str, model: type[models.Model], object_id, *,
                   case_id=None) -> None:
    """Record that an access helper refused ``user`` the object with this ID (``case.view``
    becomes ``case.view.refused``); unknown IDs are recorded alike, as the answer was."""
    record(user, f"{action}.refused", model(pk=str(object_id)[:64]), case_id=case_id)


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
        for seq, obj in enumerate(objs, start=head.count + 1):
            # Only an abstract model lacks a model_name, and it has no rows to record.
            assert obj._meta.model_name is not None
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
                scheme=KEYED,
                seq=seq,
            )
            entry.hash = entry.compute_hash()
            entries.append(entry)
            prev = entry.hash
        # One insert, in chain order (ids ascend as the rows are listed).
        AuditEntry.objects.bulk_create(entries)
        AuditHead.objects.filter(id=1).update(hash=prev, count=models.F("count") + len(objs))
        if settings.AUDIT_ANCHOR:
            count = head.count + len(objs)
            transaction.on_commit(lambda: anchor.write(count, prev))


def verify() -> tuple[int, AuditEntry | None, str]:
    """Check the chain, then the anchor; return (rows checked, first broken row or None,
    what is wrong or "")."""
    checked, broken, problem = verify_chain()
    if problem:
        return checked, broken, problem
    return checked, None, verify_anchor(checked)[0]


def verify_chain() -> tuple[int, AuditEntry | None, str]:
    """Walk the chain: plain rows only at its start, keyed rows in place, the head at its end."""
    prev, checked, last = GENESIS_HASH, 0, None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return checked, entry, "a row before it was removed or altered"
        if entry.scheme not in (PLAIN, KEYED):
            return checked, entry, "its hash scheme is unknown"
        if entry.scheme == PLAIN and last is not None and last.scheme == KEYED:
            return checked, entry, "it is not keyed yet follows keyed rows: it was re-chained"
        if entry.scheme == KEYED and entry.seq != checked + 1:
            return checked, entry, "its place in the trail was changed"
        if entry.compute_hash() != entry.hash:
            return checked, entry, "its content was altered, or it was chained without the key"
        prev, checked, last = entry.hash, checked + 1, entry
    if last is not None and last.scheme == PLAIN:
        return checked, last, "the trail ends in rows without the key: it was re-chained"
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.hash != prev or head.count != checked):
        return checked, None, "rows at the end of the trail were removed"
    return checked, None, ""


def verify_anchor(checked: int, paths: list[str] | None = None) -> tuple[str, bool]:
    """Check the anchor (or the files collected from each web machine's, together) against
    the trail's ``checked`` rows: every anchored hash still in its place, none past the end.
    Return (what is wrong or "", whether it is only that the anchor lacks the newest rows)."""
    paths = paths or ([settings.AUDIT_ANCHOR] if settings.AUDIT_ANCHOR else [])
    if not paths:
        return "", False
    top = gone = 0
    for path in paths:
        try:
            top, gone = _check_anchor_file(path, checked, top, gone)
        except FileNotFoundError:
            pass
        except (anchor.BadAnchorLine, Rewritten) as exc:
            return f"{path}: {exc}", False
    if gone:
        return (f"the anchor names row {gone}, but the trail has {checked}: rows at its end "
                "were removed"), False
    if top < checked:
        return (f"the newest {checked - top} rows are not in the anchor {', '.join(paths)}: "
                "its last lines were removed, or the server stopped before writing them"), True
    return "", False


class Rewritten(Exception):
    """An anchored hash is not in the trail at its count."""


def _check_anchor_file(path: str, checked: int, top: int, gone: int) -> tuple[int, int]:
    """(highest anchored count found in the trail, highest one past its end), so far."""
    anchors = anchor.read(path)
    while batch := [a for _, a in zip(range(1000), anchors, strict=False)]:
        places = dict(AuditEntry.objects.filter(hash__in={a.hash for a in batch})
                      .values_list("hash", "seq"))
        for a in batch:
            # Looked up now, so heads appended since the walk are found too.
            if places.get(a.hash) == a.count:
                top = max(top, a.count)
            elif a.count > checked:
                gone = max(gone, a.count)
            else:
                raise Rewritten(f"line {a.line} of the anchor names row {a.count} with a "
                                "hash the trail does not hold there: it was rewritten")
    return top, gone


def anchor_head() -> tuple[int, str]:
    """Write the current head to the anchor (after a verified chain, e.g. when anchoring
    starts on an existing trail)."""
    head, _ = AuditHead.objects.get_or_create(id=1)
    anchor.write(head.count, head.hash)
    return head.count, head.hash
