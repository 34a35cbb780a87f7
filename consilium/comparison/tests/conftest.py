"""A signed opinion that disagrees with the first, and signing with changes."""

import pytest

from consilium.comparison.models import Comparison
from consilium.conftest import PASSWORD, sign_request
from consilium.opinions.actions import do_save_opinion, do_sign_opinion


def sign_with(consultation, specialist_user, **changes):
    opinion = consultation.opinion
    do_save_opinion(consultation, changes, acting_user=specialist_user,
                    base_version=opinion.version)
    do_sign_opinion(consultation, acting_user=specialist_user, request=sign_request(),
                    secret=PASSWORD)
    return Comparison.objects.get(opinion=consultation.opinion)


@pytest.fixture
def disputed(journey, users):
    """The specialist says they agree with the diagnosis but codes a different cancer, and
    recommends radiation instead of surgery while saying they only modify it."""
    case, consultation = journey("in_review")
    comparison = sign_with(consultation, users["specialist"], diagnosis_agreement="agree",
                           diagnosis_codes=["C56.9"], treatment_category="radiation",
                           treatment_agreement="modify", treatment_description="Radiation.",
                           options=[{"title": "Radiation", "recommended": True,
                                     "benefits": "No operation.", "harms": "Tiredness.",
                                     "living_with": "Daily visits for five weeks."}])
    case.refresh_from_db()
    return case, comparison
