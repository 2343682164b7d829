"""The web pages in a real headless Chromium (Debian's ``chromium``), against the real server.

One person's path through Klik: sign in, create a profile, get a shortlist, open an
explanation, screen a request that is declined for a red line, upload a list, watch
it being ranked and download the result; then the same pages in Dutch on a phone.
Screenshots go to ``KLIK_SCREENSHOTS`` when it is set.

Skipped when Chromium is not installed, unless ``KLIK_REQUIRE_BROWSER`` is set (CI).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_demo
from servers import Stack, serve
from sqlalchemy.orm import Session

from matcher.workspaces import create_key

ROOT = Path(__file__).parents[1]
PROSPECTS = ROOT / "data" / "demo" / "prospects_nl.csv"
CHROMIUM = os.environ.get("KLIK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: As the machines' notes advise: no sandbox (root), and none of Chromium's own network calls.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FOSSIL_REQUEST = (
    "Noordkaap Olie & Gas B.V. wil met u samenwerken. Wij winnen olie en aardgas op de "
    "Noordzee en zoeken partners om onze logistiek te vergroenen."
)

if not Path(CHROMIUM).is_file():
    if os.environ.get("KLIK_REQUIRE_BROWSER"):
        raise RuntimeError(f"KLIK_REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory) -> Iterator[tuple[Stack, str]]:
    path = tmp_path_factory.mktemp("web") / "klik.db"
    engine = copy_demo(demo_db, path)
    with Session(engine) as session:
        key = create_key(session, "browser")[1]
        session.commit()
    engine.dispose()
    with serve(path) as stack:
        stack.start_worker("--chunk", "5", "--poll", "0.2")
        _add_profile(stack.root, key, SEEDED)
        yield stack, key


#: A profile of the workspace's own, so each test can ask for partners.
SEEDED = {
    "id": "buurtzorg-samen",
    "name": "Buurtzorg Samen",
    "kind": "charity",
    "language": "nl",
    "country": "NL",
    "mission": "Wij helpen ouderen langer zelfstandig thuis te wonen.",
    "vision": "Een buurt waarin niemand eenzaam is.",
    "goals": ["Minder eenzaamheid onder ouderen", "Vrijwilligers in elke wijk"],
    "seeks": ["Vrijwilligers", "Financiering voor coördinatoren"],
    "offers": ["Kennis van ouderenzorg"],
}


def _add_profile(root: str, key: str, profile: dict) -> None:
    request = urllib.request.Request(
        f"{root}/api/v1/profiles",
        data=json.dumps(profile).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 201


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("KLIK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _sign_in(page, root: str, key: str) -> None:
    page.goto(f"{root}/")
    page.get_by_label("Workspace key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_a_person_finds_screens_and_ranks(site, browser, tmp_path):
    stack, key = site
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)  # the first shortlist loads the models

    # Sign in: a wrong key is refused with a message, the right one lets the person in.
    page.goto(f"{stack.root}/")
    _shot(page, "01-signin")
    page.get_by_label("Workspace key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("We don't know this key")
    page.get_by_label("Workspace key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("heading", name="Find partners")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop is the link past the menu to the content
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"

    # Our profile: an empty one is refused, naming what is missing; a real one is saved.
    page.get_by_role("link", name="Our profile").click()
    page.get_by_role("link", name="New profile").click()
    page.get_by_label("Name *").fill("Groene Fietskoeriers")
    page.get_by_role("button", name="Save profile").click()
    sync_api.expect(page.locator(".field-error")).to_contain_text("at least the mission")
    page.get_by_label("Kind of organisation").select_option("company")
    page.get_by_label("Language of the profile").select_option("nl")
    page.get_by_label("Country (two letters, e.g. NL)").fill("NL")
    page.get_by_label("City").fill("Utrecht")
    page.get_by_label("Mission").fill("Wij bezorgen pakketten emissievrij in de binnenstad.")
    page.get_by_label("Vision").fill("Een gezonde stad zonder vervuilende bestelbusjes.")
    page.get_by_label("Culture").fill("Informeel, eerlijk en zelforganiserend.")
    page.get_by_label("Goals").fill("Emissievrije stadslogistiek\nGoed werk voor koeriers")
    page.get_by_label("What we offer").fill("Emissievrije bezorging\nLogistiek advies")
    page.get_by_label("What we seek").fill("Financiering voor elektrische bakfietsen")
    page.get_by_label("Red lines").fill("Geen samenwerking met fossiele brandstofbedrijven")
    _shot(page, "02-profile-form")
    page.get_by_role("button", name="Save profile").click()

    # Find partners: cards with both directions of the click, a chart, and an explanation.
    sync_api.expect(page.get_by_role("status").first).to_contain_text("Profile saved")
    cards = page.locator("li.card")
    sync_api.expect(cards.first).to_be_visible()
    assert cards.count() == 5
    first = cards.first
    sync_api.expect(first.locator("dl.click")).to_contain_text("They fit us")
    sync_api.expect(first.locator("dl.click")).to_contain_text("We fit them")
    sync_api.expect(first.locator("svg[role=img]")).to_have_count(1)
    first.locator("summary").focus()  # the explanation opens from the keyboard too
    page.keyboard.press("Enter")
    explanation = first.locator(".explanation")
    sync_api.expect(explanation).to_be_visible()
    sync_api.expect(explanation.locator("h4").first).to_be_visible()
    _shot(page, "03-shortlist")

    # Screen a request from an oil and gas producer: declined for our red line.
    page.get_by_role("link", name="Screen a request").click()
    assert page.locator("#host option:checked").inner_text() == "Groene Fietskoeriers"
    page.get_by_label("The request (paste its text or a JSON profile)").fill(FOSSIL_REQUEST)
    page.get_by_role("button", name="Screen").click()
    verdict = page.locator(".verdict")
    sync_api.expect(verdict).to_contain_text("Decline")
    sync_api.expect(page.locator(".interests.conflicting")).to_contain_text(
        "Geen samenwerking met fossiele brandstofbedrijven"
    )
    _shot(page, "04-screen-declined")

    # Rank a list: a wrong file gets a clear message; the demo prospects are ranked.
    page.get_by_role("link", name="Rank a list").click()
    wrong = tmp_path / "notes.pdf"
    wrong.write_bytes(b"%PDF-1.4 not a list")
    page.get_by_label("File (CSV, XLSX, JSON or JSONL)").set_input_files(str(wrong))
    page.get_by_role("button", name="Rank the list").click()
    sync_api.expect(page.locator("#page-error")).to_contain_text("We can't read this file")
    page.get_by_label("File (CSV, XLSX, JSON or JSONL)").set_input_files(str(PROSPECTS))
    page.get_by_role("button", name="Rank the list").click()
    sync_api.expect(page.locator("#job-bar")).to_be_visible()
    _shot(page, "05-list-progress")
    sync_api.expect(page.get_by_role("heading", name="Download the result")).to_be_visible(
        timeout=300_000
    )
    sync_api.expect(page.locator("figure.histogram svg")).to_have_count(1)
    _shot(page, "06-list-done")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 25
    assert [int(r["rank"]) for r in rows] == list(range(1, 26))
    context.close()


def test_the_pages_in_dutch_on_a_phone(site, browser):
    stack, key = site
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{stack.root}/")
    page.get_by_label("Werkruimtesleutel").fill(key)
    page.get_by_role("button", name="Aanmelden").click()
    sync_api.expect(page.get_by_role("heading", name="Partners zoeken")).to_be_visible()
    page.get_by_role("link", name="Lijst rangschikken").click()
    sync_api.expect(page.get_by_role("heading", name="Lijst rangschikken")).to_be_visible()
    page.get_by_role("link", name="In English").click()
    sync_api.expect(page.get_by_role("heading", name="Rank a list")).to_be_visible()
    page.get_by_role("link", name="In het Nederlands").click()
    page.get_by_role("link", name="Partners zoeken").click()
    page.get_by_label("Voor profiel").select_option("buurtzorg-samen")
    page.get_by_role("button", name="Zoek partners").click()
    card = page.locator("li.card").first
    sync_api.expect(card).to_be_visible()
    card.get_by_text("Toon de uitleg").click()
    sync_api.expect(card.locator(".explanation h4").first).to_be_visible()
    sync_api.expect(card.locator("p.why")).to_contain_text("Waarom")
    # The page fits the phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    _shot(page, "07-phone-dutch")
    context.close()
