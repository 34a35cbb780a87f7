import time

from django.core.management.base import BaseCommand

from consilium.directory.matchrows import count_directory, rebuild_match_rows


class Command(BaseCommand):
    help = ("Rewrite the matching rows of every specialist in specialty order, and count the "
            "directory again. The import "
            "commands do it after a large import; run it after changing the directory with "
            "SQL of your own.")

    def handle(self, *args, **options):
        start = time.perf_counter()
        rows = rebuild_match_rows()
        count_directory()
        self.stdout.write(f"{rows:,} matching rows in {time.perf_counter() - start:.0f} s.")
