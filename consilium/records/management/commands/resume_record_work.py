from django.core.management.base import BaseCommand

from consilium.records.tasks import read_record, unfinished_records


class Command(BaseCommand):
    help = ("Queue again the reading of records that was queued or claimed by a worker that "
            "stopped. Run it when workers start (make demo does) or from cron.")

    def handle(self, *args, **options):
        ids = [str(pk) for pk in unfinished_records().values_list("id", flat=True)]
        for record_id in ids:
            read_record.enqueue(record_id)
        self.stdout.write(f"Queued {len(ids)} unfinished record(s) again.")
