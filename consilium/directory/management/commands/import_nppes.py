from django.core.management.base import BaseCommand, CommandError

from consilium.directory.importing import NotThisFile, import_nppes


class Command(BaseCommand):
    help = ("Import individual clinicians from the NPPES NPI dissemination file "
            "(npidata_pfile_*.csv). Streams the file; re-running updates, never duplicates.")

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, newline="", encoding="utf-8", errors="replace") as source:
                report = import_nppes(source)
        except (OSError, NotThisFile) as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(report.summary())
