"""The story pages' questions. The fields only ask: the actions' schemas (stories/schemas.py)
check what is sent, in their own words, so the page and the action refuse alike."""

from django import forms


class DraftForm(forms.Form):
    title = forms.CharField(label="A title", required=False,
                            help_text='Such as "Why I asked for a second opinion".')
    text = forms.CharField(label="Your story", required=False,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="What happened, what the second opinion changed, what "
                                     "you would tell someone in your place.")
    notes = forms.MultipleChoiceField(label="Entries from your journal to add", required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        picked = self.fields["notes"]
        assert isinstance(picked, forms.MultipleChoiceField)  # declared so above
        picked.choices = [
            (note.id, f"{note.written_at:%d %b %Y}: {note.text[:120]}") for note in notes]


class SubmitForm(forms.Form):
    title = forms.CharField(label="Title", required=False)
    text = forms.CharField(label="Your story, as it will be published", required=False,
                           widget=forms.Textarea(attrs={"rows": 14}),
                           help_text="Change anything you like. Words in brackets stand for "
                                     "what we removed; we check again when you send it.")
    consent = forms.BooleanField(
        label="I agree that this story is published on the program's public page, without my "
              "name. I can take it down at any time.", required=False)


class ReviewForm(forms.Form):
    note = forms.CharField(label="Note to the patient", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Needed when you send it back: say what to change.")
