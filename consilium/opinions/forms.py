from django import forms

from .models import DiagnosisAgreement, Opinion, TreatmentAgreement


class OpinionForm(forms.Form):
    diagnosis_agreement = forms.ChoiceField(
        label="The diagnosis", required=False, widget=forms.RadioSelect,
        choices=DiagnosisAgreement.choices,
    )
    diagnosis_codes = forms.CharField(
        label="Your diagnosis codes (ICD-10-CM)", required=False,
        help_text="Separated by commas. Needed when you refine or disagree.",
    )
    diagnosis_comment = forms.CharField(label="About the diagnosis", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    treatment_agreement = forms.ChoiceField(
        label="The proposed treatment", required=False, widget=forms.RadioSelect,
        choices=TreatmentAgreement.choices,
    )
    treatment_description = forms.CharField(label="The treatment you recommend", required=False,
                                            widget=forms.Textarea(attrs={"rows": 3}))
    further_tests = forms.CharField(label="Further tests", required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    reasoning = forms.CharField(label="Your reasoning", required=False,
                                widget=forms.Textarea(attrs={"rows": 6}))
    confirm_sign = forms.BooleanField(
        label="I have reviewed this opinion; sign it. It cannot be changed afterwards.",
        required=False,
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"answer_{question.id}"] = forms.CharField(
                label=f"Question {question.position}: {question.text}", required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @classmethod
    def initial_from(cls, opinion: Opinion | None) -> dict:
        if opinion is None:
            return {}
        initial = {name: getattr(opinion, name) for name in cls.base_fields
                   if name != "confirm_sign"}
        initial["diagnosis_codes"] = ", ".join(opinion.diagnosis_codes)
        initial.update({f"answer_{a.question_id}": a.text for a in opinion.answers.all()})
        return initial

    def answer_fields(self):
        return [self[f"answer_{q.id}"] for q in self.questions]

    def to_action_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.base_fields
                if name != "confirm_sign"}
        data["answers"] = {q.id: self.cleaned_data[f"answer_{q.id}"] for q in self.questions}
        return data

    def add_error_for(self, field: str, message: str) -> None:
        if field == "answers":
            for question in self.questions:
                if not self.cleaned_data.get(f"answer_{question.id}"):
                    self.add_error(f"answer_{question.id}", "Answer this question.")
            return
        self.add_error(field if field in self.fields else None, message)
