"""The steps of an opinion that the apps above opinions follow.

Opinions sit below comparison (the layers in .importlinter): signing cannot call the
comparison's own action, so it sends ``opinion_signed`` inside the signing transaction, with
``opinion`` (signed, saved) and ``user``, and the comparison connects to it
(consilium/comparison/apps.py). A receiver that raises rolls the signing back.
"""

from django.dispatch import Signal

# The opinion was signed: its comparison with the first opinion is recorded.
opinion_signed = Signal()
