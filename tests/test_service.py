"""The service over the demo directory: profiles per workspace, shortlists, screening and
feedback, each bad input answered in the one error shape with the database unchanged."""

import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_demo
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api.openapi import OPERATIONS
from matcher import jobs
from matcher.click_model import ClickRecommender
from matcher.db import BatchJobRow, EmbeddingRow, FeedbackRow, ProfileRow
from matcher.workspaces import create_key

TOBACCO_TEXT = (
    "Harbour Leaf Ltd. We manufacture cigarettes and heated tobacco and would like to sponsor "
    "your lung health campaign."
)


@pytest.fixture(scope="module")
def service(demo_db, tmp_path_factory, embedder):
    """A copy of the demo database with two workspaces, and the app over it."""
    path = tmp_path_factory.mktemp("service") / "klik.db"
    engine = copy_demo(demo_db, path)
    with Session(engine) as session:
        keys = {name: create_key(session, name)[1] for name in ("acme", "rival")}
        session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    yield app, engine, keys
    app.extensions["klik.engine"].dispose()
    engine.dispose()


def _client(service, workspace: str):
    app, _, keys = service
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys[workspace]}"
    return client


@pytest.fixture
def acme(service):
    return _client(service, "acme")


@pytest.fixture
def rival(service):
    return _client(service, "rival")


def _counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table))
            for table in (ProfileRow, EmbeddingRow, FeedbackRow)
        )


RIVERS = {
    "id": "rivers",
    "name": "Schone Rivieren",
    "kind": "charity",
    "country": "NL",
    "mission": "Wij halen plastic uit rivieren voordat het de zee bereikt.",
    "seeks": ["Koelketenlogistiek voor het vervoer van verse voedseloverschotten"],
}


def test_a_workspace_creates_reads_updates_and_deletes_its_profile(acme, rival, service):
    _, engine, _ = service
    created = acme.post("/api/v1/profiles", json=RIVERS)
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith("/api/v1/profiles/rivers")
    assert created.get_json()["id"] == "rivers"
    assert acme.get("/api/v1/profiles/rivers").get_json()["shared"] is False
    listed = acme.get("/api/v1/profiles?q=rivieren").get_json()
    assert [i["id"] for i in listed["items"]] == ["rivers"]
    # The other workspace neither sees nor touches it; it may have its own "rivers".
    assert rival.get("/api/v1/profiles/rivers").status_code == 404
    assert rival.get("/api/v1/profiles?q=rivieren").get_json()["total"] == 0
    assert rival.put("/api/v1/profiles/rivers", json=RIVERS).status_code == 404
    assert rival.delete("/api/v1/profiles/rivers").status_code == 404
    assert rival.post("/api/v1/profiles", json=RIVERS).status_code == 201
    assert rival.delete("/api/v1/profiles/rivers").status_code == 204
    # It is embedded at once: a shortlist for it works straight away.
    found = acme.post("/api/v1/shortlist", json={"for": "rivers", "top": 3, "explain": False})
    assert found.status_code == 200 and len(found.get_json()["candidates"]) == 3
    updated = acme.put("/api/v1/profiles/rivers", json={**RIVERS, "name": "Schone Rivieren NL"})
    assert updated.status_code == 200 and updated.get_json()["name"] == "Schone Rivieren NL"
    assert acme.post("/api/v1/profiles", json=RIVERS).status_code == 409
    before = _counts(engine)
    assert acme.delete("/api/v1/profiles/rivers").status_code == 204
    after = _counts(engine)
    assert after[0] == before[0] - 1 and after[1] < before[1]  # its vectors went with it
    assert acme.get("/api/v1/profiles/rivers").status_code == 404


def test_the_shared_directory_is_read_only(acme):
    assert acme.get("/api/v1/profiles/nl-stichting-vrije-adem").get_json()["shared"] is True
    response = acme.put("/api/v1/profiles/nl-stichting-vrije-adem", json=RIVERS)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "read_only"
    assert acme.delete("/api/v1/profiles/nl-stichting-vrije-adem").status_code == 403


def test_shortlist_returns_both_directions_and_explanations(acme):
    response = acme.post(
        "/api/v1/shortlist", json={"for": "nl-voedselhulp-domstad", "top": 5, "lang": "en"}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["ranked_by"] == "click" and len(data["candidates"]) == 5
    for candidate in data["candidates"]:
        assert {"click", "they_fit_us", "we_fit_them", "explanation"} <= set(candidate)
        assert candidate["explanation"]["lang"] == "en"


def test_shortlist_ranked_by_profile_fit_keeps_the_click(acme):
    ask = {"for": "nl-voedselhulp-domstad", "top": 5, "explain": False}
    by_fit = acme.post("/api/v1/shortlist", json={**ask, "rank_by": "similarity"}).get_json()
    assert by_fit["ranked_by"] == "similarity"
    similarities = [c["similarity"] for c in by_fit["candidates"]]
    assert similarities == sorted(similarities, reverse=True)
    assert all(c["they_fit_us"] is not None for c in by_fit["candidates"])


def test_shortlist_for_an_inline_profile_with_filters(acme):
    response = acme.post(
        "/api/v1/shortlist",
        json={"profile": RIVERS, "top": 3, "filters": {"kinds": ["company"]}, "explain": False},
    )
    assert response.status_code == 200
    assert {c["kind"] for c in response.get_json()["candidates"]} == {"company"}


def test_screening_declines_a_red_line_request(acme):
    response = acme.post(
        "/api/v1/screen", json={"host": "nl-stichting-vrije-adem", "request_text": TOBACCO_TEXT}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "decline" and "tabaksindustrie" in data["headline"]
    assert data["explanation"]["conflicting"][0]["kind"] == "red_line"


def test_feedback_is_recorded(acme, service):
    _, engine, _ = service
    before = _counts(engine)[2]
    response = acme.post(
        "/api/v1/feedback",
        json={
            "for": "nl-voedselhulp-domstad",
            "candidate": "en-polar-route-logistics",
            "outcome": "click",
            "note": "Called them, good fit.",
        },
    )
    assert response.status_code == 201 and response.get_json()["outcome"] == "click"
    assert _counts(engine)[2] == before + 1


def test_a_workspace_lists_its_own_feedback_only(acme, rival):
    for outcome in ("contacted", "partnered"):
        response = acme.post(
            "/api/v1/feedback",
            json={
                "for": "nl-goedemorgen-buur",
                "candidate": "en-debt-free-youth",
                "outcome": outcome,
            },
        )
        assert response.status_code == 201
    listed = acme.get("/api/v1/feedback", query_string={"for": "nl-goedemorgen-buur"}).get_json()
    assert listed["total"] == 2
    assert [i["outcome"] for i in listed["items"]] == ["partnered", "contacted"]  # newest first
    assert {i["candidate"] for i in listed["items"]} == {"en-debt-free-youth"}
    page = acme.get("/api/v1/feedback", query_string={"limit": 1, "offset": 1}).get_json()
    assert len(page["items"]) == 1 and page["total"] >= 2
    assert rival.get("/api/v1/feedback").get_json()["total"] == 0
    assert rival.get("/api/v1/feedback?limit=0").status_code == 400
    assert acme.get("/api/v1/feedback?for=nobody").status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "field"),
    [
        ("post", "/api/v1/shortlist", {}, 422, None),
        ("post", "/api/v1/shortlist", {"for": "nobody"}, 404, "for"),
        ("post", "/api/v1/shortlist", {"for": "nl-goedemorgen-buur", "top": 0}, 422, "top"),
        ("post", "/api/v1/shortlist", {"for": "nl-goedemorgen-buur", "top": "five"}, 422, "top"),
        ("post", "/api/v1/shortlist", {"for": "nl-goedemorgen-buur", "lang": "fr"}, 422, "lang"),
        (
            "post",
            "/api/v1/shortlist",
            {"for": "nl-goedemorgen-buur", "rank_by": "luck"},
            422,
            "rank_by",
        ),
        ("post", "/api/v1/shortlist", {"for": "x", "colour": "red"}, 422, "colour"),
        ("post", "/api/v1/shortlist", [1, 2], 400, "body"),
        ("post", "/api/v1/screen", {"host": "nl-goedemorgen-buur"}, 422, None),
        ("post", "/api/v1/screen", {"host": "nobody", "request_text": TOBACCO_TEXT}, 404, "host"),
        ("post", "/api/v1/feedback", {"for": "nl-goedemorgen-buur"}, 422, "candidate"),
        (
            "post",
            "/api/v1/feedback",
            {"for": "nl-goedemorgen-buur", "candidate": "nobody", "outcome": "click"},
            404,
            "candidate",
        ),
        (
            "post",
            "/api/v1/feedback",
            {"for": "nl-goedemorgen-buur", "candidate": "en-debt-free-youth", "outcome": "maybe"},
            422,
            "outcome",
        ),
        ("post", "/api/v1/profiles", {"name": ""}, 422, "name"),
        ("post", "/api/v1/profiles", {"name": "No text"}, 422, None),
        ("post", "/api/v1/profiles", {"name": "X", "mission": "m", "id": "ws:1:x"}, 422, "id"),
        ("post", "/api/v1/profiles", {"name": "X", "mission": 5}, 422, "mission"),
        ("get", "/api/v1/profiles/nobody", None, 404, "id"),
    ],
)
def test_bad_input_answers_the_error_shape_and_changes_nothing(
    acme, service, method, url, payload, status, field
):
    _, engine, _ = service
    before = _counts(engine)
    response = getattr(acme, method)(url, json=payload)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "field"} and error["message"]
    if field is not None:
        assert error["field"] == field
    assert _counts(engine) == before


def test_a_body_that_is_not_json(acme):
    response = acme.post("/api/v1/shortlist", data="for=x", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "body"


def test_an_oversized_body_is_refused(service, acme):
    app, engine, _ = service
    before = _counts(engine)
    huge = {"name": "Big", "description": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    response = acme.post("/api/v1/profiles", json=huge)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert _counts(engine) == before


def test_openapi_describes_every_route_with_the_validating_schemas(service, acme):
    app, _, _ = service
    document = app.test_client().get("/api/v1/openapi.json").get_json()  # no key needed
    routes = {
        (method.lower(), rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert described == routes
    for method, path, _, model, _, _ in OPERATIONS:
        if model is not None:
            ref = document["paths"][path][method]["requestBody"]["content"]["application/json"]
            name = ref["schema"]["$ref"].rsplit("/", 1)[1]
            assert name == model.__name__ and name in document["components"]["schemas"]


PROSPECTS = Path(__file__).parents[1] / "data" / "demo" / "prospects_nl.csv"


def _upload(client, content: bytes, name: str = "prospects.csv", **form):
    data = {"file": (io.BytesIO(content), name), "for": "en-tipping-point-climate", **form}
    return client.post("/api/v1/batches", data=data, content_type="multipart/form-data")


def test_a_batch_is_queued_worked_and_fetched(acme, rival, service, embedder):
    _, engine, _ = service
    response = _upload(acme, PROSPECTS.read_bytes())
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["status"] == "queued" and job["total"] == 25 and job["done"] == 0
    assert response.headers["Location"] == job["status_url"]
    assert acme.get(job["result_url"]).status_code == 409  # not ready
    assert rival.get(job["status_url"]).status_code == 404  # another workspace's
    model = ClickRecommender.load(Path(__file__).parents[1] / "models" / "click")
    jobs.work(sessionmaker(engine), embedder, model, once=True, chunk=10)
    status = acme.get(job["status_url"]).get_json()
    assert status["status"] == "done" and status["done"] == 25 and status["rate"] > 0
    ranked = acme.get(job["result_url"] + "?format=json").get_json()
    assert [r["rank"] for r in ranked] == list(range(1, 26))
    assert {"click", "they_fit_us", "we_fit_them", "verdict", "reasons"} <= set(ranked[0])
    csv = acme.get(job["result_url"] + "?format=csv")
    assert csv.mimetype == "text/csv" and len(csv.data.decode("utf-8-sig").splitlines()) == 26
    xlsx = acme.get(job["result_url"] + "?format=xlsx")
    assert len(pd.read_excel(io.BytesIO(xlsx.data))) == 25
    assert "prospects-ranked.xlsx" in xlsx.headers["Content-Disposition"]
    assert acme.get(job["result_url"] + "?format=pdf").status_code == 400


def test_a_batch_can_be_cancelled(acme):
    job = _upload(acme, PROSPECTS.read_bytes()).get_json()
    cancelled = acme.post(job["status_url"] + "/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert acme.get(job["result_url"]).status_code == 409


@pytest.mark.parametrize(
    ("content", "name", "form", "status", "field"),
    [
        (b"naam;soort\n;bedrijf\n", "bad.csv", {}, 422, "file"),
        (b"naam;soort\n", "empty.csv", {}, 422, "file"),
        (b"%PDF-1.4", "list.pdf", {}, 422, "file"),
        (b"{not json", "list.json", {}, 422, "file"),
        (b"naam\nAcme\n", "ok.csv", {"for": "nobody"}, 404, "for"),
        (b"naam\nAcme\n", "ok.csv", {"lang": "fr"}, 422, "lang"),
    ],
)
def test_a_bad_batch_upload_queues_nothing(acme, service, content, name, form, status, field):
    _, engine, _ = service
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(BatchJobRow))
    response = _upload(acme, content, name, **form)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["field"] == field
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(BatchJobRow)) == before


def test_a_batch_needs_a_file(acme):
    response = acme.post("/api/v1/batches", data={"for": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "file"


def _import(client, content: bytes, name: str, **form):
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post("/api/v1/profiles/import", data=data, content_type="multipart/form-data")


def test_a_dutch_excel_csv_imports_into_the_workspace(acme, rival):
    response = _import(acme, PROSPECTS.read_bytes(), "prospects_nl.csv")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 25 and response.get_json()["skipped"] == []
    listed = acme.get("/api/v1/profiles?q=Zuivel").get_json()
    assert listed["total"] == 1 and listed["items"][0]["shared"] is False
    assert rival.get("/api/v1/profiles?q=Zuivel").get_json()["total"] == 0
    again = _import(acme, PROSPECTS.read_bytes(), "prospects_nl.csv").get_json()
    assert again["created"] == 0 and again["unchanged"] == 25


def test_an_import_with_a_bad_row_imports_nothing_unless_told(acme, service):
    _, engine, _ = service
    content = b"naam;soort;missie\nGoed Doel A;goed doel;Wij helpen.\n;bedrijf;x\n"
    before = _counts(engine)
    refused = _import(acme, content, "bad.csv")
    assert refused.status_code == 422
    assert "row 3, naam" in refused.get_json()["error"]["message"]
    assert _counts(engine) == before
    partial = _import(acme, content, "bad.csv", skip_invalid="true")
    assert partial.status_code == 201 and partial.get_json()["created"] == 1
    assert partial.get_json()["skipped"][0]["row"] == 3


def test_another_workspaces_batch_cannot_be_cancelled_or_fetched(acme, rival):
    job = _upload(acme, PROSPECTS.read_bytes()).get_json()
    for response in (
        rival.post(job["status_url"] + "/cancel"),
        rival.get(job["result_url"]),
        rival.get(job["status_url"]),
    ):
        assert response.status_code == 404 and response.get_json()["error"]["field"] == "id"
    assert acme.get(job["status_url"]).get_json()["status"] == "queued"


def test_a_bad_replacement_changes_nothing(acme, service):
    _, engine, _ = service
    assert acme.post("/api/v1/profiles", json={**RIVERS, "id": "keep"}).status_code == 201
    before = _counts(engine)
    for payload, field in (
        ({"name": "X", "mission": 5}, "mission"),
        ({**RIVERS, "id": "other"}, "id"),
    ):
        response = acme.put("/api/v1/profiles/keep", json=payload)
        assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    assert _counts(engine) == before
    assert acme.get("/api/v1/profiles/keep").get_json()["name"] == RIVERS["name"]


def test_a_workspaces_partners_never_change_another_workspaces_clicks(acme, rival):
    """Partner counts come from the shared directory: acme's own relationships count for
    acme's queries only."""
    ask = {"for": "en-codebridge-schools", "top": 10, "explain": False}
    before = rival.post("/api/v1/shortlist", json=ask).get_json()["candidates"]
    partners = [c["id"] for c in before[:3]]
    created = acme.post(
        "/api/v1/profiles",
        json={
            "id": "partner-hub",
            "name": "Partner Hub",
            "mission": "We connect schools, coders and charities in digital inclusion.",
            "relationships": [{"partner": p} for p in partners],
        },
    )
    assert created.status_code == 201
    after = rival.post("/api/v1/shortlist", json=ask).get_json()["candidates"]
    assert [(c["id"], c["click"]) for c in after] == [(c["id"], c["click"]) for c in before]

    own = acme.post(
        "/api/v1/shortlist",
        json={
            "for": "partner-hub",
            "top": 20,
            "explain": False,
            "filters": {"exclude_partners": True},
        },
    ).get_json()["candidates"]
    assert own and not set(partners) & {c["id"] for c in own}
    with_partners = acme.post(
        "/api/v1/shortlist", json={"for": "partner-hub", "top": 20, "explain": False}
    ).get_json()["candidates"]
    assert set(partners) <= {c["id"] for c in with_partners}  # known as its partners
