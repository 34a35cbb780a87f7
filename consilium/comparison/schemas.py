"""A coordinator's review of a comparison, declared once (consilium/schemas.py says how): the
review page hands its values to ``do_review_comparison``, which reads them with ``ReviewIn``."""

from typing import Annotated

from consilium.schemas import FreeText, InputSchema, says

from .concordance import DiagnosisConcordance, TreatmentConcordance

NOTE_LIMIT = 2000


class ReviewIn(InputSchema):
    """The concordance that stands (diagnosis and treatment), and why (optional; the care
    team sees the note)."""

    diagnosis: Annotated[DiagnosisConcordance,
                         says("Choose confirmed, refined or distinctly different.")]
    treatment: Annotated[TreatmentConcordance, says("Choose same, modified or changed.")]
    note: Annotated[str, FreeText(NOTE_LIMIT)] = ""
