from django.core.management.base import BaseCommand
from django.db.models import Q

from consilium.records.models import ImagingSeries
from consilium.records.tasks import read_record, render_series_preview, unfinished_records


class Command(BaseCommand):
    help = ("Queue again the reading of records that was queued or claimed by a worker that "
            "stopped, and the pictures of imaging series that have none. Run it when workers "
            "start (make demo does) or from cron.")

    def handle(self, *args, **options):
        ids = [str(pk) for pk in unfinished_records().values_list("id", flat=True)]
        for record_id in ids:
            read_record.enqueue(record_id)
        undrawn = ImagingSeries.objects.filter(
            Q(preview_due=True) | Q(preview_record__isnull=True, images__gt=0))
        series = list(undrawn.values_list("pk", flat=True))
        ImagingSeries.objects.filter(pk__in=series).update(preview_due=True)
        for series_id in series:
            render_series_preview.enqueue(series_id)
        self.stdout.write(f"Queued {len(ids)} unfinished record(s) and {len(series)} series "
                          "picture(s) again.")
