from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    """Running Consilium: serving (gunicorn, workers), health, metrics, the planner's
    statistics. No models."""

    name = "consilium.operations"

    def ready(self):
        from . import planner

        post_migrate.connect(planner.after_migrate, dispatch_uid="planner-statistics")
