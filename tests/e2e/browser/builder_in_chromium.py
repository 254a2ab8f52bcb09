"""The activity builder in Chromium on a desktop screen, driven by role and accessible name.

Run by tests/e2e/test_web_therapist.py in a process of its own:
``builder_in_chromium.py URL TITLE ARTEFACTS``. The therapist opens "Activities", starts a new
activity, adds a yes/no item and a single choice with scored options shown only after a "Yes",
sees the branch open in the preview, and publishes. Each screen is checked with axe-core and
photographed.
"""

import json
import sys
from pathlib import Path

from answer_in_chromium import CHROMIUM, Screens
from playwright.sync_api import expect, sync_playwright

DESKTOP = {"width": 1280, "height": 900}


def main(url: str, title: str, artefacts: Path) -> None:
    artefacts.mkdir(parents=True, exist_ok=True)
    csp_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        screens = Screens(page, artefacts)
        page.goto(f"{url}/app/")
        page.get_by_label("Email").fill("therapist@demo.clinic")
        page.get_by_label("Password").fill("therapist-demo-pass")
        page.get_by_role("button", name="Sign in").click()

        page.get_by_role("link", name="Activities").click()
        expect(page.get_by_role("heading", name="Activities", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Copy PHQ-9")).to_be_visible()
        screens.check("activities")
        page.get_by_role("link", name="New activity").click()

        page.get_by_label("Title").fill(title)
        page.get_by_label("Instructions").fill("Two questions about today.")
        page.get_by_label("Type of the new item").select_option(label="Yes or no")
        page.get_by_role("button", name="Add item").click()
        page.get_by_label("Prompt of item 1").fill("Did you feel low today?")
        page.get_by_label("Type of the new item").select_option(label="Single choice")
        page.get_by_role("button", name="Add item").click()
        second = page.get_by_role("group", name="Item 2: Single choice")
        second.get_by_label("Prompt of item 2").fill("How low?")
        second.get_by_label("Option 1", exact=True).fill("A little")
        second.get_by_label("Option 2", exact=True).fill("A lot")
        second.get_by_label("Score of option 2").fill("3")
        second.get_by_label("Show only if").select_option(label="Item 1: Did you feel low today?")
        expect(second.get_by_label("Answer")).to_have_value("yes")

        preview = page.get_by_role("region", name="Preview: as the client will see it")
        expect(preview.get_by_role("group", name="How low?")).to_have_count(0)
        preview.get_by_role("radio", name="Yes").check()
        expect(preview.get_by_role("group", name="How low?")).to_be_visible()
        screens.check("builder")

        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("status")).to_have_text("Published as version 1.")
        screens.check("builder-published")
        browser.close()
    assert csp_errors == [], csp_errors
    print(json.dumps({"screens": screens.checked}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
