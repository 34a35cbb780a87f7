"""A comparison's review is checked again on the locked case, in the review's transaction:
a review that waited while the case was changed is decided on the case as it then is."""

import pytest

from consilium.cases.models import Case
from consilium.comparison.actions import do_review_comparison
from consilium.comparison.models import Comparison
from consilium.errors import Conflict
from consilium.tests.racing import on_postgresql, race


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_review_that_waited_for_the_case_is_checked_on_it_as_it_then_is(disputed, users):
    """While another transaction holds the case, the comparison stops needing a review (the
    rule's answer changes under it): the waiting review is refused and writes nothing."""
    case, comparison = disputed
    comparison = Comparison.objects.select_related("case").get(pk=comparison.pk)

    def settle_elsewhere():
        Case.objects.select_for_update().get(id=case.id)
        Comparison.objects.filter(pk=comparison.pk).update(review=False)

    ended = race(settle_elsewhere, lambda: do_review_comparison(
        comparison, diagnosis="confirmed", treatment="same", note="",
        acting_user=users["coordinator"]))
    assert ended.waited
    assert isinstance(ended.error, Conflict), ended
    assert Comparison.objects.get(pk=comparison.pk).reviewed_at is None
