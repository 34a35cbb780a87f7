from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "consilium.records"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .checks import keep_database_owner_only

        connection_created.connect(keep_database_owner_only,
                                   dispatch_uid="consilium.records.owner_only")
