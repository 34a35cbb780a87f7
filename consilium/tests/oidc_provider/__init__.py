"""A real OpenID Connect provider for the tests of staff single sign-on (accounts/sso.py).

A small Django project of its own (settings, urls, its own SQLite database in a temporary
folder) on django-oauth-toolkit with OIDC on, signing ID tokens with an RSA key (RS256) made
when it starts. ``fixture.oidc_provider`` runs it in a second process (``runserver``) for the
test session. Its people, and the claims it says about them (``email``, ``email_verified``,
``amr``, ``sub``), are read from ``people.json`` in that folder at each request, so a test
says who signs in there and what the provider claims (``Provider.person``).

Never part of Consilium: only the tests import it, and django-oauth-toolkit is only in the
test extras (pyproject.toml).
"""
