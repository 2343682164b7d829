"""The web pages with Flask's test client: every page, and the errors a person can make.

Each error must read as a sentence on a page (never a JSON blob or a stack
trace) and leave the database as it was. The browser test
(``test_web_browser.py``) drives the same pages in Chromium.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_demo
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api.web.charts import facet_bars, histogram
from matcher import jobs
from matcher.click_model import ClickRecommender
from matcher.db import BatchJobRow, ProfileRow
from matcher.features import FEATURES
from matcher.workspaces import create_key, revoke_key

ROOT = Path(__file__).parents[1]
PROSPECTS = ROOT / "data" / "demo" / "prospects_nl.csv"
TEMPLATES = ROOT / "api" / "web" / "templates" / "web"
FOSSIL = (
    "Noordkaap Olie & Gas B.V. wil met u samenwerken. Wij winnen olie en aardgas op de "
    "Noordzee en zoeken partners om onze logistiek te vergroenen."
)
COURIERS = {
    "name": "Groene Fietskoeriers",
    "kind": "company",
    "language": "nl",
    "country": "nl",
    "city": "Utrecht",
    "mission": "Wij bezorgen pakketten emissievrij in de binnenstad.",
    "vision": "Een gezonde stad zonder vervuilende bestelbusjes.",
    "goals": "Emissievrije stadslogistiek\nGoed werk voor koeriers",
    "offers": "Emissievrije bezorging",
    "seeks": "Financiering voor elektrische bakfietsen",
    "red_lines": "Geen samenwerking met fossiele brandstofbedrijven",
}


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "klik.db"
    engine = copy_demo(demo_db, path)
    with Session(engine) as session:
        keys = {name: create_key(session, name)[1] for name in ("acme", "rival", "leaving")}
        session.commit()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{path}",
            "MAX_CONTENT_LENGTH": 256 * 1024,
        }
    )
    yield app, engine, keys
    app.extensions["klik.engine"].dispose()
    engine.dispose()


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def _signed_in(site, workspace: str):
    app, _, keys = site
    client = app.test_client()
    token = _token(client.get("/signin").text)
    response = client.post("/signin", data={"key": keys[workspace], "csrf_token": token})
    assert response.status_code == 302
    return client


def _post(client, url: str, data: dict, **kwargs):
    """POST a form the way a browser does: with the token from the page it was on."""
    token = _token(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def _text(page: str) -> str:
    """What a person reads: the page without tags, entities decoded."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _count(engine, table) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.fixture(scope="module")
def acme(site):
    client = _signed_in(site, "acme")
    response = _post(client, "/profiles/new", COURIERS)
    assert response.status_code == 302, _text(response.text)
    return client


def _couriers_id(client) -> str:
    found = re.search(
        r"/profiles/(groene-fietskoeriers-[0-9a-f]+)/edit", client.get("/profiles").text
    )
    assert found
    return found.group(1)


# Signing in ------------------------------------------------------------------------------


def test_every_page_asks_for_a_key_first(site):
    client = site[0].test_client()
    for url in ("/partners", "/screen", "/lists", "/profiles", "/profiles/new"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/signin")
    assert "Please sign in first" in _text(client.get("/signin").text)


def test_a_wrong_or_empty_key_is_refused_with_a_sentence(site):
    client = site[0].test_client()
    token = _token(client.get("/signin").text)
    wrong = client.post("/signin", data={"key": "nope", "csrf_token": token})
    assert wrong.status_code == 401
    assert "We don't know this key" in _text(wrong.text) and "{" not in _text(wrong.text)
    empty = client.post("/signin", data={"key": " ", "csrf_token": token})
    assert empty.status_code == 400 and "Enter your workspace key" in empty.text


def test_a_revoked_key_signs_the_person_out_with_a_message(site):
    _, engine, _ = site
    client = _signed_in(site, "leaving")
    assert client.get("/partners").status_code == 200
    with Session(engine) as session:
        assert revoke_key(session, "leaving", site[2]["leaving"]) == 1
        session.commit()
    response = client.get("/partners")
    assert response.status_code == 302 and response.location.startswith("/signin")
    assert "revoked or has expired" in _text(client.get("/signin").text)


def test_a_form_without_its_token_is_refused_as_expired(site):
    client = _signed_in(site, "rival")
    before = _count(site[1], ProfileRow)
    response = client.post("/profiles/new", data=COURIERS)
    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert _count(site[1], ProfileRow) == before


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/", "/\\evil.test/", "evil.test", ""]
)
def test_signin_does_not_redirect_off_the_site(site, target):
    app, _, keys = site
    client = app.test_client()
    token = _token(client.get("/signin").text)
    response = client.post(
        "/signin", data={"key": keys["rival"], "csrf_token": token, "next": target}
    )
    assert response.location == "/partners"


def test_signing_out_forgets_the_key(site):
    client = _signed_in(site, "rival")
    token = _token(client.get("/partners").text)
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/partners").status_code == 302


# Language --------------------------------------------------------------------------------


def test_the_interface_follows_the_browser_and_the_switch(site):
    client = site[0].test_client()
    assert "Werkruimtesleutel" in client.get("/signin", headers={"Accept-Language": "nl"}).text
    assert "Workspace key" in client.get("/signin", headers={"Accept-Language": "en"}).text
    client.get("/language/nl")
    page = client.get("/signin", headers={"Accept-Language": "en"}).text
    assert "Werkruimtesleutel" in page and '<html lang="nl">' in page


# Profiles --------------------------------------------------------------------------------


def test_an_empty_profile_is_refused_naming_what_to_fill_in(site):
    client = _signed_in(site, "rival")
    before = _count(site[1], ProfileRow)
    response = _post(client, "/profiles/new", {"name": "Leeg"})
    assert response.status_code == 422
    text = _text(response.text)
    assert "The profile was not saved" in text and "fill in at least the mission" in text
    assert 'aria-invalid="true"' in response.text
    bad_country = _post(client, "/profiles/new", {**COURIERS, "country": "Nederland"})
    assert bad_country.status_code == 422 and 'id="err-country"' in bad_country.text
    assert _count(site[1], ProfileRow) == before


def test_a_profile_is_created_edited_and_keeps_every_facet(site, acme):
    profile_id = _couriers_id(acme)
    form = acme.get(f"/profiles/{profile_id}/edit").text
    for value in ("Emissievrije stadslogistiek\nGoed werk voor koeriers", "Utrecht", "NL"):
        assert value in form
    edited = _post(
        acme, f"/profiles/{profile_id}/edit", {**COURIERS, "culture": "Open en eerlijk."}
    )
    assert edited.status_code == 302
    assert "Open en eerlijk." in acme.get(f"/profiles/{profile_id}/edit").text
    again = _post(acme, "/profiles/new", COURIERS)
    assert again.status_code == 409
    assert "already have a profile with this name" in _text(again.text)


def test_partners_are_kept_as_relationships_and_can_be_left_out(site, acme):
    form = {**COURIERS, "name": "Fietskoeriers Noord", "partners": "en-tipping-point-climate\n"}
    created = _post(acme, "/profiles/new", form)
    assert created.status_code == 302
    profile_id = created.location.split("for=")[1]
    assert "en-tipping-point-climate" in acme.get(f"/profiles/{profile_id}/edit").text
    shown = acme.get("/partners", query_string={"for": profile_id, "top": "20"}).text
    left_out = acme.get(
        "/partners", query_string={"for": profile_id, "top": "20", "exclude_partners": "1"}
    ).text
    assert "Tipping Point" in shown and "Tipping Point" not in left_out


def test_a_profile_can_be_deleted_by_its_workspace_only(site, acme):
    created = _post(acme, "/profiles/new", {**COURIERS, "name": "Tijdelijk Profiel"})
    profile_id = created.location.split("for=")[1]
    rival = _signed_in(site, "rival")
    token = _token(rival.get("/profiles").text)
    refused = rival.post(f"/profiles/{profile_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 404
    before = _count(site[1], ProfileRow)
    token = _token(acme.get(f"/profiles/{profile_id}/edit").text)
    deleted = acme.post(f"/profiles/{profile_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert _count(site[1], ProfileRow) == before - 1
    assert "Profile Tijdelijk Profiel deleted" in _text(acme.get("/profiles").text)
    assert acme.get(f"/profiles/{profile_id}/edit").status_code == 404


def test_another_workspace_cannot_open_our_profile(site, acme):
    rival = _signed_in(site, "rival")
    response = rival.get(f"/profiles/{_couriers_id(acme)}/edit")
    assert response.status_code == 404
    assert "This page does not exist" in response.text and "Groene" not in response.text


# Find partners ---------------------------------------------------------------------------


def test_find_partners_shows_explained_cards_with_both_directions(acme):
    page = acme.get("/partners", query_string={"for": _couriers_id(acme), "top": "5"}).text
    assert page.count('class="card"') == 5
    for words in ("They fit us", "We fit them", "Show the explanation", "Why:"):
        assert words in page
    assert page.count("<svg") == 5 and "Match per facet, against a typical candidate" in page


def test_find_partners_applies_the_filters(acme):
    page = acme.get(
        "/partners", query_string={"for": _couriers_id(acme), "kind": "company", "top": "10"}
    ).text
    kinds = re.findall(r'<p class="muted">([A-Za-z ]+?)(?:,|</p>)', page)
    assert kinds and set(kinds) == {"Company"}


def test_find_partners_can_rank_by_profile_fit(acme):
    ask = {"for": _couriers_id(acme), "top": "5"}
    by_click = acme.get("/partners", query_string=ask).text
    by_fit = acme.get("/partners", query_string={**ask, "rank_by": "similarity"}).text
    assert "Ranked by profile fit" in by_fit and "Ranked by profile fit" not in by_click
    assert '<option value="similarity" selected>' in by_fit
    assert by_fit.count('class="card"') == 5 and "They fit us" in by_fit
    names = [re.findall(r'class="rank">\d+\.</span> ([^<]+)</h3>', p) for p in (by_click, by_fit)]
    assert names[0] != names[1]


def test_find_partners_for_an_unknown_profile_is_a_page_not_a_blob(acme):
    response = acme.get("/partners", query_string={"for": "nobody"})
    assert response.status_code == 404 and response.mimetype == "text/html"


# Screening -------------------------------------------------------------------------------


def test_a_fossil_request_is_declined_for_our_red_line(acme):
    response = _post(acme, "/screen", {"host": _couriers_id(acme), "request_text": FOSSIL})
    assert response.status_code == 200
    text = _text(response.text)
    assert "Verdict: Decline" in text
    assert "Geen samenwerking met fossiele brandstofbedrijven" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"request_text": ""}, "Paste the request's text or upload a file"),
        ({"request_text": "Hallo daar"}, "too short to screen"),
        ({"request_text": '{"name": "X", "kind": "spaceship"}'}, "The JSON profile is not valid"),
        ({"request_text": '{"name": '}, "The JSON profile is not valid"),
        (
            {"request_file": (io.BytesIO(b"\x00\x01"), "request.pdf")},
            "Upload the request as a text file",
        ),
    ],
)
def test_a_request_that_cannot_be_screened_gets_a_sentence(acme, data, message):
    response = _post(
        acme,
        "/screen",
        {"host": _couriers_id(acme), **data},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in _text(response.text)


def test_a_request_can_be_uploaded_as_a_file(acme):
    response = _post(
        acme,
        "/screen",
        {"host": _couriers_id(acme), "request_file": (io.BytesIO(FOSSIL.encode()), "req.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Verdict: Decline" in _text(response.text)


# Rank a list -----------------------------------------------------------------------------


def _upload(client, host: str, name: str, content: bytes):
    return _post(
        client,
        "/lists",
        {"host": host, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "We can't read this file"),
        ("empty.csv", b"", "We can't read this file"),
        ("bad.csv", b"name,kind\nGoed,company\nSlecht,spaceship\n", "nothing was queued"),
        ("header.csv", b"name,kind\n", "no prospects"),
    ],
)
def test_a_wrong_list_gets_a_sentence_and_queues_nothing(site, acme, name, content, message):
    before = _count(site[1], BatchJobRow)
    response = _upload(acme, _couriers_id(acme), name, content)
    assert response.status_code == 422
    assert message in _text(response.text)
    assert _count(site[1], BatchJobRow) == before


def test_no_file_chosen_gets_a_sentence(acme):
    response = _post(
        acme, "/lists", {"host": _couriers_id(acme)}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Choose a file to upload" in _text(response.text)


def test_too_large_a_file_gets_a_page_naming_the_limit(site, acme):
    before = _count(site[1], BatchJobRow)
    response = _upload(acme, _couriers_id(acme), "big.csv", b"name\n" + b"x" * 300_000)
    assert response.status_code == 413
    assert "The file is too large: the maximum is 1 MB" in _text(response.text)
    assert _count(site[1], BatchJobRow) == before


def test_a_list_is_ranked_followed_and_downloaded(site, acme, embedder):
    _, engine, _ = site
    response = _upload(acme, _couriers_id(acme), "prospects_nl.csv", PROSPECTS.read_bytes())
    assert response.status_code == 302
    job_url = response.location
    page = acme.get(job_url).text
    assert "<progress" in page and "0 of 25 ranked" in page and "waiting for a worker" in page
    status = acme.get(f"{job_url}/status").json
    assert status["status"] == "queued" and status["total"] == 25
    assert acme.get(f"{job_url}/download?format=csv").status_code == 404  # not ranked yet

    model = ClickRecommender.load(ROOT / "models" / "click")
    jobs.work(sessionmaker(engine), embedder, model, once=True, chunk=10)

    done = acme.get(job_url).text
    assert "Download the result" in done and "Distribution of the click" in done
    assert acme.get(f"{job_url}/status").json["finished"] is True
    download = acme.get(f"{job_url}/download?format=csv")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith('prospects_nl-ranked.csv"')
    lines = download.data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 26 and lines[0].startswith("rank,id,name")
    assert "prospects_nl.csv" in acme.get("/lists").text  # listed among recent lists

    rival = _signed_in(site, "rival")
    assert rival.get(job_url).status_code == 404
    assert rival.get(f"{job_url}/download?format=csv").status_code == 404


def test_a_queued_list_can_be_cancelled(site, acme):
    response = _upload(acme, _couriers_id(acme), "prospects_nl.csv", PROSPECTS.read_bytes())
    job_url = response.location
    token = _token(acme.get(job_url).text)
    assert acme.post(f"{job_url}/cancel", data={"csrf_token": token}).status_code == 302
    assert acme.get(f"{job_url}/status").json["status"] == "cancelled"


# The pages themselves --------------------------------------------------------------------


def test_unknown_pages_are_pages_and_the_api_stays_json(site):
    client = site[0].test_client()
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"
    unauthorised = client.get("/api/v1/profiles")
    assert unauthorised.status_code == 401 and unauthorised.json["error"]["field"]


def test_the_pages_load_nothing_from_other_sites(site):
    client = site[0].test_client()
    for asset in ("klik.css", "progress.js"):
        with client.get(f"/assets/{asset}") as response:
            assert response.status_code == 200
    for template in TEMPLATES.glob("*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text()), template.name


def test_every_text_has_both_languages():
    from api.web.texts import TEXTS

    assert all(set(entry) == {"nl", "en"} for entry in TEXTS.values())


# Charts ----------------------------------------------------------------------------------


def test_facet_bars_compare_with_the_typical_candidate():
    row = [float("nan")] * len(FEATURES)
    typical = list(row)
    row[FEATURES.index("sim_vision")], typical[FEATURES.index("sim_vision")] = 0.90, 0.86
    row[FEATURES.index("sim_culture")], typical[FEATURES.index("sim_culture")] = 0.70, 0.86
    bars = {b.label: b for b in facet_bars(np.array(row), np.array(typical))}
    assert set(bars) == {"bar_vision", "bar_culture"}  # facets one side lacks are left out
    assert bars["bar_vision"].fraction == pytest.approx(0.04 / 0.08)
    assert bars["bar_culture"].fraction == -1.0  # clipped
    assert facet_bars(None, None) == []


def test_the_histogram_has_round_bins_holding_every_click():
    bins = histogram([0.05, 0.3, 0.7, None, 0.7])
    assert [b.high - b.low for b in bins] == pytest.approx([0.1] * 10)
    assert sum(b.count for b in bins) == 4
    assert histogram([12.0, 55.0])[-1].high == 100.0
    assert histogram([]) == []
