from django import forms

from consilium.cases.models import TreatmentCategory
from consilium.forms import SchemaChoiceField

from .models import Confidence, DiagnosisAgreement, Opinion, TreatmentAgreement
from .schemas import MAX_OPTIONS, OPTION_FIELDS

TEXT_BOX = forms.Textarea(attrs={"rows": 3})
OPTION_LABELS = {"title": "Name", "benefits": "Expected benefits", "harms": "Harms and risks",
                 "living_with": "What living with it is like"}


class OpinionForm(forms.Form):
    """The structured opinion. Option rows and answers are added per opinion and question.
    The form shows the questions; the action's schema (``OpinionDraftIn``) checks the values,
    so the page and the API refuse a value in the same words."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    diagnosis_agreement = SchemaChoiceField(
        label="The diagnosis", required=False, widget=forms.RadioSelect,
        choices=DiagnosisAgreement.choices)
    diagnosis_codes = forms.CharField(
        label="Your diagnosis codes (ICD-10-CM)", required=False,
        help_text="Separated by commas. Needed when you refine or disagree.")
    diagnosis_comment = forms.CharField(label="About the diagnosis", required=False,
                                        widget=TEXT_BOX)
    treatment_agreement = SchemaChoiceField(
        label="The proposed treatment", required=False, widget=forms.RadioSelect,
        choices=TreatmentAgreement.choices)
    treatment_category = SchemaChoiceField(
        label="The kind of treatment you recommend", required=False,
        choices=[("", "The same as proposed"), *TreatmentCategory.choices],
        help_text="Needed when you modify the treatment or recommend another.")
    treatment_description = forms.CharField(label="The treatment you recommend",
                                            required=False, widget=TEXT_BOX)
    further_tests = forms.CharField(label="Further tests", required=False, widget=TEXT_BOX)
    reasoning = forms.CharField(label="Your reasoning", required=False,
                                widget=forms.Textarea(attrs={"rows": 6}))
    follow_up = forms.CharField(label="Follow-up recommendations", required=False,
                                widget=TEXT_BOX)
    trials = forms.CharField(
        label="Relevant clinical trials", required=False, widget=TEXT_BOX,
        help_text="Name, registry number (e.g. NCT…) and why it may fit; or leave empty.")
    confidence = SchemaChoiceField(
        label="Your confidence in this opinion", required=False, widget=forms.RadioSelect,
        choices=Confidence.choices)
    plain_summary = forms.CharField(
        label="Summary for the patient", required=False,
        # Its reading grade (opinions/_readability.html) is read out with the help text.
        widget=forms.Textarea(attrs={"rows": 5, "aria-describedby":
                                     "id_plain_summary_helptext summary-reading"}),
        help_text="Plain words, no abbreviations: what you found and what you advise. "
                  "This opens the patient's report.")

    def __init__(self, *args, questions=(), option_rows=2, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.option_rows = max(1, min(option_rows, MAX_OPTIONS))
        for n in range(1, self.option_rows + 1):
            for name, label in OPTION_LABELS.items():
                widget = forms.TextInput if name == "title" else TEXT_BOX
                self.fields[f"option_{n}_{name}"] = forms.CharField(
                    label=label, required=False, widget=widget)
            self.fields[f"option_{n}_recommended"] = forms.BooleanField(
                label="Recommended", required=False)
        for question in self.questions:
            self.fields[f"answer_{question.id}"] = forms.CharField(
                label=f"Question {question.position}: {question.text}", required=False,
                widget=TEXT_BOX)
            self.fields[f"deferred_{question.id}"] = forms.BooleanField(
                label="Defer this question (say why above, e.g. it needs a test first)",
                required=False)

    @classmethod
    def initial_from(cls, opinion: Opinion | None) -> dict:
        if opinion is None:
            return {"version": 0}
        initial = {name: getattr(opinion, name) for name in cls.base_fields}
        initial["diagnosis_codes"] = ", ".join(opinion.diagnosis_codes)
        for option in opinion.options.all():
            for name in (*OPTION_LABELS, "recommended"):
                initial[f"option_{option.position}_{name}"] = getattr(option, name)
        for answer in opinion.answers.all():
            initial[f"answer_{answer.question_id}"] = answer.text
            initial[f"deferred_{answer.question_id}"] = answer.deferred
        return initial

    def options(self):
        """One list of bound fields per option row, for the template."""
        return [[self[f"option_{n}_{name}"] for name in (*OPTION_LABELS, "recommended")]
                for n in range(1, self.option_rows + 1)]

    def answer_fields(self):
        return [(self[f"answer_{q.id}"], self[f"deferred_{q.id}"]) for q in self.questions]

    def to_action_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.base_fields if name != "version"}
        data["options"] = [
            {name: self.cleaned_data[f"option_{n}_{name}"]
             for name in ("title", *OPTION_FIELDS, "recommended")}
            for n in range(1, self.option_rows + 1)]
        data["answers"] = [{"question_id": q.id, "text": self.cleaned_data[f"answer_{q.id}"],
                             "deferred": self.cleaned_data[f"deferred_{q.id}"]}
                            for q in self.questions]
        return data

    def differences(self, saved: Opinion) -> list[tuple[str, str, str]]:
        """(label, saved text, this form's text) for each field the two versions differ in."""
        stored = self.initial_from(saved)
        rows = []
        for name, field in self.fields.items():
            if name == "version":
                continue
            mine, theirs = self.cleaned_data.get(name), stored.get(name)
            if (mine or "") != (theirs or ""):
                rows.append((_label(name, field), _shown(theirs), _shown(mine)))
        return rows

    def add_error_for(self, field: str, message: str) -> None:
        """Show an action's message beside its field: ``options.0.title`` (the schema's
        name) and ``option_1`` (signing's) on the first option's row, ``answers.2.text`` on
        the third question's answer."""
        place, _, part = field.partition(".")
        if place == "answers" and part:
            index, _, _ = part.partition(".")
            if index.isdigit() and int(index) < len(self.questions):
                field = f"answer_{self.questions[int(index)].id}"
        elif place == "answers":
            for question in self.questions:
                if not self.cleaned_data.get(f"answer_{question.id}"):
                    self.add_error(f"answer_{question.id}",
                                   "Answer this question, or defer it and say why.")
            return
        if place == "options" and part:
            index, _, name = part.partition(".")
            if index.isdigit():
                field = f"option_{int(index) + 1}_{name or 'title'}"
        elif field == "options":
            field = "option_1_title"
        if field.startswith("option_") and f"{field}_title" in self.fields:
            field = f"{field}_title"
        self.add_error(field if field in self.fields else None, message)


def _label(name: str, field) -> str:
    if name.startswith("option_"):
        return f"Option {name.split('_')[1]}: {field.label.lower()}"
    return str(field.label)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value or "")


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have reviewed this opinion. Sign it: it cannot be changed afterwards, only "
              "added to.", error_messages={"required": "Tick this box to sign."})
    password = forms.CharField(
        label="Your password, or the code from your authenticator app",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False)


class AddendumForm(forms.Form):
    body = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 4}),
                           required=False)  # AddendumBodyIn says what it must be
    password = forms.CharField(
        label="Your password, or the code from your authenticator app",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False)


class FollowUpForm(forms.Form):
    text = forms.CharField(label="Your question", required=False,  # FollowUpIn checks it
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReportShareForm(forms.Form):
    email = forms.EmailField(label="Your doctor's email address")
    days = forms.TypedChoiceField(
        label="The link works for", coerce=int, initial=14,
        choices=[(7, "7 days"), (14, "14 days"), (30, "30 days"), (90, "90 days")])
    consent = forms.BooleanField(
        label="I agree to send my full second-opinion report to this doctor.",
        error_messages={"required": "Tick the box to agree to send the report."})


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="The six-digit code from the email", regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the six digits from the email."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PartForm(forms.Form):
    """The findings of a combined review's part (``PartIn`` says what they may be)."""

    findings = forms.CharField(
        label="Your findings", required=False,
        widget=forms.Textarea(attrs={"rows": 12, "aria-describedby": "findings-help"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class SignPartForm(SignForm):
    confirm = forms.BooleanField(
        label="I have reviewed my part. Sign it: it cannot be changed afterwards.",
        error_messages={"required": "Tick this box to sign."})
