"""``{% submission_key %}``: the hidden one-time key of a form that creates something."""

import secrets

from django import template
from django.utils.html import format_html

from consilium.submissions.once import FIELD

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    """A fresh key for each form rendered: a double click or a re-sent POST of this form
    carries the same key, so the action runs once (consilium/submissions/once.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD,
                       secrets.token_urlsafe(24))
