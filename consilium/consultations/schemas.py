"""Why a consultation ends, declined, withdrawn or handed back, declared once
(consilium/schemas.py says how): the pages and the API (its payload) hand the reason to the
actions, which read it with ``DeclineIn``, ``WithdrawIn`` or ``ReleaseIn``. Each says in its
own words why a reason is needed; the reason is kept encrypted."""

from typing import Annotated

from pydantic import Field

from consilium.schemas import FreeText, InputSchema, written

MAX_REASON = 2000
FOR_THE_COORDINATOR = "Say why, so the coordinator can find someone else."
FOR_THE_HISTORY = "Say why, for the case's history and the next coordinator."

ForTheCoordinator = Annotated[str, FreeText(MAX_REASON), written(FOR_THE_COORDINATOR),
                              Field(description="Why; the coordinators read it.")]
ForTheHistory = Annotated[str, FreeText(MAX_REASON), written(FOR_THE_HISTORY),
                          Field(description="Why; kept in the case's history for the "
                                            "coordinators, not shown to the specialist.")]


class DeclineIn(InputSchema):
    """Why the specialist declines the case offered to them."""

    reason: ForTheCoordinator


class WithdrawIn(InputSchema):
    """Why the coordinator takes back an offer not yet answered."""

    reason: ForTheHistory


class ReleaseIn(InputSchema):
    """Why the specialist hands an accepted case back."""

    reason: ForTheCoordinator


OUTSIDE_SPECIALTIES = ("This specialist's specialty is outside the specialties that fit the "
                       "case's condition: say why you offer it to them.")


class OfferReasonIn(InputSchema):
    """Why the coordinator offers the case to a specialist whose specialty does not fit its
    condition (consultations.actions.fits_case); optional: required only then."""

    reason: Annotated[str, FreeText(MAX_REASON),
                      Field(description="Why this specialist, outside the specialties that "
                                        "fit; shown to the coordinators.")] = ""


class PartIn(InputSchema):
    """What the coordinator asks of the specialist of a combined review's part (they read it
    before accepting)."""

    asked: Annotated[str, FreeText(MAX_REASON),
                     written("Say what you ask of this specialist, for example “Re-read the "
                             "biopsy slides”."),
                     Field(description="What the part's specialist is asked to review.")]
