"""The activity builder in Chromium on a desktop screen, driven by role and accessible name.

Run by tests/e2e/test_web_therapist.py in a process of its own:
``builder_in_chromium.py URL TITLE ARTEFACTS``. The therapist opens "Activities", starts a new
activity with the client's first name in its instructions, adds a yes/no item, a single choice
with scored options shown only after a "Yes", and a scale on a second page; scores the choice and
the scale with two bands and a cutoff, adds a risk rule on "A lot", sees the branch open and the
pages in the preview, and publishes. Then the version is listed and exported as FHIR, the activity
archived and restored, and a FHIR Questionnaire with a part Interlude cannot carry over imported.
Each screen is checked with axe-core and photographed.
"""

import json
import sys
from pathlib import Path

from answer_in_chromium import CHROMIUM, Screens
from playwright.sync_api import Page, expect, sync_playwright

DESKTOP = {"width": 1280, "height": 900}
IMPORTED = {
    "resourceType": "Questionnaire",
    "status": "active",
    "title": "Imported sleep diary",
    "item": [
        {
            "linkId": "night",
            "type": "group",
            "text": "Last night",
            "item": [
                {"linkId": "hours", "type": "integer", "text": "Hours slept"},
                {"linkId": "photo", "type": "attachment", "text": "A photo of your bedroom"},
            ],
        }
    ],
}


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/app/")
    page.get_by_label("Email").fill("therapist@demo.clinic")
    page.get_by_label("Password").fill("therapist-demo-pass")
    page.get_by_role("button", name="Sign in").click()


def add_item(page: Page, type_label: str) -> None:
    page.get_by_label("Type of the new item").select_option(label=type_label)
    page.get_by_role("button", name="Add item").click()


def build(page: Page, title: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Instructions", exact=True).fill("Two questions about today,")
    page.get_by_label("Insert a personal detail into Instructions").select_option(label="Client's first name")
    expect(page.get_by_label("Instructions", exact=True)).to_have_value(
        "Two questions about today, {{client.first_name}}"
    )
    add_item(page, "Yes or no")
    page.get_by_label("Prompt of item 1", exact=True).fill("Did you feel low today?")
    add_item(page, "Single choice")
    second = page.get_by_role("group", name="Item 2: Single choice")
    second.get_by_label("Prompt of item 2", exact=True).fill("How low?")
    second.get_by_label("Option 1", exact=True).fill("A little")
    second.get_by_label("Option 2", exact=True).fill("A lot")
    second.get_by_label("Score of option 2").fill("3")
    second.get_by_label("Show only if").select_option(label="Item 1: Did you feel low today?")
    expect(second.get_by_label("Answer", exact=True)).to_have_value("yes")
    add_item(page, "Linear scale")
    third = page.get_by_role("group", name="Item 3: Linear scale")
    third.get_by_label("Item 3 starts a new page").check()
    third.get_by_label("Title of the page starting at item 3").fill("Sleep")
    third.get_by_label("Prompt of item 3", exact=True).fill("How well did you sleep?")


def score(page: Page) -> None:
    scoring = page.get_by_role("region", name="Scoring")
    scoring.get_by_label("Compute a total score").check()
    scoring.get_by_label("Item 2: How low?").check()
    scoring.get_by_label("Item 3: How well did you sleep?").check()
    scoring.get_by_role("button", name="Add band").click()
    scoring.get_by_label("Band 1 to").fill("5")
    scoring.get_by_label("Band 1 label").fill("low")
    scoring.get_by_role("button", name="Add band").click()
    expect(scoring.get_by_label("Band 2 from")).to_have_value("6")
    scoring.get_by_label("Band 2 to").fill("13")
    scoring.get_by_label("Band 2 label").fill("high")
    scoring.get_by_label("Cutoff").fill("6")
    scoring.get_by_role("button", name="Add risk rule").click()
    scoring.get_by_label("Risk rule 1: item").select_option(label="Item 2: How low?")
    scoring.get_by_label("Risk rule 1: answer").select_option(label="A lot")
    scoring.get_by_label("Risk rule 1: message to the therapist").fill("Low a lot: check in.")


def preview(page: Page) -> None:
    shown = page.get_by_role("region", name="Preview: as the client will see it")
    expect(shown).to_contain_text("Two questions about today, Alex")  # a sample name for the token
    expect(shown.get_by_role("heading", name="Page 2 of 2: Sleep")).to_be_visible()
    expect(shown.get_by_role("group", name="How low?")).to_have_count(0)
    shown.get_by_role("radio", name="Yes").check()
    expect(shown.get_by_role("group", name="How low?")).to_be_visible()


def manage(page: Page, screens: Screens) -> None:
    versions = page.get_by_role("region", name="Versions")
    expect(versions.get_by_role("row")).to_have_count(2)  # the header and version 1
    with page.expect_download() as download:
        versions.get_by_role("button", name="Export version 1 as FHIR").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["resourceType"] == "Questionnaire" and str(exported["version"]) == "1", exported
    versions.get_by_role("button", name="Archive").click()
    expect(versions.get_by_role("status")).to_have_text("Archived.")
    expect(versions).to_contain_text("This activity is archived")
    screens.check("builder-archived")
    versions.get_by_role("button", name="Restore").click()
    expect(versions.get_by_role("status")).to_have_text("Restored.")


def import_fhir(page: Page, screens: Screens) -> None:
    page.get_by_role("link", name="Back to the activities").click()
    page.get_by_label("Or paste the Questionnaire").fill(json.dumps(IMPORTED))
    page.get_by_role("button", name="Import", exact=True).click()
    outcome = page.get_by_role("status")
    expect(outcome).to_contain_text("Imported as a draft")
    expect(outcome).to_contain_text("could not be carried over")
    expect(outcome.get_by_role("listitem")).to_contain_text("photo")
    screens.check("fhir-import")
    outcome.get_by_role("link", name="Imported sleep diary").click()
    expect(page.get_by_label("Prompt of item 1", exact=True)).to_have_value("Hours slept")


def main(url: str, title: str, artefacts: Path) -> None:
    artefacts.mkdir(parents=True, exist_ok=True)
    csp_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True).new_page()
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        screens = Screens(page, artefacts)
        sign_in(page, url)

        page.get_by_role("link", name="Activities").click()
        expect(page.get_by_role("heading", name="Activities", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Copy PHQ-9")).to_be_visible()
        screens.check("activities")
        page.get_by_role("link", name="New activity").click()

        build(page, title)
        score(page)
        preview(page)
        screens.check("builder")

        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("status")).to_have_text("Published as version 1.")
        screens.check("builder-published")
        manage(page, screens)
        import_fhir(page, screens)
        browser.close()
    assert csp_errors == [], csp_errors
    print(json.dumps({"screens": screens.checked}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
