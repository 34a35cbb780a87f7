from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "consilium.records"

    def ready(self):
        from django.db.backends.signals import connection_created

        from consilium.accounts.signals import identity_changed

        from .checks import keep_database_owner_only
        from .holds import judge_again_on_change

        identity_changed.connect(judge_again_on_change,
                                 dispatch_uid="consilium.records.judge_again")

        connection_created.connect(keep_database_owner_only,
                                   dispatch_uid="consilium.records.owner_only")
