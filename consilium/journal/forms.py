from django import forms


class NoteForm(forms.Form):
    text = forms.CharField(label="A note for your journal", required=False,  # NoteIn checks it
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="Only you read your notes. You can print the journal as "
                                     "a PDF.")
