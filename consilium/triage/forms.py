from django import forms

from consilium.forms import SchemaChoiceField, SchemaMultipleChoiceField

from .models import InsurancePlan
from .rules import SITUATIONS

TREATMENT_CHOICES = [
    ("surgery", "An operation"),
    ("invasive_procedure", "Another procedure (for example a catheter or an endoscopy)"),
    ("chemotherapy", "Chemotherapy"),
    ("radiation", "Radiation therapy"),
    ("long_term_medication", "Medicines for a long time"),
    ("lifestyle_change", "Changes to how I live (diet, work, activity)"),
    ("watchful_waiting", "Watch and wait"),
    ("none", "No treatment"),
    ("other", "Something else"),
]
COUNTRY_CHOICES = [("US", "United States"), ("DE", "Germany"), ("GB", "United Kingdom"),
                   ("CA", "Canada"), ("FR", "France"), ("NL", "Netherlands")]


class AssessForm(forms.Form):
    """The self-assessment. Every field is optional: the answer says what it could not weigh.

    The fields only show the questions: the values are checked by the schema
    (schemas.AssessmentIn), so the page and the API give the same messages.
    """

    diagnosis_text = forms.CharField(
        label="What did the doctor say you have?", required=False,
        help_text="In your own words, for example “breast cancer” or “worn knee joint”.",
    )
    diagnosis_codes = forms.CharField(
        label="Diagnosis codes (optional)", required=False,
        help_text="If your papers show ICD-10-CM codes (like C50.912), add them here.",
    )
    proposed_treatment = SchemaChoiceField(
        label="What did the doctor propose?", choices=TREATMENT_CHOICES, required=False,
        widget=forms.RadioSelect,
    )
    procedure = forms.CharField(
        label="The name of the operation or procedure (optional)", required=False,
        help_text="For example “knee replacement” or “Knieprothese”. A procedure code works "
                  "too.",
    )
    situation = SchemaMultipleChoiceField(
        label="Which of these are true for you?", required=False,
        choices=list(SITUATIONS.items()), widget=forms.CheckboxSelectMultiple,
    )
    country = SchemaChoiceField(label="Where do you live?", choices=COUNTRY_CHOICES,
                                required=False)
    insurance_plan = SchemaChoiceField(label="Your insurance plan (optional)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = self.fields["insurance_plan"]
        assert isinstance(plans, SchemaChoiceField)  # declared above; the form's own copy
        plans.choices = [("", "I don't know or it is not listed")] + [
            (str(plan.pk), plan.name) for plan in InsurancePlan.objects.all()]

    def to_assessment_input(self) -> dict:
        """The answers for AssessmentIn (codes stay one string: the schema splits them)."""
        return dict(self.cleaned_data)
