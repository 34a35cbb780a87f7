from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "consilium.directory"
