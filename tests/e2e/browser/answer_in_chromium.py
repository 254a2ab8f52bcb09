"""A client answers their homework in Chromium on a phone-sized screen, driven by role and accessible name.

Run by tests/e2e/test_web_app.py in a process of its own (Playwright's driver and the test
run's eventlet monkey-patching do not mix):
``answer_in_chromium.py URL ASSIGNMENT_TITLE ARTEFACTS OFFLINE_TITLE INVITATION_CODE OPEN_TITLE``.
Each screen is checked with axe-core (no serious or critical violation) and photographed; the app
is checked installable (Chromium's own installability check) and, reloaded offline, shown from the
service worker's cache.
"""

import json
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect, sync_playwright
from unplug import Plug

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


class Screens:
    """Checks and photographs each screen; the page runs under its CSP (axe goes in through DevTools)."""

    def __init__(self, page: Page, artefacts: Path) -> None:
        self.page = page
        self.artefacts = artefacts
        self.axe_source = AXE.read_text()
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        self.page.evaluate(self.axe_source)
        violations = self.page.evaluate(
            "async () => (await axe.run(document)).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))"
        )
        assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"
        self.page.screenshot(path=str(self.artefacts / f"{len(self.checked) + 1:02d}-{name}.png"), full_page=True)
        self.checked.append(name)


def sign_in(page: Page) -> None:
    page.get_by_label("Email").fill("ada@demo.client")
    page.get_by_label("Password").fill("client-demo-pass")
    page.get_by_role("button", name="Sign in").click()


def answer(page: Page, screens: Screens, title: str) -> None:
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_role("group", name="Mood today?").get_by_label("7", exact=True).check()
    page.get_by_role("group", name="Did you sleep well?").get_by_label("No").check()
    screens.check("answer-page-1")
    page.get_by_role("button", name="Next").click()

    # The page shown only because they slept badly; then a reload: the draft survives, and the session
    # too (restored from the refresh cookie, no signing in again).
    page.get_by_role("group", name="What kept you up?").get_by_label("Worry").check()
    screens.check("answer-page-2-branch")
    page.reload()
    expect(page.get_by_role("group", name="What kept you up?").get_by_label("Worry")).to_be_checked()
    page.get_by_role("button", name="Next").click()

    every_other_item_type(page, screens)
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Cups of coffee").fill("99")  # over the maximum: the gateway's 422 is shown at the item
    page.get_by_label("Anything else?").fill("A long day.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Out of range")).to_be_visible()
    screens.check("answer-page-4-error")
    page.get_by_label("Cups of coffee").fill("3")
    page.get_by_role("button", name="Back").click()  # the practice kept as done, the slider as set
    expect(page.get_by_role("group", name="Breathing space").get_by_text("Done: 0:03 practised.")).to_be_visible()
    expect(page.get_by_text("Value: 9.7")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit").click()


def every_other_item_type(page: Page, screens: Screens) -> None:
    """Markdown, image, audio, video, a timed practice with its audio, text, choices, a slider, date and time."""
    expect(page.get_by_role("heading", name="Before you go on")).to_be_visible()
    expect(page.locator(".markdown strong")).to_have_text("slowly")
    expect(page.get_by_role("img", name="A calm place")).to_be_visible()
    expect(page.locator("audio[title='Rain sounds']")).to_have_count(1)
    expect(page.locator("video[title='A short film']")).to_have_count(1)
    tension = page.get_by_role("slider", name="How tense are you?")
    expect(tension).to_have_attribute("aria-valuetext", "not answered yet")
    page.get_by_role("button", name="Next").click()  # untouched: the slider is not answered at its middle
    expect(page.locator("#tension-error")).to_have_text("Answer required.")

    practice = page.get_by_role("group", name="Breathing space")
    expect(practice.get_by_role("timer", name="Time remaining")).to_have_text("0:03")
    practice.get_by_role("button", name="Start").click()
    guided = practice.locator("audio")
    page.wait_for_function("audio => !audio.paused", arg=guided.element_handle())  # its audio plays with it
    expect(practice.get_by_role("status")).to_have_text("Practice complete.", timeout=30_000)
    expect(practice.get_by_text("Done: 0:03 practised.")).to_be_visible()
    page.wait_for_function("audio => audio.paused", arg=guided.element_handle())

    page.get_by_label("One word for today").fill("tired")
    felt = page.get_by_role("group", name="Which did you feel?")
    felt.get_by_label("Calm").check()
    felt.get_by_label("Hopeful").check()
    tension.focus()
    page.keyboard.press("End")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("Value: 9.7")).to_be_visible()
    page.get_by_label("When did you last sleep well?").fill("2026-11-01")
    page.get_by_label("Bedtime last night").fill("22:30")
    screens.check("answer-page-3-every-item-type")


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until the target has the focus: the keyboard alone reaches it."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def answer_offline_with_the_keyboard(page: Page, context: BrowserContext, screens: Screens, title: str) -> None:
    """Offline, with the keyboard alone: the submission waits, then is sent once when back online."""
    page.get_by_role("link", name=title).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    context.set_offline(True)
    yes = page.get_by_role("group", name="Feeling OK?").get_by_label("Yes")
    tab_to(page, yes)
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    tab_to(page, page.get_by_role("slider", name="How calm are you?"))
    page.keyboard.press("End")
    tab_to(page, page.get_by_label("In a word?"))
    page.keyboard.type("fine")
    tab_to(page, page.get_by_role("button", name="Submit"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are offline")).to_be_visible()
    screens.check("to-do-offline-queued")
    context.set_offline(False)
    expect(page.get_by_text("Your answers given offline were sent.")).to_be_visible()


def client_screens(page: Page, screens: Screens, title: str) -> None:
    page.get_by_role("link", name="Completed").click()
    expect(page.get_by_role("heading", name="Completed")).to_be_visible()
    expect(page.get_by_text(title)).to_be_visible()
    screens.check("history")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    screens.check("notifications")
    page.get_by_role("link", name="Reminders").click()
    page.get_by_label("No reminders during quiet hours").check()
    page.get_by_label("Time zone").select_option("Europe/Madrid")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    screens.check("preferences")
    page.get_by_role("link", name="My data").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert download.value.suggested_filename == "interlude-export.json"
    screens.check("export")


def installable(playwright: Playwright, url: str, profile: Path) -> None:
    """Chromium finds nothing against installing the app (manifest, icons, service worker).

    In a browser profile of its own: Playwright's usual contexts are incognito, where Chromium
    offers no installing at all.
    """
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=["--no-sandbox"])
    page = context.new_page()
    page.goto(f"{url}/app/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    session = context.new_cdp_session(page)
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [] and "icon-512.png" in manifest["data"], manifest
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    context.close()


def reload_offline(page: Page, context: BrowserContext, plug: Plug, screens: Screens, open_title: str) -> None:
    """Reloaded without a network, the app comes from the service worker's cache with the to-do list it kept."""
    page.get_by_role("link", name="To do").click()
    expect(page.get_by_role("link", name=open_title)).to_be_visible()
    assert page.url.endswith("/app/"), page.url  # inside the service worker's scope
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    plug.unplug()
    page.reload()
    context.set_offline(True)  # the browser notices too
    expect(page.get_by_role("status")).to_contain_text("You are offline")
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    expect(page.get_by_role("link", name=open_title)).to_be_visible()
    screens.check("to-do-reloaded-offline")
    plug.plug_in()
    context.set_offline(False)
    # The connection back: the session is restored from the refresh cookie, no signing in again.
    expect(page.get_by_role("link", name="Completed")).to_be_visible()
    expect(page.get_by_text("You are offline")).to_have_count(0)


def redeem_invitation(browser: Browser, url: str, code: str, screens: Screens) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.goto(f"{url}/app/invitations/{code}")
    screens.page = page
    page.get_by_label("New password").fill("a-new-client-pass")
    page.get_by_label("Repeat the password").fill("a-new-client-pass")
    screens.check("invitation")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    context.close()


def main(gateway: str, title: str, artefacts: Path, offline_title: str, code: str, open_title: str) -> None:
    plug = Plug(int(urlparse(gateway).port or 80))
    url = plug.url
    artefacts.mkdir(parents=True, exist_ok=True)
    for old in artefacts.glob("*.png"):
        old.unlink()
    csp_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
        page = context.new_page()
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        scripts: set[str] = set()
        page.on("request", lambda r: scripts.add(urlparse(r.url).path) if r.resource_type == "script" else None)
        screens = Screens(page, artefacts)
        page.goto(f"{url}/app/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        screens.check("sign-in")
        sign_in(page)
        expect(page.get_by_role("heading", name="To do")).to_be_visible()
        item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))
        expect(item).to_contain_text("Due")
        screens.check("to-do")
        item.get_by_role("link", name=title).click()
        answer(page, screens, title)
        expect(page.get_by_role("heading", name="To do")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("your answers were sent")
        expect(page.get_by_role("link", name=title)).to_have_count(0)
        screens.check("to-do-after-submitting")
        answer_offline_with_the_keyboard(page, context, screens, offline_title)
        client_screens(page, screens, title)
        reload_offline(page, context, plug, screens, open_title)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page.reload()  # signed out: the cookie was revoked and cleared, nothing restores the session
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        redeem_invitation(browser, url, code, screens)
        browser.close()
        with tempfile.TemporaryDirectory() as profile:
            installable(playwright, url, Path(profile))
    assert csp_errors == [], csp_errors
    print(json.dumps({"screens": screens.checked, "scripts": sorted(scripts)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
