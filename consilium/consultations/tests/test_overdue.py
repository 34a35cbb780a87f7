""""Overdue" is defined once (clock.overdue) and the deadline job, the work queue's counts and
its table agree on it: due yesterday is overdue, due today is not, and neither is an offer not
yet accepted or an opinion whose clock is stopped."""

import re
from datetime import timedelta

from django.utils import timezone

from consilium.consultations import clock
from consilium.consultations.deadlines import check_deadlines
from consilium.consultations.models import Consultation


def _queue_rows(html: str) -> dict[str, bool]:
    """Each case row of the work queue's table: is it marked overdue?"""
    rows = re.findall(r'<tr>\s*<td data-label="Case"><a href="[^"]*" class="mono">(\w{8})</a>'
                      r"(.*?)</tr>", html, re.S)
    return {short_id: "(overdue)" in row for short_id, row in rows}


def test_the_three_places_agree_on_overdue(journey, users, login, client):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    late, late_c = journey("accepted")
    due_today, today_c = journey("accepted", patient="patient2")
    waiting, waiting_c = journey("accepted")
    offered, offered_c = journey("offered", patient="patient2")
    Consultation.objects.filter(id__in=[late_c.id, waiting_c.id, offered_c.id]).update(
        due_date=yesterday)
    Consultation.objects.filter(id=today_c.id).update(due_date=today)
    Consultation.objects.filter(id=waiting_c.id).update(waiting_on_patient_since=timezone.now())

    # The function and the filter.
    loaded = {c.id: c for c in Consultation.objects.all()}
    assert {i for i, c in loaded.items() if clock.is_overdue(c)} == {late_c.id}
    assert set(Consultation.objects.filter(clock.overdue()).values_list("id", flat=True)) \
        == {late_c.id}
    assert {c.id for c in clock.with_overdue(Consultation.objects.all()) if c.overdue} \
        == {late_c.id}

    # The work queue: its count, its view, and the flag in its table.
    login(users["coordinator"])
    page = client.get("/queue/").content.decode()
    assert re.search(r'\?due=overdue"[^>]*>[^<]*<span class="count">1</span>', page)
    overdue_view = _queue_rows(client.get("/queue/?due=overdue").content.decode())
    assert overdue_view == {late.short_id: True}
    assigned = _queue_rows(client.get("/queue/?state=specialist_assigned").content.decode())
    assert assigned == {late.short_id: True, due_today.short_id: False,
                        waiting.short_id: False}
    # An offer whose opinion would be due yesterday is not an overdue opinion.
    submitted = _queue_rows(client.get("/queue/?state=submitted").content.decode())
    assert submitted == {offered.short_id: False}

    # The deadline job escalates exactly that one.
    assert check_deadlines().escalated == 1
    late_c.refresh_from_db()
    assert late_c.escalated_at is not None
