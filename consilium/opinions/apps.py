from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "consilium.opinions"
