from django.apps import AppConfig


class TerminologyConfig(AppConfig):
    name = "consilium.terminology"
