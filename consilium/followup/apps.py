from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "consilium.followup"
