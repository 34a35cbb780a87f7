"""Helpers shared by the page forms."""

from django import forms

from consilium.errors import DomainError


def form_status(form: forms.Form) -> int:
    """422 for a submitted form with errors, so clients and tests see the refusal."""
    return 422 if form.is_bound and form.errors else 200


def add_action_errors(form: forms.Form, error: DomainError) -> None:
    """Show an action's per-field messages on the form (unknown fields, and refusals that
    name no field, at the top)."""
    for field, message in (getattr(error, "errors", None) or {None: error.message}).items():
        form.add_error(field if field in form.fields else None, message)
