from django import forms

from consilium.forms import SchemaChoiceField

from .models import Choice


class DecisionForm(forms.Form):
    choice = SchemaChoiceField(
        label="What have you decided?", choices=Choice.choices, widget=forms.RadioSelect,
        required=False,  # DecisionIn asks for it, in its words
    )
    explanation = forms.CharField(
        label="Why (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your care team will see this.",
    )
