from django import forms


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you declining?", required=False,  # DeclineIn checks it
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The coordinator reads this to find another specialist.",
    )


class EndForm(forms.Form):
    """Why an offer is withdrawn, or a case handed back: kept encrypted, shown to the
    coordinators. WithdrawIn and ReleaseIn check it."""

    reason = forms.CharField(label="Why?", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
