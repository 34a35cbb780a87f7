from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "consilium.conversations"
    verbose_name = "Secure messages"
