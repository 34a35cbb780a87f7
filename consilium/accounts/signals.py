"""What the apps above accounts follow of an account.

``identity_changed`` (with ``patient``) is sent inside ``do_save_identity``'s transaction:
the records app judges every record of the patient's cases again (records/apps.py)."""

from django.dispatch import Signal

identity_changed = Signal()
