from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "consilium.stories"
