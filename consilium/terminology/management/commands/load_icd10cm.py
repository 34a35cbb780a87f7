from django.core.management.base import BaseCommand

from consilium.terminology.loading import read_icd10cm, store_icd10cm
from consilium.terminology.models import Icd10Code


class Command(BaseCommand):
    help = "Load the ICD-10-CM code set (April 2026) into the database for search."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Reload even if loaded.")

    def handle(self, *args, force=False, **options):
        # Loaded before inclusion terms were stored (migration 0006): load again.
        if Icd10Code.objects.exclude(terms="").exists() and not force:
            self.stdout.write("ICD-10-CM is already loaded.")
            return
        count = store_icd10cm(read_icd10cm())
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} ICD-10-CM items."))
