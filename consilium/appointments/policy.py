"""What a user who can see a case may do about its appointments: one rule per action.

The object is an ``Appointment``: "arrange" looks at the one that would be made
(``new_appointment(consultation)``, not saved yet), "reschedule" and "cancel" at one that
was made. The coordinators and the consultation's specialist arrange them, while the
specialist has the case or after the opinion (to talk it through), and until the case is
closed. Who may see an appointment is whoever sees its case (access.py).
See consilium/policy.py.
"""

from consilium.accounts.models import Role
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.consultations.policy import is_own
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import Appointment

policy = Policy("appointment")

# The consultation's states an appointment can be made or moved in.
OPEN_FOR = (ConsultationStatus.ACCEPTED, ConsultationStatus.COMPLETED)


def new_appointment(consultation: Consultation) -> Appointment:
    """The appointment arranging would make: the object of "arrange"."""
    return Appointment(consultation=consultation)


def _arranges(user, appointment: Appointment) -> bool:
    return user.role == Role.COORDINATOR or is_own(user, appointment.consultation)


def _open_for_appointments(consultation: Consultation) -> Conflict | None:
    if consultation.status == ConsultationStatus.OFFERED:
        return Conflict("Appointments can be made once the specialist has accepted the case.")
    if consultation.status not in OPEN_FOR:
        return Conflict("The specialist no longer has this case "
                        f"({consultation.get_status_display().lower()}): no appointments can "
                        "be made or moved on it.")
    if not consultation.case.is_open:
        return Conflict("This case is closed: no appointments can be made or moved.")
    return None


@policy.rule("arrange")
def _arrange(user, appointment):
    if not _arranges(user, appointment):
        return NotAllowed("Appointments are arranged by the coordinators or the specialist.")
    if not appointment._state.adding:
        return Conflict("This appointment is made already; move it instead.")
    return _open_for_appointments(appointment.consultation)


@policy.rule("reschedule")
def _reschedule(user, appointment):
    """Move it: everyone gets the new time."""
    if not _arranges(user, appointment):
        return NotAllowed("Appointments are moved by the coordinators or the specialist.")
    if appointment._state.adding:
        return Conflict("Make the appointment first.")
    if appointment.is_cancelled:
        return Conflict("This appointment was cancelled; make a new one instead.")
    return _open_for_appointments(appointment.consultation)


@policy.rule("cancel")
def _cancel(user, appointment):
    """Cancel it: everyone's calendar gets the cancellation (also once the case is closed)."""
    if not _arranges(user, appointment):
        return NotAllowed("Appointments are cancelled by the coordinators or the specialist.")
    if appointment._state.adding:
        return Conflict("Make the appointment first.")
    if appointment.is_cancelled:
        return Conflict("This appointment is already cancelled.")
    return None
