"""The main menu lists a page exactly when the page lets the user in (issue #18): each link
is decided by the page's own access helper or policy (consilium/program/navigation.py), so
a link shown answers 200 and a page left out answers 403 or 404."""

import re

import pytest
from django.urls import reverse

from consilium.accounts.models import Role

# Every page the signed-in menu may list (URL name); the self-assessment is public, and
# the menu offers it only to those who start cases from it (cases.policy.starts_cases).
MENU_PAGES = ["work_queue", "program_figures", "assess", "case_list", "specialist_list",
              "my_availability", "story_review_list", "program_settings", "admin:index"]
PUBLIC = {"assess"}


def _menu_links(page: str) -> set[str]:
    nav = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'<a href="([^"]+)"', nav))


@pytest.fixture
def everyone(users, specialists, make_user):
    """One user per role, and an administrator who may use Django's admin site."""
    staff = make_user("staffadmin", Role.ADMIN, is_staff=True, is_superuser=True)
    return {**users, "staffadmin": staff}


@pytest.mark.parametrize("name", ["patient", "caregiver", "physician", "coordinator",
                                  "specialist", "admin", "staffadmin"])
def test_a_link_is_in_the_menu_exactly_when_its_page_lets_the_user_in(
        name, everyone, login, client):
    login(everyone[name])
    shown = _menu_links(client.get(reverse("account")).content.decode())
    for url_name in MENU_PAGES:
        url = reverse(url_name)
        status = client.get(url).status_code
        if url in shown:
            assert status == 200, f"{name}: {url} is in the menu but answers {status}"
        elif url_name not in PUBLIC:
            assert status in (302, 403, 404), f"{name}: {url} answers {status}, not listed"
            if status == 302:  # Django's admin sends to its own sign-in page
                assert url_name == "admin:index"


def test_the_menu_wording_and_who_is_offered_the_self_assessment(everyone, login, client):
    login(everyone["patient"])
    page = client.get(reverse("account")).content.decode()
    assert ">My cases</a>" in page and reverse("assess") in _menu_links(page)
    login(everyone["coordinator"])
    page = client.get(reverse("account")).content.decode()
    assert ">Cases</a>" in page and reverse("assess") not in _menu_links(page)
