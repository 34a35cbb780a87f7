from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _, raw = ApiToken.issue(user, name)
        self.stdout.write(raw)
