"""``{% paper_size %}``: the paper the program's PDFs are laid out on (settings.PAPER_SIZE,
"A4" or "letter", from the program's country), for their ``@page { size: … }``."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def paper_size() -> str:
    return settings.PAPER_SIZE
