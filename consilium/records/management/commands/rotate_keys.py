from django.core.management.base import BaseCommand
from django.db import transaction

from consilium import crypto, fields
from consilium.accounts.mfa import reseal_secrets
from consilium.records.models import Preview, Record


class Command(BaseCommand):
    help = ("Rewrap every file key (records and their pictures) with the current master key "
            "(CONSILIUM_MASTER_KEY) and encrypt again every encrypted column and second "
            "factor's secret still sealed with an older one. Keep the old keys in "
            "CONSILIUM_OLD_MASTER_KEYS until this has run; the files themselves are not "
            "re-encrypted.")

    def handle(self, *args, **options):
        current = crypto.current_key_id()
        rewrapped = sum(self.rewrap(model, current) for model in (Record, Preview))
        self.stdout.write(self.style.SUCCESS(
            f"Rewrapped {rewrapped} file keys with master key {current}."
        ))
        resealed = sum(fields.reseal_column(model, name)
                       for model, name in fields.encrypted_columns())
        self.stdout.write(self.style.SUCCESS(
            f"Encrypted {resealed} column values again with master key {current}."
        ))
        resealed = reseal_secrets()
        self.stdout.write(self.style.SUCCESS(
            f"Encrypted the secrets of {resealed} second factors again with master key "
            f"{current}."
        ))

    def rewrap(self, model, current: str) -> int:
        rewrapped = 0
        stale = model.objects.exclude(key_id=current).only("pk", "wrapped_key", "key_id")
        for item in stale.iterator(chunk_size=500):
            wrapped, key_id = crypto.wrap(crypto.unwrap(item.wrapped_key, item.key_id))
            with transaction.atomic():
                # Conditional: a concurrent rotation that got there first wins.
                rewrapped += model.objects.filter(pk=item.pk, key_id=item.key_id).update(
                    wrapped_key=wrapped, key_id=key_id
                )
        return rewrapped
