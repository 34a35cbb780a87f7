from django import forms

from .models import Followed, Owner, TaskKind


class TaskForm(forms.Form):
    title = forms.CharField(label="What is to be done", max_length=300)
    kind = forms.ChoiceField(label="Kind", choices=TaskKind.choices, initial=TaskKind.TEST)
    owner = forms.ChoiceField(label="Who sees to it", choices=Owner.choices,
                              initial=Owner.PATIENT)
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))


class OutcomeForm(forms.Form):
    followed = forms.ChoiceField(label="What did you do?", choices=Followed.choices,
                                 widget=forms.RadioSelect)
    outcome = forms.CharField(label="How did it go? (in your own words, optional)",
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))
