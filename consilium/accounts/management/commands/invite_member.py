from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.actions import do_invite_member
from consilium.accounts.models import STAFF_ROLES
from consilium.errors import DomainError


class Command(BaseCommand):
    help = ("Invite EMAIL to join as a coordinator, specialist or administrator, and print the "
            "invitation link (it is shown only once; --send also emails it). The way in for a "
            "program's first administrator, who then invites everyone else from the "
            "members page.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=[str(role) for role in STAFF_ROLES],
                            default="admin")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--send", action="store_true",
                            help="also email the link to the address")

    def handle(self, *args, email, role, first_name, last_name, send, **options):
        try:
            # Run by whoever runs the server: the audit row's actor is the system (None).
            _, link = do_invite_member(email, role, acting_user=None, first_name=first_name,
                                       last_name=last_name, send=send)
        except DomainError as error:
            messages = getattr(error, "errors", None) or {"": error.message}
            raise CommandError(" ".join(messages.values())) from None
        self.stdout.write(link)
        self.stderr.write(f"The link works once, for {settings.STAFF_INVITATION_DAYS} days. "
                          "Open it to choose a password and a second factor.")
