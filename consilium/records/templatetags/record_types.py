"""``{% record_type_options chosen %}``: the record types as ``<option>``s, ``chosen`` selected.

A records table offers every row's type for correction; drawn by a template loop, those ten
options on every row were most of the records page's time (7.8 of 17 ms for 25 rows).
"""

from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from consilium.records.models import RecordType

register = template.Library()


@register.simple_tag
def record_type_options(chosen: str) -> SafeString:
    return _options(chosen)


@lru_cache(maxsize=16)  # the types are fixed: each row's options are one of a few strings
def _options(chosen: str) -> SafeString:
    return format_html_join("", "{}", (
        (format_html('<option value="{}" selected>{}</option>', value, label) if value == chosen
         else format_html('<option value="{}">{}</option>', value, label),)
        for value, label in RecordType.choices))
