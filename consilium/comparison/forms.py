from django import forms

from .actions import NOTE_LIMIT
from .concordance import DiagnosisConcordance, TreatmentConcordance


class ReviewForm(forms.Form):
    diagnosis = forms.ChoiceField(label="The diagnosis is", choices=DiagnosisConcordance.choices,
                                  widget=forms.RadioSelect)
    treatment = forms.ChoiceField(label="The treatment is", choices=TreatmentConcordance.choices,
                                  widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", required=False, max_length=NOTE_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Why this reading stands; the care team sees it.")
