"""Page forms for the directory. Fields are optional and numbers are read as text here on
purpose: the actions' schemas (directory/schemas.py) check them, in their own words."""

from django import forms

HELP_FOCUS = ("ICD-10-CM codes or ranges, separated by commas, e.g. C50, C81-C96. A case with "
              "one of these diagnoses ranks this specialist higher.")


class AvailabilityForm(forms.Form):
    accepting_cases = forms.BooleanField(label="I am taking new cases", required=False)
    capacity = forms.CharField(label="Open consultations I can take at one time",
                               required=False, widget=forms.NumberInput)
    turnaround_days = forms.CharField(label="Days I usually need to write an opinion",
                                      required=False, widget=forms.NumberInput)
    telemedicine = forms.BooleanField(label="I offer video visits", required=False)
    conditions_of_focus = forms.CharField(label="Conditions I focus on", required=False,
                                          help_text=HELP_FOCUS)

    @classmethod
    def initial_for(cls, specialist) -> dict:
        return {"accepting_cases": specialist.accepting_cases,
                "capacity": specialist.capacity,
                "turnaround_days": specialist.turnaround_days,
                "telemedicine": specialist.telemedicine,
                "conditions_of_focus": ", ".join(specialist.conditions_of_focus)}


class ProfileForm(AvailabilityForm):
    name = forms.CharField(label="Name as shown", required=False)
    credentials = forms.CharField(label="Credentials", required=False,
                                  help_text="For example MD, DO, PhD.")
    taxonomy_code = forms.CharField(label="Primary specialty (NUCC taxonomy code)",
                                    required=False, help_text="For example 207RX0202X.")
    institution = forms.CharField(label="Main institution", required=False)
    hospital_system = forms.CharField(label="Its hospital system", required=False)
    city = forms.CharField(required=False)
    state = forms.CharField(label="State (two letters)", required=False)
    postal_code = forms.CharField(label="Practice ZIP code", required=False,
                                  help_text="Places the practice for distance searches.")
    languages = forms.CharField(label="Languages", required=False,
                                help_text="Two-letter codes, separated by commas: en, es.")
    insurance_networks = forms.CharField(label="Insurance networks accepted", required=False)
    practising_since = forms.CharField(label="Practising since (year)", required=False,
                                       widget=forms.NumberInput)
    de_specialist_title = forms.CharField(label="German specialist title (Facharzt)",
                                          required=False)
    de_approved_by = forms.CharField(
        label="Approved as second-opinion doctor by (Germany)", required=False,
        help_text="The regional association (Kassenärztliche Vereinigung), if approved.")

    @classmethod
    def initial_for(cls, specialist) -> dict:
        program = specialist.locations.filter(source="program").first()
        return {**super().initial_for(specialist),
                **{name: getattr(specialist, name) for name in (
                    "name", "credentials", "taxonomy_code", "institution", "hospital_system",
                    "city", "state", "practising_since", "de_specialist_title",
                    "de_approved_by")},
                "languages": ", ".join(specialist.languages),
                "insurance_networks": ", ".join(specialist.insurance_networks),
                "postal_code": program.postal_code if program else ""}


class CertificationForm(forms.Form):
    board = forms.CharField(label="Board", required=False)
    specialty = forms.CharField(label="Certified in", required=False)
    expires = forms.CharField(label="Valid until (optional)", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="For example 2030-12-31.")
