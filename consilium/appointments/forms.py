from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from consilium.forms import SchemaChoiceField

from .models import Kind
from .schemas import MINUTES

# The zones offered on the page; the API takes any IANA name.
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
         "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Europe/London",
         "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "UTC"]


def zone_choices(*more: str):
    """The usual zones, and the program's and ``more`` (the patient's, the user's) first."""
    first = [z for z in dict.fromkeys([*more, settings.TIME_ZONE]) if z and z not in ZONES]
    return [(z, z.replace("_", " ")) for z in [*first, *ZONES]]


class AppointmentForm(forms.Form):
    """The questions the page asks; the values are checked by ``AppointmentIn`` (the date
    and time are read here, as one start)."""

    kind = SchemaChoiceField(label="How", choices=Kind.choices, widget=forms.RadioSelect,
                             initial=Kind.VIDEO)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = SchemaChoiceField(label="Time zone", choices=zone_choices,
                                  initial=settings.TIME_ZONE,
                                  help_text="The time zone of the date and time above. "
                                            "Everyone sees the appointment in their own.")
    minutes = SchemaChoiceField(label="Length", initial=30,
                                choices=[(m, f"{m} minutes") for m in MINUTES])
    place = forms.CharField(label="Address (in person only)", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = zone_choices(self.initial.get("time_zone", ""))

    @staticmethod
    def zone_for(consultation, user) -> str:
        """The zone a new appointment is first given in: the patient's, if they chose one
        (the time agreed with them reads as they said it), else the arranger's own."""
        patient = consultation.case.patient
        return patient.time_zone or user.zone.key

    def to_action_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["starts_at"] = datetime.combine(data.pop("date"), data.pop("time"))
        return data

    @classmethod
    def initial_from(cls, appointment) -> dict:
        local = appointment.starts_at.astimezone(ZoneInfo(appointment.time_zone))
        return {"kind": appointment.kind, "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "time_zone": appointment.time_zone, "minutes": appointment.minutes,
                "place": appointment.place}

    def add_error_for(self, field: str, message: str) -> None:
        field = {"starts_at": "date"}.get(field, field)
        self.add_error(field if field in self.fields else None, message)
