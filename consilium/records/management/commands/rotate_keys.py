from django.core.management.base import BaseCommand
from django.db import transaction

from consilium.records import crypto
from consilium.records.models import Record


class Command(BaseCommand):
    help = ("Rewrap every record's file key with the current master key (CONSILIUM_MASTER_KEY). "
            "Keep the old keys in CONSILIUM_OLD_MASTER_KEYS until this has run; the files "
            "themselves are not re-encrypted.")

    def handle(self, *args, **options):
        current = crypto.current_key_id()
        rewrapped = 0
        stale = Record.objects.exclude(key_id=current).only("id", "wrapped_key", "key_id")
        for record in stale.iterator(chunk_size=500):
            wrapped, key_id = crypto.wrap(crypto.unwrap(record.wrapped_key, record.key_id))
            with transaction.atomic():
                # Conditional: a concurrent rotation that got there first wins.
                rewrapped += Record.objects.filter(id=record.id, key_id=record.key_id).update(
                    wrapped_key=wrapped, key_id=key_id
                )
        self.stdout.write(self.style.SUCCESS(
            f"Rewrapped {rewrapped} file keys with master key {current}."
        ))
