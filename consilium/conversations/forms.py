from django import forms

from .models import MAX_BODY


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


class MessageForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=MAX_BODY)
    reply_to = forms.UUIDField(required=False, widget=forms.HiddenInput)
    blocking = forms.BooleanField(
        required=False, label="I need the answer before I can go on",
        help_text="The opinion's clock stops until the patient replies; the due date then "
                  "moves by the business days waited.")
    files = MultipleFileField(required=False, label="Attach files",
                              help_text="They become records of the case.")
