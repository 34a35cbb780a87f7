from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from consilium.records.models import PendingUpload
from consilium.records.resumable import part_path
from consilium.records.storage import SEAL_PREFIX


class Command(BaseCommand):
    help = ("Delete unfinished uploads older than --hours, part files no upload owns, and "
            "encrypted temporary copies a stopped process left behind.")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=72)

    def handle(self, *args, hours, **options):
        cutoff = timezone.now() - timedelta(hours=hours)
        stale = list(PendingUpload.objects.filter(created_at__lt=cutoff))
        for pending in stale:
            part_path(pending).unlink(missing_ok=True)
            pending.delete()
        known = {f"{p}.part" for p in PendingUpload.objects.values_list("id", flat=True)}
        folder = Path(settings.VAR_DIR) / "uploads"
        orphans = [f for f in folder.glob("*.part") if f.name not in known] if folder.exists() \
            else []
        for orphan in orphans:
            orphan.unlink(missing_ok=True)
        temp = Path(settings.FILE_UPLOAD_TEMP_DIR)
        left = [f for f in temp.glob(f"{SEAL_PREFIX}*")
                if f.stat().st_mtime < cutoff.timestamp()]
        for leftover in left:
            leftover.unlink(missing_ok=True)
        self.stdout.write(f"Removed {len(stale)} stale uploads, {len(orphans)} orphan parts "
                          f"and {len(left)} temporary copies.")
