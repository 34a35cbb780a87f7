"""Register Consilium (the live server of the tests) as a client of the test provider."""

from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--secret-file", required=True)
        parser.add_argument("--redirect-uri", required=True)

    def handle(self, *args, client_id, secret_file, redirect_uri, **options):
        with open(secret_file) as f:
            secret = f.read().strip()
        Application.objects.update_or_create(client_id=client_id, defaults={
            "name": "Consilium under test", "client_secret": secret,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": redirect_uri, "skip_authorization": True,
            "algorithm": Application.RS256_ALGORITHM})
