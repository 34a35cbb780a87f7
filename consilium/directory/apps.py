from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "consilium.directory"

    def ready(self):
        from . import matchrows  # noqa: F401  (connects the signals that keep MatchRow current)
