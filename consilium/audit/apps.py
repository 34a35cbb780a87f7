from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "consilium.audit"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
