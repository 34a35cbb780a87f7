"""What the sign-up and email-change tests share: the verification link of an email, and a
rate-limit cache that starts empty for each test."""

import re

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts sign-ups and emails sent per address in the cache; each test starts with
    none used (autouse in every module that imports it)."""
    cache.clear()
    yield
    cache.clear()


def link_in(message) -> str:
    """The path of the verification link in an email."""
    found = re.search(r"https?://[^/\s]+(/confirm-email/[^\s/]+/)", message.body)
    assert found, message.body
    return found.group(1)
