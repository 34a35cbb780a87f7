"""Who may sign in at the test identity provider, and what it claims about them: read from
``people.json`` (written by the tests, ``fixture.Provider.person``) at each request."""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict:
    path = settings.DIR / "people.json"
    return json.loads(path.read_text()) if path.exists() else {}


class PeopleBackend(ModelBackend):
    """A person of people.json with their password; their user row is made on first use."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        person = people().get(username or "")
        if person is None or password != person["password"]:
            return None
        user, _ = get_user_model().objects.get_or_create(username=username)
        return user


class ClaimsValidator(OAuth2Validator):
    """The ID token's and userinfo's claims from people.json; ``amr`` (RFC 8176, how the person
    signed in here) goes with the openid scope, in the ID token."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid"}

    def get_additional_claims(self, request):
        person = people()[request.user.username]
        claims = {"sub": person["sub"], "email": person["email"],
                  "email_verified": person["email_verified"], "name": person.get("name", "")}
        if person.get("amr") is not None:
            claims["amr"] = person["amr"]
        return claims
