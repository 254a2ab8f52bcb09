"""Pathways and groups in Chromium on a desktop screen, driven by role and accessible name.

Run by tests/e2e/test_web_therapist.py in a process of its own:
``programmes_in_chromium.py URL ACTIVITY_TITLE PATHWAY_NAME GROUP_NAME CLIENT_NAME OTHER_CLIENT_NAME ARTEFACTS``.
The therapist creates a two-step pathway (the first step at enrolment, the second 7 days later),
enrols a client on it, pauses and resumes the enrolment, creates a group with that client, adds
the other client from today, and sends the activity to the group. Each screen is checked with axe-core and photographed.
"""

import json
import sys
from pathlib import Path

from answer_in_chromium import CHROMIUM, Screens
from builder_in_chromium import DESKTOP, sign_in
from playwright.sync_api import expect, sync_playwright


def main(url: str, title: str, pathway: str, group: str, client: str, other: str, artefacts: Path) -> None:
    artefacts.mkdir(parents=True, exist_ok=True)
    csp_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        screens = Screens(page, artefacts)
        sign_in(page, url)

        page.get_by_role("link", name="Pathways").click()
        expect(page.get_by_role("heading", name="Pathways", level=1)).to_be_visible()
        form = page.get_by_role("region", name="New pathway")
        form.get_by_label("Name of the pathway").fill(pathway)
        form.get_by_label("Step 1: activity").select_option(label=title)
        form.get_by_role("button", name="Add step").click()
        form.get_by_label("Step 2: activity").select_option(label=title)
        form.get_by_label("Step 2: released").select_option(label="Some days after enrolment")
        form.get_by_label("Step 2: how many days").fill("7")
        screens.check("pathway-new")
        form.get_by_role("button", name="Create pathway").click()
        expect(form.get_by_role("status")).to_have_text(f"Pathway {pathway} created.")
        card = page.get_by_role("region", name=pathway)
        steps = card.get_by_role("table", name=f"Steps of {pathway}")
        expect(steps).to_contain_text("at enrolment")
        expect(steps).to_contain_text("7 days after enrolment")
        card.get_by_label(f"Enrol a client on {pathway}").select_option(label=client)
        card.get_by_role("button", name="Enrol", exact=True).click()
        expect(card.get_by_role("status")).to_have_text(f"{client} was enrolled.")
        expect(card.get_by_role("listitem")).to_contain_text(f"{client}: active")
        card.get_by_role("button", name=f"Pause {client}").click()
        expect(card.get_by_role("status")).to_have_text(f"{client} is paused.")
        expect(card.get_by_role("listitem")).to_contain_text(f"{client}: paused")
        card.get_by_role("button", name=f"Resume {client}").click()
        expect(card.get_by_role("status")).to_have_text(f"{client} resumed.")
        expect(card.get_by_role("listitem")).to_contain_text(f"{client}: active")
        screens.check("pathway-enrolled")

        page.get_by_role("link", name="Groups").click()
        form = page.get_by_role("region", name="New group")
        form.get_by_label("Name of the group").fill(group)
        form.get_by_label(client, exact=True).check()
        form.get_by_role("button", name="Create group").click()
        expect(form.get_by_role("status")).to_have_text(f"Group {group} created.")
        card = page.get_by_role("region", name=group)
        card.get_by_label(f"Add a client to {group}").select_option(label=other)
        card.get_by_label("They receive").select_option(label="only what continues from today")
        card.get_by_role("button", name="Add", exact=True).click()
        expect(card.get_by_role("status")).to_have_text(f"{other} joined {group}.")
        card.get_by_label(f"Activity for {group}").select_option(label=title)
        card.get_by_role("button", name=f"Assign to {group}").click()
        expect(card.get_by_role("status")).to_have_text(f"Sent to every member of {group}.")
        expect(card).to_contain_text(f"Activity: {title}")
        screens.check("group")
        browser.close()
    assert csp_errors == [], csp_errors
    print(json.dumps({"screens": screens.checked}))


if __name__ == "__main__":
    main(*sys.argv[1:7], Path(sys.argv[7]))
