"""The link worker's pages in a real browser (Chromium driven by Playwright) against a live server.

One Chromium for the session, a fresh context (cookies, storage) per test. Data comes from the JSON API
through the `client` fixture; the queue is filtered by a source unique to each test, since the database
is shared with the other tests. Full-page screenshots land in build/screenshots/; the desktop referral
page is also copied to docs/screenshots/referral.png for the README.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from service.web.render import LABEL_NAMES

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

RISKY = "Recently bereaved. Told the nurse she has been stockpiling tablets and sees no point going on."
CALM = "Would like to get out more and meet people, lives alone since moving here."
TWO_NEEDS = "Lonely since his wife died and £3,000 behind on council tax, bailiffs letters."
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2"> lonely'

# The note as a reader sees it: without the visually hidden "(evidence for ...)" added to each mark.
VISIBLE_NOTE_JS = """() => { const note = document.querySelector('#note').cloneNode(true);
  note.querySelectorAll('.visually-hidden').forEach(e => e.remove()); return note.textContent; }"""
RISK_MARKED_JS = """() => [...document.querySelectorAll('#note mark.risk[data-labels~="self_harm"]')]
  .map(m => { const c = m.cloneNode(true); c.querySelectorAll('.visually-hidden').forEach(e => e.remove());
              return c.textContent; }).join('')"""
UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !(el.labels.length > 0 || (el.getAttribute('aria-label') || '').trim()))
  .map(el => el.outerHTML.slice(0, 120))"""
OVERFLOW_JS = """() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  culprits: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : ''))})"""


# --- the browser and the live server ---------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium from Debian, installed by scripts/chromium.sh if missing: fails, never skips, without it."""
    script = str(ROOT / "scripts" / "chromium.sh")
    done = subprocess.run([script], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"scripts/chromium.sh could not provide chromium:\n{done.stderr}"
    executable = done.stdout.strip().splitlines()[-1]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(app, client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a real port. `client` has run the lifespan already, so uvicorn must not run it again."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert thread.is_alive() and time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def open_page(browser: Browser, live_url: str, tokens) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """open_page(role=None, phone=False): a page in a new context, signed in as `role` through the cookie.
    A JavaScript error on any page fails the test."""
    contexts, errors = [], []

    def open_(role: str | None = None, phone: bool = False) -> Page:
        context = browser.new_context(base_url=live_url, viewport=PHONE if phone else DESKTOP)
        context.set_default_timeout(10_000)
        if role:
            context.add_cookies([{"name": "triage_session", "value": getattr(tokens, role), "url": live_url,
                                  "httpOnly": True, "sameSite": "Strict"}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- data through the JSON API -----------------------------------------------------------------------

def unique(prefix: str = "bt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_referral(client, tokens, text: str, source: str | None = None,  # type: ignore[no-untyped-def]
                  **extra) -> dict:
    response = client.post("/v1/referrals", headers=tokens.header("link_worker"), json={
        "text": text, "source": source or unique(), "organisation": f"Browser Test {uuid.uuid4().hex[:8]}"} | extra)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session")
def calm_referral(client, tokens) -> dict:  # type: ignore[no-untyped-def]
    """A referral the read-only tests share (nobody changes it)."""
    return make_referral(client, tokens, CALM)


@pytest.fixture(scope="session")
def asset_id(client, tokens) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/v1/assets", params={"limit": 1}, headers=tokens.header("link_worker"))
    assert response.status_code == 200 and response.json()["items"], response.text
    return response.json()["items"][0]["id"]


def suggestion_ids(page: Page) -> list[str]:
    return page.locator("#suggestions li.suggestion").evaluate_all("cards => cards.map(c => c.dataset.asset)")


# --- the tests -----------------------------------------------------------------------------------------

def test_sign_in_through_the_form_lands_on_the_queue(open_page, live_url, tokens):
    page = open_page()
    page.goto("/")
    expect(page).to_have_url(f"{live_url}/login?next=%2F")
    shot(page, "login")
    token = page.get_by_label("Access token")
    expect(token).to_have_attribute("type", "password")
    token.fill(tokens.link_worker)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    expect(page.locator(".site-header")).to_contain_text("link worker")
    cookie = next(c for c in page.context.cookies() if c["name"] == "triage_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_wrong_token_is_refused_on_the_form(open_page, live_url):
    page = open_page()
    page.goto("/login")
    page.get_by_label("Access token").fill("tri_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    expect(page).to_have_url(f"{live_url}/login")
    assert not [c for c in page.context.cookies() if c["name"] == "triage_session"]


def test_a_risk_flagged_referral_is_first_with_the_banner(open_page, client, tokens):
    source = unique("risk-order")
    calm = make_referral(client, tokens, CALM, source)
    risky = make_referral(client, tokens, RISKY, source)
    assert not calm["urgent_review"] and risky["urgent_review"] and "self_harm" in risky["risk_flags"]
    page = open_page("link_worker")
    page.goto(f"/?source={source}")
    banner = page.locator(".banner.danger")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("1 referral flagged for urgent review")
    rows = page.locator("li.referral-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("referral-row urgent")
    expect(rows.nth(0).locator("a.row-link")).to_have_attribute("href", f"/referrals/{risky['id']}")
    expect(rows.nth(0).locator(".badge.danger")).to_contain_text("Urgent review: Risk of self-harm")
    expect(rows.nth(1).locator("a.row-link")).to_have_attribute("href", f"/referrals/{calm['id']}")
    expect(rows.nth(1)).not_to_have_class("referral-row urgent")
    expect(rows.nth(1).locator(".badge")).to_have_count(0)
    shot(page, "queue")


def test_the_referral_page_highlights_evidence(open_page, client, tokens):
    referral = make_referral(client, tokens, RISKY, source="gp", organisation="Castlemere Medical Practice", age=58,
                             referrer={"name": "Dr A. Example", "role": "GP"})  # the README screenshot
    needs = [n["need"] for n in referral["result"]["needs"]]
    assert needs and referral["risk_flags"] == ["self_harm"]
    page = open_page("link_worker")
    page.goto(f"/referrals/{referral['id']}")
    assert page.evaluate(VISIBLE_NOTE_JS) == RISKY  # the highlighting keeps the note word for word
    for need in needs:
        marks = page.locator(f'#note mark.evidence[data-labels~="{need}"]')
        assert marks.count() >= 1, f"no evidence marked for {need}"
    legend = page.locator(".legend li")
    expect(legend).to_have_count(len(needs) + 1)
    names = legend.all_inner_texts()
    for need, name in zip(needs, names):
        assert name.startswith(LABEL_NAMES[need]), (need, name)
    assert names[-1].startswith("Risk of self-harm or suicide")
    risk = page.locator('#note mark.risk[data-labels~="self_harm"]')
    assert risk.count() >= 1
    marked = page.evaluate(RISK_MARKED_JS)  # overlapping evidence spans split a phrase into adjacent marks
    assert "stockpiling tablets" in marked or "no point" in marked, marked
    expect(page.locator(".banner.danger")).to_contain_text("Risk of self-harm or suicide")
    path = shot(page, "referral")
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SHOTS / "referral.png")


def test_removing_a_need_changes_the_suggestions(open_page, client, tokens):
    referral = make_referral(client, tokens, TWO_NEEDS)
    assert {"loneliness", "debt"} <= set(referral["needs"]), referral["needs"]
    page = open_page("link_worker")
    page.goto(f"/referrals/{referral['id']}")
    before = suggestion_ids(page)
    assert before
    page.get_by_role("button", name="Remove need: Debt and money").click()
    expect(page.locator('#needs li.chip[data-need="debt"]')).to_have_count(0)
    expect(page.locator('#needs li.chip[data-need="loneliness"]')).to_have_count(1)
    expect(page.locator("#history")).to_contain_text("removed Debt and money")
    after = suggestion_ids(page)
    assert after and after != before
    assert page.locator("#add-need option[value=debt]").count() == 1  # it can be added back
    expect(page.locator(".hint", has_text="Set by a link worker")).to_be_visible()
    shot(page, "referral-need-removed")


def test_accepting_a_suggestion_changes_status_and_history(open_page, client, tokens):
    referral = make_referral(client, tokens, CALM)
    page = open_page("link_worker")
    page.goto(f"/referrals/{referral['id']}")
    expect(page.locator("#status")).to_have_text("New")
    card = page.locator("#suggestions li.suggestion").first
    asset = card.get_attribute("data-asset")
    card.get_by_role("button", name="Accept").click()
    expect(page.locator("#status")).to_have_text("In review")
    expect(page.locator("#history")).to_contain_text(f"accepted {asset}")
    card = page.locator(f'#suggestions li.suggestion[data-asset="{asset}"]')
    expect(card.locator(".decision-accepted")).to_contain_text("Accepted")
    stored = client.get(f"/v1/referrals/{referral['id']}", headers=tokens.header("link_worker")).json()
    assert stored["status"] == "in_review"
    shot(page, "referral-accepted")


def test_a_script_in_a_note_is_shown_as_text(open_page, client, tokens):
    referral = make_referral(client, tokens, XSS)
    page = open_page("link_worker")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/referrals/{referral['id']}")
    page.wait_for_load_state("load")
    assert page.evaluate(VISIBLE_NOTE_JS) == XSS
    expect(page.locator("#note")).to_contain_text("<script>window.__xss = 1</script>")
    assert page.locator("#note script, #note img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    shot(page, "referral-xss")


def test_a_link_worker_cannot_open_admin_pages(open_page, engine):
    worker = open_page("link_worker")
    for path in ("/admin/audit", "/admin/users", "/admin/model"):
        response = worker.goto(path)
        assert response is not None and response.status == 403, path
        expect(worker.get_by_role("heading", level=1)).to_have_text("Not allowed")
        expect(worker.locator("main")).to_contain_text("Your role (link worker) cannot open this page.")
    expect(worker.get_by_role("navigation", name="Main").get_by_role("link", name="Audit")).to_have_count(0)
    shot(worker, "admin-forbidden")
    admin = open_page("admin")
    for path, heading in (("/admin/audit", "Audit trail"), ("/admin/users", "Users")):
        response = admin.goto(path)
        assert response is not None and response.status == 200, path
        expect(admin.get_by_role("heading", level=1)).to_have_text(heading)
    expect(admin.locator("table tbody tr").first).to_be_visible()
    shot(admin, "admin-users")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Model").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Model")
    expect(admin.locator("dl.facts dd").first).to_have_text(engine.model_name)
    admin.get_by_role("button", name="Reload the champion").click()
    expect(admin.get_by_role("status")).to_contain_text("nothing changed")  # no registry in tests: the shipped model stays
    shot(admin, "admin-model")


def _pages(referral_id: str, asset: str) -> list[tuple[str, str]]:
    return [("queue", "/"), ("referral", f"/referrals/{referral_id}"), ("directory", "/directory"),
            ("asset", f"/directory/{asset}"), ("asset-form", f"/directory/{asset}/edit"),
            ("asset-new", "/directory/new"), ("dashboard", "/dashboard")]


def test_no_page_scrolls_sideways_at_phone_width(open_page, calm_referral, asset_id):
    page = open_page("link_worker", phone=True)
    overflowing = {}
    for name, path in [*_pages(calm_referral["id"], asset_id), ("audit", "/admin/audit")]:
        if name == "audit":
            page = open_page("admin", phone=True)
        response = page.goto(path)
        assert response is not None and response.ok, path
        size = page.evaluate(OVERFLOW_JS)
        assert size["innerWidth"] == PHONE["width"]
        if size["scrollWidth"] > size["innerWidth"]:
            overflowing[path] = size
        if name in ("queue", "referral", "directory", "asset-form", "dashboard"):
            shot(page, f"{name}-phone")
    login = open_page(phone=True)
    login.goto("/login")
    size = login.evaluate(OVERFLOW_JS)
    if size["scrollWidth"] > size["innerWidth"]:
        overflowing["/login"] = size
    shot(login, "login-phone")
    assert not overflowing, overflowing


def test_keyboard_skip_link_and_accepting_a_suggestion(open_page, client, tokens):
    referral = make_referral(client, tokens, CALM)
    page = open_page("link_worker")
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    page.goto(f"/referrals/{referral['id']}")
    first = page.locator("#suggestions li.suggestion").first
    name = first.locator("h3").inner_text()
    target = f"Accept {name}"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
    else:
        pytest.fail(f"tabbing never reached the button {target!r}")
    expect(first.get_by_role("button", name="Accept")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("In review")
    expect(page.locator("#history")).to_contain_text(f"accepted {first.get_attribute('data-asset')}")


def test_every_form_control_has_a_label(open_page, calm_referral, asset_id):
    page = open_page("link_worker")
    unlabelled = {}
    for _, path in _pages(calm_referral["id"], asset_id):
        page.goto(path)
        if missing := page.evaluate(UNLABELLED_JS):
            unlabelled[path] = missing
    admin = open_page("admin")
    for path in ("/admin/audit", "/admin/users"):
        admin.goto(path)
        if missing := admin.evaluate(UNLABELLED_JS):
            unlabelled[path] = missing
    login = open_page()
    login.goto("/login")
    if missing := login.evaluate(UNLABELLED_JS):
        unlabelled["/login"] = missing
    assert not unlabelled, unlabelled
    page.goto("/directory")
    shot(page, "directory")
    page.goto("/dashboard")
    shot(page, "dashboard")
    page.goto(f"/directory/{asset_id}/edit")
    shot(page, "asset-form")
