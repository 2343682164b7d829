import pytest
from sqlalchemy.orm import Session

from api import create_app
from api.errors import ApiError, BadRequest, NotFound, error_body
from matcher import store
from matcher.profiles import Profile
from matcher.workspaces import create_key, revoke_key


@pytest.fixture
def app(engine, database_url):
    with Session(engine) as session:
        store.save_profiles(
            session,
            [
                Profile(
                    id="a",
                    name="Alpha Foundation",
                    kind="charity",
                    country="NL",
                    mission="Clean rivers.",
                ),
                Profile(
                    id="b",
                    name="Beta BV",
                    kind="company",
                    country="BE",
                    offers=["river monitoring"],
                ),
            ],
        )
        _, key = create_key(session, "tests")
        session.commit()
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    app.config["TEST_KEY"] = key

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/boom")
    def boom_page():
        raise RuntimeError("secret internals")

    yield app
    app.extensions["klik.engine"].dispose()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_KEY']}"
    return client


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "an API key is required"),
        ("Basic dXNlcjpwdw==", "an API key is required"),
        ("Bearer klik_not-a-key", "unknown or revoked API key"),
    ],
)
def test_requests_need_a_live_key(app, header, message):
    headers = {"Authorization": header} if header else {}
    response = app.test_client().get("/api/v1/profiles", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["field"] == "Authorization"
    assert message in response.get_json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working(app, engine, client):
    assert client.get("/api/v1/profiles").status_code == 200
    with Session(engine) as session:
        assert revoke_key(session, "tests", app.config["TEST_KEY"]) == 1
        session.commit()
    assert client.get("/api/v1/profiles").status_code == 401


def test_health_needs_no_key(app):
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_health(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "profiles": 2}


def test_health_reports_an_unusable_database(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/never-initialised.db"}
    )
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_list_and_get_profiles(client):
    body = client.get("/api/v1/profiles?kind=company").get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == "b"
    profile = client.get("/api/v1/profiles/a").get_json()
    assert profile["name"] == "Alpha Foundation" and profile["mission"] == "Clean rivers."


@pytest.mark.parametrize(
    ("url", "status", "code", "field"),
    [
        ("/api/v1/profiles/nope", 404, "not_found", "id"),
        ("/api/v1/profiles?limit=abc", 400, "bad_request", "limit"),
        ("/api/v1/profiles?limit=0", 400, "bad_request", "limit"),
        ("/api/v1/no-such-route", 404, "not_found", None),
    ],
)
def test_errors_have_one_json_shape(client, url, status, code, field):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code and body["error"]["field"] == field
    assert body["error"]["message"]


def test_method_not_allowed_uses_the_shape(client):
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_unexpected_errors_do_not_leak_internals(client):
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == error_body(
        "internal_error", "an unexpected error occurred; it has been logged"
    )
    assert b"secret" not in response.data and b"Traceback" not in response.data
    page = client.get("/boom")  # off the API, a person reads a page
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert b"Something unexpected went wrong" in page.data
    assert b"secret" not in page.data and b"Traceback" not in page.data


def test_error_classes_carry_their_status():
    assert issubclass(BadRequest, ApiError) and BadRequest.status == 400
    assert NotFound("x", field="id").field == "id" and NotFound.status == 404


def test_config_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KLIK_DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("KLIK_MAX_CONTENT_LENGTH", "1024")
    app = create_app()
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024
