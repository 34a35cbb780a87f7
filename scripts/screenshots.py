"""Take screenshots of the main pages of a running demo (make demo) with Debian's Chromium.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR] [--phone]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

PAGES = {
    "patient": ["/cases/", "/cases/new/", "{opinion_case}", "{draft_case}", "/account/"],
    "coordinator": ["/queue/", "/queue/?status=submitted", "{submitted_case}", "/specialists/"],
    "specialist": ["/cases/", "{review_case}", "{review_opinion}"],
}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    base = args[0] if args else "http://127.0.0.1:8000"
    out = Path(args[1] if len(args) > 1 else "var/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    phone = "--phone" in sys.argv
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        anonymous = browser.new_page(viewport=viewport)
        anonymous.goto(base + "/")
        anonymous.screenshot(path=out / "home.png", full_page=True)
        for username, paths in PAGES.items():
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(base + "/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "demo")
            page.click("button[type=submit]")
            links = _case_links(page, base)
            for i, path in enumerate(paths):
                url = path.format(**links)
                if not url:
                    continue
                page.goto(base + url)
                name = f"{username}-{i}{'-phone' if phone else ''}.png"
                page.screenshot(path=out / name, full_page=True)
                print(out / name, url)
        browser.close()


def _case_links(page, base):
    """Find demo cases by their status badge on the list pages."""
    links = {k: "" for k in ("opinion_case", "draft_case", "submitted_case", "review_case",
                             "review_opinion")}
    page.goto(base + "/cases/")
    for row in page.query_selector_all("tbody tr"):
        status = row.query_selector(".status").inner_text().strip()
        href = row.query_selector("a").get_attribute("href")
        key = {"Opinion delivered": "opinion_case", "Draft": "draft_case",
               "Submitted": "submitted_case", "In review": "review_case"}.get(status)
        if key and not links[key]:
            links[key] = href
    if links["review_case"]:
        page.goto(base + links["review_case"])
        write = page.query_selector("a:has-text('Write the opinion')")
        links["review_opinion"] = write.get_attribute("href") if write else ""
    return links


if __name__ == "__main__":
    main()
