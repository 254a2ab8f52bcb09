"""A therapist's day in Chromium on a desktop screen, driven by role and accessible name.

Run by tests/e2e/test_web_therapist.py in a process of its own:
``therapist_in_chromium.py URL CLIENT_NAME OTHER_CLIENT_NAME ACTIVITY_TITLE DUE ARTEFACTS INVITEE_EMAIL``.
The caseload puts the client with a risk flag first; the flag is acknowledged with a note; on the
client's page the PHQ-9 score is in a table with its bands, cutoff and change, the adherence is
counted, an assignment's timeline opens, and an activity is assigned once with a due date and then
weekly; a follow-up message is sent, and a new client is invited from the caseload. Each screen is
checked with axe-core and photographed.
"""

import json
import re
import sys
from pathlib import Path

from answer_in_chromium import CHROMIUM, Screens
from playwright.sync_api import expect, sync_playwright

DESKTOP = {"width": 1280, "height": 900}
NOTE = "Called the client; safety plan reviewed."


def main(url: str, client: str, other: str, title: str, due: str, artefacts: Path, invitee: str) -> None:
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

        expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
        clients = page.get_by_role("main").get_by_role("link")
        expect(clients).to_have_text([client, other])  # the risk flag first, as the API orders it
        screens.check("caseload")
        page.get_by_label("Note (what you did about it)").fill(NOTE)
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.get_by_role("status")).to_contain_text("acknowledged")
        expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
        screens.check("caseload-acknowledged")

        page.get_by_role("link", name=client).click()
        expect(page.get_by_role("heading", name=client, level=1)).to_be_visible()
        scores = page.get_by_role("table", name="PHQ-9 scores, oldest first")
        expect(scores).to_contain_text("moderately severe")
        expect(page.locator("img.chart")).to_be_visible()  # the gateway's SVG, fetched with the token
        expect(page.get_by_text("Cutoff 10.", exact=False)).to_be_visible()
        expect(page.locator("dl.adherence")).to_contain_text("Completion rate")
        page.get_by_role("button", name="Timeline of PHQ-9").click()
        expect(page.locator("ol.timeline")).to_contain_text("Completed")
        screens.check("client-page")

        page.get_by_role("button", name="Assign activity").click()
        page.get_by_label("Activity").select_option(label=title)
        page.get_by_label("Due").fill(due)
        page.get_by_label("Hours before the deadline (optional)").fill("2")
        screens.check("assign-form")
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Activity assigned.")
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=title, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("To do")
        screens.check("client-page-assigned")

        page.get_by_role("button", name="Assign activity").click()
        page.get_by_label("Activity").select_option(label=title)
        page.get_by_label("Repeat").select_option(label="Weekly")
        page.get_by_label("First on").fill(due)
        page.get_by_label("Monday").check()
        page.get_by_label("Thursday").check()
        page.get_by_label("Number of times (optional)").fill("4")
        screens.check("assign-weekly")
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Schedule created.")

        page.get_by_label(f"Message to {client}").fill("Well done on this week's check-ins.")
        page.get_by_role("button", name="Send message").click()
        expect(page.get_by_role("status").filter(has_text="Message sent.")).to_be_visible()
        screens.check("client-page-follow-up")

        page.get_by_role("link", name="Caseload", exact=True).click()
        invite = page.get_by_role("region", name="Invite a client")
        invite.get_by_label("Client's email").fill(invitee)
        invite.get_by_label("Name to show (optional)").fill("Cy")
        invite.get_by_role("button", name="Invite").click()
        expect(invite.get_by_role("status")).to_contain_text("Cy is invited.")
        expect(invite.get_by_label("Invitation link")).to_have_value(
            re.compile(f"^{re.escape(url)}/app/invitations/.+")
        )
        screens.check("caseload-invited")
        browser.close()
    assert csp_errors == [], csp_errors
    print(json.dumps({"screens": screens.checked}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], Path(sys.argv[6]), sys.argv[7])
