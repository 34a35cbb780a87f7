"""The steps of a case that the apps above cases follow.

Cases sit below consultations (the layers in .importlinter), so a case's action cannot call
the consultations' own; instead it sends one of these inside its transaction, with ``case``
(the locked row) and ``user``, and the consultations connect to them
(consilium/consultations/apps.py). A receiver that raises rolls the step back.
"""

from django.dispatch import Signal

# The case is being withdrawn (sent before its own move and audit row, as the receivers lock
# rows): its offered and accepted consultations are cancelled.
case_withdrawn = Signal()
# The records were marked complete: the offered consultation's clock starts.
records_completed = Signal()
