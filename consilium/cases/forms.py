from django import forms
from django.urls import reverse_lazy

from consilium.forms import SchemaChoiceField
from consilium.triage.models import InsurancePlan

from .models import Case, ShareRole, TreatmentCategory

SHORT_TEXT = forms.Textarea(attrs={"rows": 3})


def suggested(field: str) -> forms.TextInput:
    """A text input whose <datalist> (id_<field>_options, in the template) htmx fills with
    the directory's names as the patient types (directory.views.place_suggestions); the
    words are posted, and anything else typed is kept as written."""
    return forms.TextInput(attrs={
        "list": f"id_{field}_options", "autocomplete": "off", "maxlength": 200,
        "hx-post": reverse_lazy("place_suggestions"), "hx-params": f"{field},field",
        "hx-vals": f'{{"field": "{field}"}}', "hx-trigger": "input changed delay:250ms",
        "hx-target": f"#id_{field}_options", "hx-swap": "innerHTML",
    })


class CaseForm(forms.Form):
    """The first opinion, as the patient tells it.

    The fields only show the questions: the values are checked by the action against
    schemas.CaseIn, so the page and the API give the same messages.
    """

    diagnosis_text = forms.CharField(
        label="What did the doctor diagnose?", required=False,
        help_text="In your own words, for example “breast cancer, left side”.",
    )
    diagnosis_codes = forms.CharField(
        label="Diagnosis codes (optional)", required=False,
        help_text="ICD-10-CM codes from your records, separated by commas, e.g. C50.912.",
    )
    treatment_category = SchemaChoiceField(
        label="What treatment was proposed?", required=False,
        choices=[("", "Choose…")] + list(TreatmentCategory.choices),
    )
    treatment_description = forms.CharField(
        label="Details of the proposed treatment", required=False, widget=SHORT_TEXT,
    )
    diagnosing_physician = forms.CharField(label="Doctor who gave the first opinion",
                                           required=False)
    institution = forms.CharField(label="Their hospital or practice", required=False,
                                  widget=suggested("institution"))
    hospital_system = forms.CharField(
        label="Hospital system", required=False, widget=suggested("hospital_system"),
        help_text="The second opinion will come from a different system. Choose a "
                  "suggestion, or write the name as you know it.",
    )
    first_opinion_date = forms.CharField(
        label="Date of the first opinion", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    symptoms = forms.CharField(label="Your symptoms", required=False, widget=SHORT_TEXT)
    concerns = forms.CharField(label="What worries you", required=False, widget=SHORT_TEXT)
    goals = forms.CharField(label="What matters most to you", required=False,
                            widget=SHORT_TEXT)
    questions = forms.CharField(
        label="Your questions for the specialist", required=False, widget=SHORT_TEXT,
        help_text="One question per line. The specialist answers each one.",
    )
    patient_location = forms.CharField(
        label="Your ZIP code (optional)", required=False,
        help_text="To find specialists you could visit. Video visits work from anywhere.",
    )
    travel_km = forms.CharField(
        label="How far would you travel to see a specialist (km)?", required=False,
        initial=150, widget=forms.NumberInput(attrs={"min": 1, "max": 5000}),
    )
    patient_language = SchemaChoiceField(
        label="Language you prefer to be seen in", required=False, initial="en",
        choices=[("en", "English"), ("es", "Spanish"), ("zh", "Chinese"),
                 ("vi", "Vietnamese"), ("ar", "Arabic"), ("fr", "French"), ("de", "German"),
                 ("ko", "Korean"), ("ru", "Russian"), ("pt", "Portuguese"), ("ja", "Japanese"),
                 ("it", "Italian"), ("pl", "Polish"), ("hi", "Hindi")],
    )
    insurance_plan_id = SchemaChoiceField(label="Your insurance plan (optional)",
                                          required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = self.fields["insurance_plan_id"]
        assert isinstance(plans, SchemaChoiceField)  # declared above; the form's own copy
        plans.choices = [("", "Not listed or none")] + [
            (str(p.id), p.name) for p in InsurancePlan.objects.order_by("name")]

    @classmethod
    def from_case(cls, case: Case) -> "CaseForm":
        initial = {name: getattr(case, name) for name in cls.base_fields if hasattr(case, name)}
        initial["diagnosis_codes"] = ", ".join(case.diagnosis_codes)
        initial["questions"] = "\n".join(q.text for q in case.questions.all())
        return cls(initial=initial)

    def to_action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["questions"] = data["questions"].splitlines()
        return data


class ShareForm(forms.Form):
    grantee = forms.CharField(
        label="Username or email of your caregiver or doctor", max_length=254,
        help_text="Someone without an account gets an email inviting them to create one.",
    )
    role = forms.ChoiceField(
        label="They are your", choices=ShareRole.choices, initial=ShareRole.CAREGIVER,
        required=False, widget=forms.RadioSelect,
        help_text="Used when we invite someone new.",
    )


class AcceptInvitationForm(forms.Form):
    """Fields are checked by the action, so the messages match the API's."""

    first_name = forms.CharField(label="First name", required=False, max_length=150)
    last_name = forms.CharField(label="Last name", required=False, max_length=150)
    username = forms.CharField(label="Choose a username", required=False, max_length=150)
    password = forms.CharField(
        label="Choose a password", required=False, widget=forms.PasswordInput,
        help_text="At least 10 characters; not a common password.",
    )


INTAKE_TEXT = forms.Textarea(attrs={"rows": 5})


class IntakeForm(forms.Form):
    """The coordinator's case summary for the specialist. The fields only show the
    questions: the values are checked by ``do_save_intake_summary`` against
    schemas.IntakeIn; ``version`` is the summary's version the form was opened on."""

    key_question = forms.CharField(
        label="Key question", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the specialist is asked to answer, in a sentence. For example: "
                  "is breast-conserving surgery an option instead of a mastectomy?")
    history = forms.CharField(
        label="History", required=False, widget=INTAKE_TEXT,
        help_text="The illness so far: the diagnosis, when and by whom, what was proposed, "
                  "treatment already had, and what matters to the patient.")
    records_show = forms.CharField(
        label="What the records show", required=False, widget=INTAKE_TEXT,
        help_text="The findings that bear on the question: pathology, imaging, labs, stage.")
    missing = forms.CharField(
        label="What is missing", required=False, widget=INTAKE_TEXT,
        help_text="Records not yet here, or asked for and not had. Leave empty if nothing.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=0)

    def to_action_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("history", "key_question", "records_show", "missing")}
