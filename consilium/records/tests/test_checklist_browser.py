"""The records checklist and the files table in a real Chromium, on a desktop and a phone:
what a patient saw after adding a thyroid letter to a breast cancer case (issue #20, a walk as
a patient): twelve rows of two large blue buttons each, the rows' buttons touching, and a
file's size broken inside its unit ("6.8 K" / "B")."""

import pytest
from playwright.sync_api import expect

from consilium.records.tests.test_checklist import CLEMENTE, THYROID_LETTER, add
from consilium.tests.test_browser_journey import Visitor, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LETTER = THYROID_LETTER * 8  # a few kilobytes, as a clinic letter is


@pytest.fixture(autouse=True)
def read_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.parametrize("screen", SCREENS)
def test_the_checklist_and_the_files_read_calmly(browser, live_server, journey, maria,  # noqa: F811
                                                 screen, django_capture_on_commit_callbacks):
    case = journey("submitted")[0]
    add(case, maria, "letter.txt", LETTER, django_capture_on_commit_callbacks)
    add(case, maria, CLEMENTE.name, CLEMENTE.read_bytes(),  # someone else's: held, explained
        django_capture_on_commit_callbacks)
    visitor = Visitor(browser, live_server.url, set())
    visitor.page.set_viewport_size(SCREENS[screen])
    visitor.sign_in("patient")
    visitor.go(f"/cases/{case.id}/")
    page = visitor.page
    rows = page.locator("ul.checklist > li")
    expect(rows).to_have_count(len(case.checklist))
    boxes = [[button.bounding_box() for button in row.locator("button").all()]
             for row in rows.all()]
    for box in (b for row in boxes for b in row):
        assert box["height"] <= 34, box  # a small, quiet button, not a call to action
    for above, below in zip(boxes, boxes[1:], strict=False):
        lowest = max(b["y"] + b["height"] for b in above)
        highest = min(b["y"] for b in below)
        assert highest - lowest >= 4, (lowest, highest)  # rows do not touch
    size = page.locator("table.records td.size").first
    expect(size).to_contain_text("KB")
    lines = size.evaluate("td => { const r = document.createRange(); r.selectNodeContents(td);"
                          " return new Set([...r.getClientRects()].map(c => c.top)).size; }")
    assert lines == 1  # the size on one line
