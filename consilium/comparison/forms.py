from django import forms

from consilium.forms import SchemaChoiceField

from .concordance import DiagnosisConcordance, TreatmentConcordance


class ReviewForm(forms.Form):
    """The review's fields as the page shows them; ReviewIn checks them, in its own words."""

    diagnosis = SchemaChoiceField(label="The diagnosis is", choices=DiagnosisConcordance.choices,
                                  widget=forms.RadioSelect, required=False)
    treatment = SchemaChoiceField(label="The treatment is", choices=TreatmentConcordance.choices,
                                  widget=forms.RadioSelect, required=False)
    note = forms.CharField(label="Note (optional)", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Why this reading stands; the care team sees it.")
