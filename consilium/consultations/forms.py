from django import forms


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you declining?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The coordinator reads this to find another specialist.",
    )
