from django import forms

from consilium.forms import SchemaChoiceField

from .models import Audience


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (as Django's documentation shows)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


AUDIENCE_CHOICES = [
    (Audience.CASE, "Everyone on the case"),
    (Audience.STAFF, "Care team only — the patient will not see this"),
]


class MessageForm(forms.Form):
    """A message's fields as the page shows them; MessageIn checks them, in its own words."""

    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}),
                           required=False)
    # Shown to the care team only; a reply, or a form without the choice, goes to everyone
    # its thread went to (the action decides).
    audience = SchemaChoiceField(label="Who reads this", choices=AUDIENCE_CHOICES,
                                 widget=forms.RadioSelect, required=False,
                                 initial=Audience.CASE)
    reply_to = forms.CharField(required=False, widget=forms.HiddenInput)
    blocking = forms.BooleanField(
        required=False, label="I need the answer before I can go on",
        help_text="The opinion's clock stops until the patient replies; the due date then "
                  "moves by the business days waited.")
    # The form's metaclass moves a declared field into base_fields, so self.files stays the
    # request's uploads; the stubs cannot see that.
    files = MultipleFileField(  # type: ignore[assignment]
        required=False, label="Attach files", help_text="They become records of the case.")

    def clean_audience(self):
        return self.cleaned_data["audience"] or Audience.CASE
