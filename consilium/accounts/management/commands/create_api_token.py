from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.actions import do_issue_api_token


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=None,
                            help="days until it stops working (default CONSILIUM_API_TOKEN_DAYS)")

    def handle(self, *args, username, name, days, **options):
        if days is not None and not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be from 1 to {settings.API_TOKEN_MAX_DAYS}.")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _, raw = do_issue_api_token(user, name, acting_user=None, days=days)
        self.stdout.write(raw)
