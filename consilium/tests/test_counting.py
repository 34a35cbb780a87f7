"""count_together: several counts in one statement, each exactly what its queryset's
.count() says, capped when asked, with the ORM's parameters passed as parameters."""

import pytest

from consilium.accounts.models import User
from consilium.cases.models import Case
from consilium.counting import count_together


@pytest.mark.django_db
def test_counts_in_one_query_as_count_says(users, journey, django_assert_num_queries):
    for _ in range(3):
        journey("submitted")
    journey("opinion_delivered")
    asked = {
        "cases": Case.objects.all(),
        "submitted": Case.objects.filter(status="submitted"),
        # a hostile value is a parameter, never SQL
        "named": User.objects.filter(username="x'); DROP TABLE cases_case; --"),
        "nothing": Case.objects.none(),  # no query asked for it
    }
    with django_assert_num_queries(1):
        found = count_together(asked)
    assert found == {key: rows.count() for key, rows in asked.items()}
    assert found["cases"] == 4 and found["submitted"] == 3 and found["named"] == 0
    assert Case.objects.count() == 4


@pytest.mark.django_db
def test_a_cap_stops_each_count_at_one_past_it(users, journey, django_assert_num_queries):
    for _ in range(3):
        journey("submitted")
    with django_assert_num_queries(1):
        assert count_together({"cases": Case.objects.all(), "users": User.objects.none()},
                              cap=1) == {"cases": 2, "users": 0}


@pytest.mark.django_db
def test_only_none_querysets_ask_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert count_together({"cases": Case.objects.none()}) == {"cases": 0}
