"""The plan page's questions. The fields only ask: the actions' schemas (followup/schemas.py)
check what is sent, in their own words, so the page and the action refuse alike."""

from django import forms

from consilium.forms import SchemaChoiceField

from .models import Followed, Owner, TaskKind


class TaskForm(forms.Form):
    title = forms.CharField(label="What is to be done", required=False)
    kind = SchemaChoiceField(label="Kind", choices=TaskKind.choices, initial=TaskKind.TEST,
                             required=False)
    owner = SchemaChoiceField(label="Who sees to it", choices=Owner.choices,
                              initial=Owner.PATIENT, required=False)
    due_date = forms.CharField(label="Due", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


class OutcomeForm(forms.Form):
    followed = SchemaChoiceField(label="What did you do?", choices=Followed.choices,
                                 widget=forms.RadioSelect, required=False)
    outcome = forms.CharField(label="How did it go? (in your own words, optional)",
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))
