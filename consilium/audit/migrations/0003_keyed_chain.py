"""Key the chain: rows written so far keep their plain SHA-256 (scheme 1) and are verified as
before; a keyed row sealing them is appended, so the trail can only grow keyed from here."""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def seal_plain_rows(apps, schema_editor):
    """Append one keyed row after the plain ones: its HMAC covers the last plain hash."""
    entries = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditHead")
    head, _ = head_model.objects.get_or_create(id=1)
    if not entries.objects.exists():
        return
    seq = entries.objects.count() + 1
    at = timezone.now()
    content = {
        "at": at.isoformat(), "actor": None, "actor_username": "", "actor_role": "system",
        "action": "audit.keyed", "object_type": "audithead", "object_id": "1",
        "case_id": None, "ip_address": None, "prev_hash": head.hash, "seq": seq,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    digest = hmac.new(settings.AUDIT_KEY.encode(), payload, hashlib.sha256).hexdigest()
    entries.objects.create(
        at=at, actor_username="", actor_role="system", action="audit.keyed",
        object_type="audithead", object_id="1", prev_hash=head.hash, hash=digest,
        scheme=2, seq=seq)
    head_model.objects.filter(id=1).update(hash=digest, count=seq)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_head")]
    operations = [
        migrations.AddField("auditentry", "scheme", models.PositiveSmallIntegerField(default=1)),
        migrations.AlterField("auditentry", "scheme", models.PositiveSmallIntegerField(default=2)),
        migrations.AddField("auditentry", "seq", models.PositiveBigIntegerField(null=True)),
        migrations.RunPython(seal_plain_rows, migrations.RunPython.noop),
    ]
