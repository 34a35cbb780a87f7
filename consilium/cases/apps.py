from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "consilium.cases"
