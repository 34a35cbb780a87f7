"""The steps of a consultation that the apps above consultations follow.

Consultations sit below appointments (the layers in .importlinter), so ending a consultation
cannot call the appointments' own action; instead ``move_consultation`` sends
``consultation_ended`` inside the step's transaction, with ``consultation`` (moved, its case
and consultation rows locked) and ``user``, and the appointments connect to it
(consilium/appointments/apps.py). A receiver that raises rolls the step back.
"""

from django.dispatch import Signal

# The consultation ended without an opinion (declined, expired, withdrawn, handed back, or
# cancelled with its case): its appointments still to come are cancelled.
consultation_ended = Signal()
