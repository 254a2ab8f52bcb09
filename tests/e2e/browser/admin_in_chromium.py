"""A clinic admin and an analyst at work in Chromium, driven by role and accessible name.

Run by tests/e2e/test_web_admin.py in a process of its own:
``admin_in_chromium.py URL ARTEFACTS SETTINGS_JSON``. Each screen is checked with axe-core (no
serious or critical violation) and photographed.
"""

import json
import sys
from pathlib import Path

from answer_in_chromium import CHROMIUM, Screens
from playwright.sync_api import Browser, expect, sync_playwright

DESKTOP = {"width": 1200, "height": 900}


def sign_in(browser: Browser, url: str, username: str, password: str):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/app/")
    page.get_by_label("Email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def admin(browser: Browser, url: str, artefacts: Path, settings: dict[str, str]) -> list[str]:
    page = sign_in(browser, url, "admin@demo.clinic", "admin-demo-pass")
    screens = Screens(page, artefacts)

    expect(page.get_by_role("heading", name="Invite staff")).to_be_visible()
    page.get_by_label("Email").fill(settings["staff"])
    page.get_by_label("Role").select_option(label="Therapist")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_contain_text("/app/invitations/")
    screens.check("admin-invite")

    page.get_by_role("link", name="Reminder defaults").click()
    expect(page.get_by_role("heading", name="Reminder defaults")).to_be_visible()
    expect(page.get_by_role("button", name="Add a reminder")).to_be_visible()
    while page.get_by_role("button", name="Remove reminder 1").count():  # start from none
        page.get_by_role("button", name="Remove reminder 1").click()
    page.get_by_role("button", name="Add a reminder").click()
    page.get_by_role("group", name="Reminder 1").get_by_label("Relative to").select_option(label="the release")
    page.get_by_role("group", name="Reminder 1").get_by_label("Hours after (negative: before)").fill("24")
    page.get_by_role("button", name="Add a reminder").click()
    page.get_by_role("group", name="Reminder 2").get_by_label("Hours after (negative: before)").fill("-3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    screens.check("admin-reminder-defaults")

    page.get_by_role("link", name="Clients").click()
    page.get_by_role("button", name=f"Erase {settings['client']}").click()
    confirmation = page.get_by_role("form", name=f"Erase {settings['client']} for good?")
    expect(confirmation.get_by_text("their account and sign-in;")).to_be_visible()
    erase = confirmation.get_by_role("button", name="Erase for good")
    expect(erase).to_be_disabled()
    screens.check("admin-erase-confirmation")
    confirmation.get_by_label(f"I understand that {settings['client']}'s data cannot be recovered").check()
    erase.click()
    expect(page.get_by_role("status")).to_have_text(f"{settings['client']} was erased.")
    expect(page.get_by_role("button", name=f"Erase {settings['client']}")).to_have_count(0)

    page.get_by_role("link", name="Audit trail").click()
    table = page.get_by_role("table", name="Audit trail")
    expect(table.get_by_role("row").nth(1)).to_be_visible()
    page.get_by_label("Action").select_option("erase")
    expect(table.get_by_role("row")).to_have_count(2)
    screens.check("admin-audit-trail")
    return screens.checked


def analyst(browser: Browser, url: str, artefacts: Path, settings: dict[str, str], done: int) -> list[str]:
    page = sign_in(browser, url, settings["analyst"], settings["password"])
    screens = Screens(page, artefacts)
    screens.checked = ["."] * done  # numbering goes on from the admin's screens
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    expect(page.get_by_role("heading", name="Activity usage in the clinic")).to_be_visible()
    screens.check("analyst-reports")

    dictionary = page.get_by_role("link", name="Data dictionary: what every column means")
    with page.context.expect_page() as opened:
        dictionary.click()
    expect(opened.value.locator("body")).to_contain_text("Data dictionary: the reporting projection")

    page.get_by_label("Report").select_option("assignments")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "assignments.csv"
    assert "," in Path(download.value.path()).read_text().splitlines()[0]  # a CSV header
    expect(page.get_by_role("status")).to_have_text("assignments.csv downloaded.")
    screens.check("analyst-downloaded")
    return screens.checked[done:]


def main(url: str, artefacts: Path, settings: dict[str, str]) -> None:
    artefacts.mkdir(parents=True, exist_ok=True)
    for old in artefacts.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        checked = admin(browser, url, artefacts, settings)
        checked += analyst(browser, url, artefacts, settings, len(checked))
        browser.close()
    print(json.dumps({"screens": checked}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3]))
