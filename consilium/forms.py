"""Helpers shared by the page forms."""

from django import forms

from consilium.errors import InvalidInput


def add_action_errors(form: forms.Form, error: InvalidInput) -> None:
    """Show an action's per-field messages on the form (unknown fields at the top)."""
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)
