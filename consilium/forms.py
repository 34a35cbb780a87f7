"""Helpers shared by the page forms."""

from django import forms

from consilium.errors import DomainError

LARGEST_ID = 2**63 - 1  # the largest key SQLite and PostgreSQL store
LAST_PAGE = 100_000  # further than any list goes; a larger page number is nonsense


def form_status(form: forms.Form) -> int:
    """422 for a submitted form with errors, so clients and tests see the refusal."""
    return 422 if form.is_bound and form.errors else 200


def add_action_errors(form: forms.Form, error: DomainError) -> None:
    """Show an action's per-field messages on the form (unknown fields, and refusals that
    name no field, at the top)."""
    for field, message in (getattr(error, "errors", None) or {None: error.message}).items():
        field = field.split(".")[0] if field else None  # questions.2: the questions field
        form.add_error(field if field in form.fields else None, message)


class SchemaChoiceField(forms.ChoiceField):
    """A choice the page shows, checked by the action's schema (consilium/schemas.py), so a
    value outside the list gets the same message on the page as in the API."""

    def validate(self, value):
        forms.Field.validate(self, value)


class SchemaMultipleChoiceField(forms.MultipleChoiceField):
    """Several choices the page shows, checked by the action's schema."""

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def whole_number(value, *, maximum: int) -> int | None:
    """A count or key a client sent, if it is plain ASCII digits up to ``maximum``; else None.
    str.isdigit() also passes "²" and "١", and int() refuses strings over 4,300 digits."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


def page_number(value, default: int = 1, maximum: int = LAST_PAGE) -> int:
    """The page a client asked for; anything but a page number from 1 shows ``default``."""
    number = whole_number(value, maximum=maximum)
    return number if number else default


def object_id(value) -> int | None:
    """A row's key a client sent, or None for anything that cannot be one (no row has it)."""
    return whole_number(value, maximum=LARGEST_ID)
