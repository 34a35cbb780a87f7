from django import forms
from django.contrib import admin

from .models import InsurancePlan
from .procedures import PROCEDURES


class InsurancePlanForm(forms.ModelForm):
    # Chosen from the procedures the assessment recognises, rather than typed as JSON.
    requires_before = forms.MultipleChoiceField(
        choices=[(p.key, p.label) for p in PROCEDURES], required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Requires a second opinion before",
    )

    class Meta:
        model = InsurancePlan
        fields = ["name", "country", "statutory", "covers_second_opinion", "fee", "currency",
                  "requires_before", "notes"]


@admin.register(InsurancePlan)
class InsurancePlanAdmin(admin.ModelAdmin):
    form = InsurancePlanForm
    list_display = ("name", "country", "statutory", "covers_second_opinion", "fee", "currency")
    list_filter = ("country", "statutory", "covers_second_opinion")
    search_fields = ("name",)
