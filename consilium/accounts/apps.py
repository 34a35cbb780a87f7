from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consilium.accounts"

    def ready(self):
        from .checks import refuse_mail_written_out

        refuse_mail_written_out()
