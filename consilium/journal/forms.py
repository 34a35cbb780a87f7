from django import forms

from .actions import NOTE_LIMIT


class NoteForm(forms.Form):
    text = forms.CharField(label="A note for your journal", max_length=NOTE_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="Only you read your notes. You can print the journal as "
                                     "a PDF.")
