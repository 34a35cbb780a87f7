from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running Consilium: serving (gunicorn, workers), health, metrics. No models."""

    name = "consilium.operations"
