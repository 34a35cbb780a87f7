"""The one helper every action and access helper calls to record an access to health data.

Appending locks nothing shared: ``record_many`` inserts its rows *pending*, each with its own
keyed HMAC (``row_hmac``), so a page view never waits for another user's append. Within a
request, the reads recorded outside any transaction wait in the request's list and are
inserted together when its response is ready, before any of it leaves (``finish_request``);
an action's rows are inserted in the action's transaction, with its change.

The chain is made afterwards by ``seal()``, the only code that locks the one ``AuditHead``
row: it takes the committed pending rows in ID order, checks each one's HMAC and gives it its
place (``seq``), the previous row's hash and its own chained hash, moves the head and writes
the anchor. Who seals: with ``settings.AUDIT_SEALER`` on, the sealer process (``manage.py
seal_audit --follow``, which ``manage.py serve`` runs beside the web workers), so no page
waits for the head; otherwise each request once its response is ready, and any other append
once its transaction commits. While one process seals, another skips (the one sealing, or
the next, takes its rows); the hourly ``check_deadlines`` seals what a process that died
before sealing left. ``verify_chain`` walks the sealed rows by ``seq`` and checks every
pending row's HMAC, reporting rows left pending too long.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from . import anchor
from .context import RequestTrail, client_ip, request_trail
from .models import GENESIS_HASH, KEYED, PLAIN, AuditEntry, AuditHead

log = logging.getLogger(__name__)
# Rows a seal takes in one transaction (the head stays locked that long).
SEAL_BATCH = 1000
# Rounds a seal after commit makes, each taking what was committed during the one before.
SEAL_ROUNDS = 5
# A row is sealed within seconds (after its request, or by the sealer process), or at the
# latest by the hourly check_deadlines; one still pending after this means no sealer ran.
SEAL_LATE = timedelta(hours=2)


def record(user, action: str, obj: models.Model, *, case_id=None) -> None:
    """Append one row to the audit trail (sealed into the chain once the transaction commits).

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
    """Append one pending row per object (e.g. every case a list page shows), locking nothing
    another transaction could hold: one insert, at once within a transaction (an action's), else
    with the request's other reads when its response is ready."""
    objs = list(objs)
    if not objs:
        return
    now = timezone.now()
    entries = []
    for obj in objs:
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
            scheme=KEYED,
        )
        entry.row_hmac = entry.compute_row_hmac()
        entries.append(entry)
    request = request_trail.get()
    if request is None:
        AuditEntry.objects.bulk_create(entries)
        _seal_after_commit()
    elif connection.in_atomic_block:
        AuditEntry.objects.bulk_create(entries)
        request.appended = True
    else:
        request.reads += entries


def _seal_after_commit() -> None:
    """Outside a request: seal once the transaction commits (at once outside one), unless the
    sealer process does. A failure is logged: the next seal takes the rows."""
    if not settings.AUDIT_SEALER:
        transaction.on_commit(seal, robust=True)


def finish_request(request: RequestTrail) -> None:
    """Insert the request's reads in one statement; then, unless the sealer process seals,
    seal what the request appended, once its transactions are over (still inside one, as a
    test's that never commits: after its commit). The insert's failure is raised (the
    response must not leave unrecorded); the seal's is logged (the next seal takes the rows)."""
    if request.reads:
        AuditEntry.objects.bulk_create(request.reads)
        request.reads, request.appended = [], True
    if not request.appended or settings.AUDIT_SEALER:
        return
    if connection.in_atomic_block:
        transaction.on_commit(seal, robust=True)
        return
    try:
        seal()
    except Exception:  # the next seal, or the periodic one, takes the rows
        log.exception("Sealing the audit rows after a request failed")


def seal(*, wait: bool = False) -> int:
    """Chain every committed pending row, in ID order; return how many were sealed.

    Runs in its own transaction, never inside one that appends (it would seal its own
    uncommitted rows and hold the head until that commit). Without ``wait``, when another
    process holds the head it returns at once: that process looks for pending rows again
    after releasing the head, so rows committed meanwhile are not left behind; and it stops
    after SEAL_ROUNDS rounds, so under steady load one request does not seal for everyone
    for long (the next request's seal takes what came meanwhile).
    """
    sealed, refused, rounds = 0, set[int](), 0
    while AuditEntry.objects.pending().exclude(id__in=refused).exists():
        if not wait and rounds == SEAL_ROUNDS:
            break
        batch = _seal_batch(wait, refused)
        if batch is None:  # another process is sealing
            break
        sealed, rounds = sealed + batch, rounds + 1
    return sealed


def _seal_batch(wait: bool, refused: set[int]) -> int | None:
    """Seal up to SEAL_BATCH pending rows under the head's lock; None if it was taken."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update(skip_locked=not wait).filter(id=1).first()
        if head is None:
            # The row is made by a migration; it only lacks after a database flush (tests).
            if AuditHead.objects.filter(id=1).exists():
                return None
            head = AuditHead.objects.create(id=1)
        pending = AuditEntry.objects.pending().exclude(id__in=refused).order_by("id")
        entries, prev, count = [], head.hash, head.count
        for entry in pending[:SEAL_BATCH]:
            if _tampered_while_pending(entry):
                # Never chained; verify_audit reports it.
                log.error("Audit row %s was altered before it was sealed; left unsealed",
                          entry.pk)
                refused.add(entry.pk)
                continue
            count += 1
            entry.seq, entry.prev_hash = count, prev
            entry.hash = prev = entry.compute_hash()
            entries.append(entry)
        if not entries:
            return 0
        AuditEntry.objects.seal(entries)
        AuditHead.objects.filter(id=1).update(hash=prev, count=F("count") + len(entries))
        if settings.AUDIT_ANCHOR:
            transaction.on_commit(lambda: anchor.write(count, prev))
        return len(entries)


def verify() -> tuple[int, AuditEntry | None, str]:
    """Check the chain, then the anchor; return (rows checked, first broken row or None,
    what is wrong or "")."""
    checked = check_chain()
    if checked.problem:
        return checked.rows, checked.broken, checked.problem
    return checked.rows, None, verify_anchor(checked.sealed)[0]


@dataclass
class Checked:
    sealed: int  # rows walked along the chain, in order
    pending: int = 0  # rows appended but not yet sealed, each with a right row HMAC
    broken: AuditEntry | None = None
    problem: str = ""

    @property
    def rows(self) -> int:
        return self.sealed + self.pending


def verify_chain() -> tuple[int, AuditEntry | None, str]:
    """(rows checked, first broken row or None, what is wrong or "") of ``check_chain``."""
    checked = check_chain()
    return checked.rows, checked.broken, checked.problem


def check_chain() -> Checked:
    """Walk the sealed rows by their place (plain rows only at the start, keyed rows in
    place, the head at the end), then check every pending row."""
    sealed = _walk_sealed()
    if sealed.problem:
        return sealed
    return _check_pending(sealed)


def _walk_sealed() -> Checked:
    prev, checked, last = GENESIS_HASH, 0, None
    # Plain rows (from before the key) have no seq and come first, in the order appended.
    chain = AuditEntry.objects.filter(hash__isnull=False).order_by(
        F("seq").asc(nulls_first=True), "id")
    for entry in chain.iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return Checked(checked, 0, entry, "a row before it was removed or altered")
        if entry.scheme not in (PLAIN, KEYED):
            return Checked(checked, 0, entry, "its hash scheme is unknown")
        if entry.scheme == PLAIN and last is not None and last.scheme == KEYED:
            return Checked(checked, 0, entry,
                           "it is not keyed yet follows keyed rows: it was re-chained")
        if entry.scheme == KEYED and entry.seq != checked + 1:
            return Checked(checked, 0, entry, "its place in the trail was changed")
        if entry.compute_hash() != entry.hash:
            return Checked(checked, 0, entry,
                           "its content was altered, or it was chained without the key")
        prev, checked, last = entry.hash, checked + 1, entry
    if last is not None and last.scheme == PLAIN:
        return Checked(checked, 0, last,
                       "the trail ends in rows without the key: it was re-chained")
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.hash != prev or head.count != checked):
        return Checked(checked, 0, None, "rows at the end of the trail were removed")
    return Checked(checked)


def _check_pending(checked: Checked) -> Checked:
    late = timezone.now() - SEAL_LATE
    for entry in AuditEntry.objects.pending().order_by("id").iterator(chunk_size=2000):
        if tampered := _tampered_while_pending(entry):
            checked.broken, checked.problem = entry, tampered
        elif entry.at < late:
            checked.broken, checked.problem = entry, (
                f"it was appended {entry.at:%Y-%m-%d %H:%M} UTC and is still not sealed: no "
                "sealer ran (manage.py check_deadlines seals the trail)")
        if checked.problem:
            return checked
        checked.pending += 1
    return checked


def _tampered_while_pending(entry: AuditEntry) -> str:
    """What was done to a pending row, or "": its own HMAC must match, its place be empty."""
    if entry.row_hmac != entry.compute_row_hmac():
        return ("it is not sealed yet and its content was altered, or it was added without "
                "the key")
    if entry.seq is not None or entry.prev_hash is not None:
        return "it is not sealed yet but was given a place in the trail"
    return ""


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
