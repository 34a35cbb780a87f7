"""A specialist's case list says, for each case, their own part: an offer with the date to
answer by, an opinion with its due date (issue #22), from one prefetch, not a query a row."""

import time_machine

from consilium.consultations.actions import do_offer_consultation
from consilium.program.tests.test_queue import at


def test_a_specialist_sees_answer_by_and_due_dates(client, login, users, journey, specialists,
                                                   django_assert_max_num_queries):
    with time_machine.travel(at("2026-11-23"), tick=False):
        offered, offer = journey("offered")
        accepted, consultation = journey("accepted", patient="patient2")
    with time_machine.travel(at("2026-11-24"), tick=False):
        login(users["specialist"])
        page = client.get("/cases/").content.decode()
    assert "Your part" in page
    assert f"answer by <strong>{offer.answer_due:%-d %b %Y}</strong>" in page
    assert f"Your opinion is due <strong>{consultation.due_date:%-d %b %Y}</strong>" in page \
        or "due once the records are complete" in page
    # Later: the offer's date is past, said in words as well as colour.
    with time_machine.travel(at("2026-12-20"), tick=False):
        login(users["specialist"])
        late = client.get("/cases/").content.decode()
    assert "(late)" in late

    # More offers: no more queries.
    for _ in range(5):
        case = journey("submitted")[0]
        do_offer_consultation(case, specialists["specialist"].id, acting_user=users["coordinator"])
    login(users["specialist"])
    with django_assert_max_num_queries(16):
        many = client.get("/cases/")
    assert many.content.decode().count("Offered to you: answer by") == 6
