from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from consilium.records.models import PendingUpload
from consilium.records.resumable import part_path


class Command(BaseCommand):
    help = "Delete unfinished uploads older than --hours, and part files no upload owns."

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
        self.stdout.write(f"Removed {len(stale)} stale uploads and {len(orphans)} orphan parts.")
