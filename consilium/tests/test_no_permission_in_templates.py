"""No view or template decides a permission itself (issue #18, decision record 0001).

Every template under consilium/templates and every views.py, api.py and page.py is read line by
line for the shapes a permission decision takes: comparing the user's role, testing it against
a set, comparing an owner's ID or an object's user with the user. What a user may do is the
policies' (``allowed`` in the template, ``policy.check`` in the action); who may see a page is
the access helpers'. A line that matches fails the test with its file and line, unless it is
on ALLOWED below with the reason it is not a permission (the wording chosen for a role, say).
"""

import re
from pathlib import Path

import consilium

ROOT = Path(consilium.__file__).parent
PROJECT = ROOT.parent

DECISIONS = [
    (re.compile(r"\buser\.role\s*(==|!=)"), "compares the user's role"),
    (re.compile(r"\.role\s+(not\s+)?in\b"), "tests the user's role against a set"),
    (re.compile(r"_id\s*(==|!=)\s*(request\.)?user\.id\b|\buser\.id\s*(==|!=)"),
     "compares an owner's ID with the user's"),
    (re.compile(r"(==|!=)\s*(request\.)?user\b(?![.\w])|\b(request\.)?user\s*(==|!=)"),
     "compares an object's user with the user"),
    (re.compile(r"\bis_(staff|superuser)\b"), "tests a Django staff flag"),
]

# (file, a piece of the line) -> why it is not a permission decision. Each entry covers the
# lines of that file containing the piece; keep the pieces short and the reasons true.
ALLOWED: dict[tuple[str, str], str] = {
    ("consilium/templates/cases/list.html", 'user.role == "patient" %}My cases'):
        "wording only: the heading says My cases to a patient",
    ("consilium/templates/cases/list.html", 'elif user.role == "'):
        "wording only: the empty list's explanation for a coordinator or a specialist",
    ("consilium/templates/cases/list.html", 'if user.role == "specialist" %}'):
        "display: a specialist's list adds the column of their own offer's or opinion's "
        "dates; which cases are listed is cases_visible_to",
    ("consilium/cases/views.py", "request.user.role == Role.SPECIALIST"):
        "display: loads a specialist's own consultations for the dates their list shows; "
        "which cases are listed is cases_visible_to",
    ("consilium/templates/conversations/_message.html", "message.author_id != user.id"):
        "display: one's own messages are never marked unread",
    ("consilium/conversations/api.py", "message.author_id != user.id"):
        "display: one's own messages are never counted unread",
    ("consilium/templates/cases/detail.html", "case.owner_id != request.user.id"):
        "display: a coordinator who already owns the case is not offered to take it; taking "
        "it is the cases policy's take_on rule (case_owner checks it)",
    ("consilium/templates/cases/owner.html", "c == request.user"):
        "wording only: the coordinator finds their own name in the list, marked (you)",
    ("consilium/accounts/views.py", "request.user.role == Role."):
        "routing: the start page sends each role to where its work is; each page checks "
        "its own access",
}


def scanned() -> list[Path]:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    modules = sorted(path for name in ("views.py", "api.py", "page.py")
                     for path in ROOT.rglob(name) if "tests" not in path.parts)
    return templates + modules


def decisions_in(path: Path) -> list[tuple[int, str, str]]:
    """(line number, line, what it decides) for each line that looks like a decision."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for pattern, what in DECISIONS:
            if pattern.search(line):
                found.append((number, line.strip(), what))
                break
    return found


def _allowed(name: str, line: str) -> bool:
    return any(name == file and piece in line for file, piece in ALLOWED)


def test_no_view_or_template_decides_a_permission():
    problems = [f"{path.relative_to(PROJECT)}:{number}: {what}: {line}"
                for path in scanned() for number, line, what in decisions_in(path)
                if not _allowed(str(path.relative_to(PROJECT)), line)]
    assert problems == [], (
        "Read the policy (allowed / policy.check) or the access helper instead, or add the "
        "line to ALLOWED with the reason it is no permission:\n" + "\n".join(problems))


def test_every_allowed_line_still_exists():
    """An entry whose line is gone is removed, so the list stays short and true."""
    lines = {str(path.relative_to(PROJECT)): [line for _, line, _ in decisions_in(path)]
             for path in scanned()}
    stale = [(file, piece) for (file, piece) in ALLOWED
             if not any(piece in line for line in lines.get(file, []))]
    assert stale == []


def test_the_scan_sees_each_kind_of_decision(tmp_path):
    """The patterns catch what they are for (and a policy-reading line passes)."""
    sample = tmp_path / "sample.html"
    sample.write_text("\n".join([
        '{% if user.role == "admin" %}', "if request.user.role != Role.PATIENT:",
        "if user.role not in (Role.COORDINATOR, Role.ADMIN):",
        "{% if case.patient_id == request.user.id %}", "if request.user.id != share.owner_id:",
        "{% if message.author == user %}", "if story.author != request.user:",
        "{% if user.is_staff %}",
        '{% if "close" in allowed %}', "# user.role == Role.ADMIN in a comment",
        "viewer_is_patient = is_case_owner(user, case)",
    ]))
    assert [number for number, _, _ in decisions_in(sample)] == [1, 2, 3, 4, 5, 6, 7, 8]
