"""The whole journey in Chromium, from a new clinic to an acknowledged risk flag, by role and accessible name.

Run by tests/e2e/test_web_journey.py in a process of its own: ``journey_in_chromium.py URL ARTEFACTS SETTINGS_JSON``.
The operator opens a clinic and passes its first admin the invitation link; the admin sets a password and
invites a therapist; the therapist sets a password, invites two clients, builds an activity (two pages, a
branch, scoring with bands, a cutoff and a risk rule), previews and publishes it, and assigns it to one
client once and weekly, and to the other once. The first client, on a phone, answers with the risk rule's
answer; the flag puts them first on the caseload, where it is acknowledged with a note; their page shows
the score and its band. Every screen is checked with axe-core (no serious or critical violation) and
photographed. Nothing is arranged over the API: every step is a person's, in the browser.
"""

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from answer_in_chromium import CHROMIUM, PHONE, Screens
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

DESKTOP = {"width": 1280, "height": 900}
# The projections (caseload, to-do list) follow the events: a person reloads until they show them.
PATIENCE_MS = 90_000
NOTE = "Phoned Kim; we went through the safety plan."


class Journey:
    def __init__(self, browser: Browser, url: str, artefacts: Path, settings: dict[str, str]) -> None:
        self.browser = browser
        self.url = url
        self.settings = settings
        self.screens: Screens | None = None
        self.artefacts = artefacts
        self.csp_errors: list[str] = []

    def open(self, phone: bool = False) -> Page:
        viewport = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": DESKTOP}
        context = self.browser.new_context(**viewport, locale="en-GB")
        context.set_default_timeout(PATIENCE_MS)
        page = context.new_page()
        page.on("console", lambda m: self.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        if self.screens is None:
            self.screens = Screens(page, self.artefacts)
        self.screens.page = page
        return page

    def check(self, name: str) -> None:
        assert self.screens is not None
        self.screens.check(name)

    def sign_in(self, username: str, password: str) -> Page:
        page = self.open()
        page.goto(f"{self.url}/app/")
        page.get_by_label("Email").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    def redeem(self, link: str, name: str, phone: bool = False) -> Page:
        """An invitee opens their link, chooses a password and is signed in."""
        assert link.startswith(f"{self.url}/app/invitations/"), link
        page = self.open(phone)
        page.goto(link)
        expect(page.get_by_role("heading", name="Welcome to Interlude")).to_be_visible()
        page.get_by_label("New password").fill(self.settings["password"])
        page.get_by_label("Repeat the password").fill(self.settings["password"])
        self.check(f"invitation-{name}")
        page.get_by_role("button", name="Set password and sign in").click()
        return page


def reload_until(page: Page, shown: Callable[[], Locator]) -> None:
    """Reloads until what a projection will show is there (no time is asserted: only a generous bound)."""
    deadline = datetime.now() + timedelta(milliseconds=PATIENCE_MS)
    while not shown().count():
        assert datetime.now() < deadline, f"not shown after reloading: {shown()}"
        page.wait_for_timeout(1000)
        page.reload()
        page.wait_for_load_state("networkidle")
    expect(shown().first).to_be_visible()


def operator_opens_a_clinic(journey: Journey) -> str:
    page = journey.sign_in("operator@interlude.local", "operator-demo-pass")
    expect(page.get_by_role("heading", name="Clinics", level=1)).to_be_visible()
    page.get_by_label("Clinic name").fill(journey.settings["clinic"])
    page.get_by_label("First admin's email").fill(journey.settings["admin"])
    page.get_by_role("button", name="Open clinic").click()
    opened = page.get_by_role("status")
    expect(opened).to_contain_text(f"{journey.settings['clinic']} is open.")
    expect(page.get_by_role("rowheader", name=journey.settings["clinic"])).to_be_visible()
    journey.check("operator-clinic-opened")
    link = opened.get_by_label("Invitation link for the first admin").input_value()
    page.context.close()
    return link


def admin_invites_a_therapist(journey: Journey, link: str) -> str:
    page = journey.redeem(link, "admin")
    expect(page.get_by_role("heading", name="Invite staff")).to_be_visible()
    page.get_by_label("Email").fill(journey.settings["therapist"])
    page.get_by_label("Name (optional)").fill("Sam Rivers")
    page.get_by_label("Role").select_option(label="Therapist")
    page.get_by_role("button", name="Invite").click()
    invited = page.get_by_role("status")
    expect(invited).to_contain_text("/app/invitations/")
    journey.check("admin-invited-therapist")
    therapist_link = re.search(r"http\S+/app/invitations/\S+", invited.inner_text())
    assert therapist_link, invited.inner_text()
    page.context.close()
    return therapist_link.group(0)


def invite_client(page: Page, journey: Journey, email: str, name: str) -> str:
    invite = page.get_by_role("region", name="Invite a client")
    invite.get_by_label("Client's email").fill(email)
    invite.get_by_label("Name to show (optional)").fill(name)
    invite.get_by_role("button", name="Invite").click()
    expect(invite.get_by_role("status")).to_contain_text(f"{name} is invited.")
    return invite.get_by_label("Invitation link").input_value()


def add_item(page: Page, type_label: str) -> None:
    page.get_by_label("Type of the new item").select_option(label=type_label)
    page.get_by_role("button", name="Add item").click()


def build_activity(page: Page, journey: Journey) -> None:
    """Two pages, a question shown only after a "Yes", scoring with two bands, a cutoff and a risk rule."""
    title = journey.settings["title"]
    page.get_by_role("link", name="Activities").click()
    expect(page.get_by_role("heading", name="Activities", level=1)).to_be_visible()
    page.get_by_role("link", name="New activity").click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Instructions", exact=True).fill("Two questions about your week.")
    page.get_by_label("Measure code").fill(journey.settings["measure"])
    add_item(page, "Yes or no")
    page.get_by_label("Prompt of item 1", exact=True).fill("Did you feel low this week?")
    add_item(page, "Single choice")
    second = page.get_by_role("group", name="Item 2: Single choice")
    second.get_by_label("Prompt of item 2", exact=True).fill("How low?")
    second.get_by_label("Option 1", exact=True).fill("A little")
    second.get_by_label("Score of option 1").fill("1")
    second.get_by_label("Option 2", exact=True).fill("A lot")
    second.get_by_label("Score of option 2").fill("3")
    second.get_by_label("Show only if").select_option(label="Item 1: Did you feel low this week?")
    expect(second.get_by_label("Answer", exact=True)).to_have_value("yes")
    add_item(page, "Linear scale")
    third = page.get_by_role("group", name="Item 3: Linear scale")
    third.get_by_label("Item 3 starts a new page").check()
    third.get_by_label("Title of the page starting at item 3").fill("Sleep")
    third.get_by_label("Prompt of item 3", exact=True).fill("How badly did you sleep?")

    scoring = page.get_by_role("region", name="Scoring")
    scoring.get_by_label("Compute a total score").check()
    scoring.get_by_label("Item 2: How low?").check()
    scoring.get_by_label("Item 3: How badly did you sleep?").check()
    scoring.get_by_role("button", name="Add band").click()
    scoring.get_by_label("Band 1 to").fill("5")
    scoring.get_by_label("Band 1 label").fill("mild")
    scoring.get_by_role("button", name="Add band").click()
    scoring.get_by_label("Band 2 to").fill("13")
    scoring.get_by_label("Band 2 label").fill("severe")
    scoring.get_by_label("Cutoff").fill("6")
    scoring.get_by_role("button", name="Add risk rule").click()
    scoring.get_by_label("Risk rule 1: item").select_option(label="Item 2: How low?")
    scoring.get_by_label("Risk rule 1: answer").select_option(label="A lot")
    scoring.get_by_label("Risk rule 1: message to the therapist").fill("Very low this week: check in today.")

    preview = page.get_by_role("region", name="Preview: as the client will see it")
    expect(preview.get_by_role("heading", name="Page 2 of 2: Sleep")).to_be_visible()
    expect(preview.get_by_role("group", name="How low?")).to_have_count(0)
    preview.get_by_role("radio", name="Yes").check()
    expect(preview.get_by_role("group", name="How low?")).to_be_visible()
    journey.check("builder-preview")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text("Published as version 1.")
    journey.check("builder-published")


def assign(page: Page, journey: Journey, client: str, *, weekly: bool = False) -> str | None:
    """Assigns the activity from the client's page; a weekly schedule's id (as the gateway answered it)."""
    settings = journey.settings
    page.get_by_role("link", name="Caseload", exact=True).click()
    page.get_by_role("main").get_by_role("link", name=client, exact=True).click()
    expect(page.get_by_role("heading", name=client, level=1)).to_be_visible()
    page.get_by_role("button", name="Assign activity").click()
    page.get_by_label("Activity").select_option(label=settings["title"])
    if weekly:
        page.get_by_label("Repeat").select_option(label="Weekly")
        page.get_by_label("First on").fill(settings["first_on"])
        page.get_by_label(settings["weekday"]).check()
        page.get_by_label("Number of times (optional)").fill("4")
        journey.check(f"assign-weekly-{client.lower()}")
        with page.expect_response(lambda r: r.url.endswith("/recurrences") and r.request.method == "POST") as made:
            page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Schedule created.")
        return str(made.value.json()["recurrence_id"])
    page.get_by_label("Due").fill(settings["due"])
    journey.check(f"assign-once-{client.lower()}")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Activity assigned.")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=settings["title"], exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("To do")
    return None


def therapist_prepares(journey: Journey, link: str) -> tuple[Page, dict[str, str], str]:
    page = journey.redeem(link, "therapist")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    links = {
        "Kim": invite_client(page, journey, journey.settings["kim"], "Kim"),
        "Lee": invite_client(page, journey, journey.settings["lee"], "Lee"),
    }
    # Nothing assigned yet, both are on the caseload, linked to their pages.
    expect(page.get_by_role("main").get_by_role("link")).to_have_text(["Kim", "Lee"])
    journey.check("caseload-invited")
    build_activity(page, journey)
    assign(page, journey, "Kim")
    recurrence = assign(page, journey, "Kim", weekly=True)
    assert recurrence
    journey.check("client-page-assigned")
    assign(page, journey, "Lee")
    return page, links, recurrence


def client_answers(journey: Journey, link: str) -> None:
    """Kim, on a phone: "Yes", then "A lot" (the risk rule's answer), then the sleep scale."""
    title = journey.settings["title"]
    page = journey.redeem(link, "client", phone=True)
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    reload_until(page, lambda: page.get_by_role("link", name=title))
    expect(page.get_by_role("link", name=title)).to_have_count(1)  # the weekly ones start next week
    journey.check("client-to-do")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("group", name="How low?")).to_have_count(0)
    page.get_by_role("group", name="Did you feel low this week?").get_by_label("Yes").check()
    page.get_by_role("group", name="How low?").get_by_label("A lot").check()
    journey.check("client-answer-page-1")
    page.get_by_role("button", name="Next").click()
    sleep = page.get_by_role("group", name="How badly did you sleep?")
    sleep.get_by_label(journey.settings["sleep"], exact=True).check()
    journey.check("client-answer-page-2")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    journey.check("client-submitted")
    page.context.close()


def therapist_follows_up(journey: Journey, page: Page) -> None:
    settings = journey.settings
    page.get_by_role("link", name="Caseload", exact=True).click()
    reload_until(page, lambda: page.get_by_role("button", name="Acknowledge"))
    # Kim's flag puts her first (without it, Lee, silent longest, would be).
    expect(page.get_by_role("main").get_by_role("link")).to_have_text(["Kim", "Lee"])
    flag = page.get_by_role("form", name="Risk flag: Very low this week: check in today.")
    expect(flag).to_be_visible()
    expect(page.get_by_role("listitem").filter(has=flag)).to_contain_text(f"{settings['measure']}: 8 (severe)")
    journey.check("caseload-risk-flag")
    flag.get_by_label("Note (what you did about it)").fill(NOTE)
    flag.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_have_text("Risk flag acknowledged.")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    journey.check("caseload-acknowledged")

    page.get_by_role("main").get_by_role("link", name="Kim", exact=True).click()
    expect(page.get_by_role("heading", name="Kim", level=1)).to_be_visible()
    scores = page.get_by_role("table", name=f"{settings['measure']} scores, oldest first")
    point = scores.get_by_role("row").nth(1)
    expect(point.get_by_role("cell").nth(1)).to_have_text("8")
    expect(point.get_by_role("cell").nth(2)).to_have_text("severe")
    expect(point.get_by_role("cell").nth(3)).to_have_text("Yes")  # above the cutoff of 6
    expect(page.locator("img.chart")).to_be_visible()  # the gateway's chart, fetched with the token
    expect(page.get_by_role("cell", name="Completed")).to_be_visible()
    journey.check("client-page-score")


def main(url: str, artefacts: Path, settings: dict[str, str]) -> None:
    expect.set_options(timeout=PATIENCE_MS)
    artefacts.mkdir(parents=True, exist_ok=True)
    for old in artefacts.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        journey = Journey(browser, url, artefacts, settings)
        admin_link = operator_opens_a_clinic(journey)
        therapist_link = admin_invites_a_therapist(journey, admin_link)
        therapist, client_links, recurrence = therapist_prepares(journey, therapist_link)
        client_answers(journey, client_links["Kim"])
        journey.screens.page = therapist  # type: ignore[union-attr]
        therapist_follows_up(journey, therapist)
        browser.close()
    assert journey.csp_errors == [], journey.csp_errors
    print(json.dumps({"screens": journey.screens.checked, "recurrence": recurrence}))  # type: ignore[union-attr]


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3]))
