"""The main menu: each link is listed by the same helper that lets the user into its page
(the page's access helper or policy), so the menu offers exactly what the pages allow.
base.html draws it with ``{% main_menu as menu %}`` (program/templatetags/navigation.py)."""

from dataclasses import dataclass

from django.contrib import admin
from django.urls import reverse

from consilium.accounts.policy import manages_members
from consilium.cases.access import keeps_cases
from consilium.cases.policy import starts_cases
from consilium.directory.access import own_specialist
from consilium.stories.access import reviews_stories
from consilium.terms.policy import changes_terms

from .access import reads_figures, works_the_queue


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


def main_menu(request) -> list[MenuLink]:
    """The signed-in user's links, in the menu's order (Account and Sign out follow)."""
    user = request.user
    if not user.is_authenticated:
        return []
    shown = [
        ("Work queue", "work_queue", works_the_queue(user)),
        ("Figures", "program_figures", reads_figures(user)),
        # A public page; offered to those who start their case from it.
        ("Self-assessment", "assess", starts_cases(user)),
        ("My cases" if starts_cases(user) else "Cases", "case_list", keeps_cases(user)),
        ("Specialists", "specialist_list", True),  # the directory is open to the signed-in
        ("My availability", "my_availability", own_specialist(user) is not None),
        ("Stories to approve", "story_review_list", reviews_stories(user)),
        ("Members", "members", manages_members(user)),
        ("Program settings", "program_settings", changes_terms(user)),
        ("Administration", "admin:index", admin.site.has_permission(request)),
    ]
    return [MenuLink(label, reverse(name)) for label, name, listed in shown if listed]
