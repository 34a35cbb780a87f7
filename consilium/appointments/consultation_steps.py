"""What a consultation's steps do to its appointments: connected in apps.py to the signal
that ``move_consultation`` sends inside the step's transaction (consultations sit below
appointments, so they cannot call this themselves)."""

from .actions import do_cancel_upcoming_appointments


def cancel_upcoming(sender, *, consultation, user, **kwargs) -> None:
    """The consultation ended without an opinion: a specialist who handed the case back (or
    whose consultation was cancelled with the case) keeps no appointment with the patient."""
    do_cancel_upcoming_appointments(consultation, acting_user=user)
