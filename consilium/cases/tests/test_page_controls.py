"""The case page's own-consultation panel follows the policies: "Write the opinion" is the
opinion policy's ``edit`` (the page decides nothing itself)."""

from django.utils import timezone

from consilium.opinions.models import Opinion
from consilium.opinions.policy import opinion_of
from consilium.opinions.policy import policy as opinion_policy

WRITE = "Write the opinion</a>"


def _page(client, case) -> str:
    return client.get(f"/cases/{case.id}/").content.decode()


def test_write_the_opinion_is_shown_exactly_when_the_policy_allows_edit(
        journey, users, login, client):
    login(users["specialist"])
    for state in ("offered", "accepted", "in_review"):
        case, consultation = journey(state)
        allowed = opinion_policy.may(users["specialist"], opinion_of(consultation), "edit")
        assert (WRITE in _page(client, case)) == allowed == (state != "offered"), state


def test_a_signed_opinion_is_not_offered_for_writing(journey, users, login, client):
    """Signing completes the consultation; should a consultation still be accepted with its
    opinion signed, the page follows the rule's refusal and links to no editor."""
    case, consultation = journey("in_review")
    Opinion.objects.filter(consultation=consultation).update(signed_at=timezone.now())
    consultation.refresh_from_db()
    assert not opinion_policy.may(users["specialist"], opinion_of(consultation), "edit")
    login(users["specialist"])
    page = _page(client, case)
    assert "Your consultation" in page and WRITE not in page
