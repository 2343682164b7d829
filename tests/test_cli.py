"""The ``klik`` commands, run with click's test runner on real files and a real database."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher import db
from matcher.cli import cli
from matcher.db import EmbeddingRow, ProfileRow

ORGS = [
    {
        "id": "groen",
        "name": "Stichting Groene Stad",
        "kind": "charity",
        "country": "NL",
        "mission": "Wij vergroenen versteende wijken samen met bewoners.",
        "seeks": ["plantmateriaal", "vrijwilligers"],
        "relationships": ["bouw"],
    },
    {
        "id": "bouw",
        "name": "Bouwbedrijf Van Dam",
        "kind": "company",
        "country": "NL",
        "mission": "Wij bouwen betaalbare, klimaatbestendige woningen.",
        "offers": ["groene daken"],
    },
    {
        "id": "river",
        "name": "River Trust",
        "kind": "charity",
        "country": "GB",
        "mission": "We restore rivers and wetlands with local communities.",
    },
]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def klik(runner, url, *args, **kwargs):
    return runner.invoke(cli, ["--database-url", url, *args], catch_exceptions=False, **kwargs)


@pytest.fixture
def orgs_file(tmp_path):
    path = tmp_path / "orgs.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in ORGS), encoding="utf-8")
    return path


@pytest.fixture
def loaded(runner, url, orgs_file):
    assert klik(runner, url, "init-db").exit_code == 0
    result = klik(runner, url, "import", str(orgs_file))
    assert result.exit_code == 0, result.output
    return url


def count(url, table=ProfileRow):
    engine = db.make_engine(url)
    with Session(engine) as session:
        n = session.scalar(select(func.count()).select_from(table))
    engine.dispose()
    return n


def test_every_command_has_help(runner):
    for args in (
        ["--help"],
        ["init-db", "-h"],
        ["import", "-h"],
        ["profiles", "list", "-h"],
        ["profiles", "show", "-h"],
        ["profiles", "delete", "-h"],
        ["embed", "-h"],
        ["shortlist", "-h"],
        ["serve", "-h"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "Usage:" in result.output, args


def test_import_list_show_delete(runner, loaded):
    out = klik(runner, loaded, "import", "--help").output
    assert "--skip-invalid" in out
    listed = json.loads(klik(runner, loaded, "profiles", "list", "--format", "json").output)
    assert listed["total"] == 3
    assert {p["id"]: p["language"] for p in listed["profiles"]} == {
        "groen": "nl",
        "bouw": "nl",
        "river": "en",
    }
    shown = klik(runner, loaded, "profiles", "show", "groen")
    assert "Stichting Groene Stad" in shown.output and "bouw (current)" in shown.output
    assert klik(runner, loaded, "profiles", "delete", "groen", "--yes").exit_code == 0
    assert count(loaded) == 2


def test_delete_asks_first(runner, loaded):
    result = klik(runner, loaded, "profiles", "delete", "groen", input="n\n")
    assert result.exit_code == 1 and count(loaded) == 3


def test_a_bad_row_imports_nothing(runner, loaded, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "naam;soort;missie\nA;bedrijf;Iets doen\nB;ruimteschip;Iets anders\n", encoding="utf-8"
    )
    result = klik(runner, loaded, "import", str(bad))
    assert result.exit_code == 1
    assert "row 3" in result.output and "soort" in result.output
    assert (
        result.output.strip()
        .splitlines()[-1]
        .startswith("Error: bad.csv: 1 bad row(s); nothing was imported")
    )
    assert count(loaded) == 3
    result = klik(runner, loaded, "import", str(bad), "--skip-invalid")
    assert (
        result.exit_code == 0
        and "1 created" in result.output
        and "1 bad row(s) skipped" in result.output
    )
    assert count(loaded) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profiles", "show", "nope"], "Error: no profile with id 'nope'"),
        (["profiles", "delete", "nope", "--yes"], "Error: no profile with id 'nope'"),
        (["shortlist", "--for", "nope"], "Error: 'nope' is neither a stored profile id nor a file"),
    ],
)
def test_unknown_ids_give_one_line(runner, loaded, args, message):
    result = klik(runner, loaded, *args)
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_unsupported_file_gives_one_line(runner, loaded, tmp_path):
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = klik(runner, loaded, "import", str(pdf))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "list.pdf" in result.output


def test_uninitialised_database_is_explained(runner, url, orgs_file):
    result = klik(runner, url, "import", str(orgs_file))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: the database is not initialised or is out of date: run `klik init-db`"
    )


def test_embed_twice_embeds_nothing_the_second_time(runner, loaded, embedder):
    first = klik(runner, loaded, "embed")
    assert first.exit_code == 0, first.output
    n = count(loaded, EmbeddingRow)
    assert n > 3 and f"{n} text(s) embedded for 3 profile(s)" in first.output
    second = klik(runner, loaded, "embed")
    assert second.exit_code == 0
    assert f"0 text(s) embedded for 0 profile(s), {n} unchanged" in second.output
    assert count(loaded, EmbeddingRow) == n


def test_shortlist_text_and_json(runner, loaded, embedder, tmp_path):
    assert klik(runner, loaded, "embed", "--quiet").exit_code == 0

    def ranked(for_, *options):
        args = ["shortlist", "--similarity-only", "--for", for_, "--format", "json", *options]
        return [c["id"] for c in json.loads(klik(runner, loaded, *args).output)["candidates"]]

    text = klik(runner, loaded, "shortlist", "--similarity-only", "--for", "groen", "--top", "2")
    assert text.exit_code == 0 and "Shortlist for Stichting Groene Stad" in text.output
    everyone = ranked("groen")
    assert everyone and "groen" not in everyone
    assert ranked("groen", "--country", "GB") == ["river"]
    assert "bouw" not in ranked("groen", "--exclude-partners")
    strategy = tmp_path / "strategy.txt"
    strategy.write_text("We want to restore wetlands and rivers together with communities.")
    assert ranked(str(strategy))[0] == "river"


def test_shortlist_and_screen_of_stored_profiles_load_no_embedding_model(
    runner, loaded, embedder, monkeypatch
):
    """Their vectors and statement vectors are stored: no model is loaded (seconds saved)."""
    import matcher.cli.base

    assert klik(runner, loaded, "embed", "--quiet").exit_code == 0
    shortlist = ["shortlist", "--for", "groen", "--format", "json"]
    screen = ["screen", "--host", "groen", "--request", "bouw", "--format", "json"]
    first = [klik(runner, loaded, *args) for args in (shortlist, screen)]  # caches statements
    assert all(r.exit_code == 0 for r in first), [r.output for r in first]

    def no_model(model):
        raise AssertionError("the embedding model was loaded")

    monkeypatch.setattr(matcher.cli.base, "_embedder", no_model)
    again = [klik(runner, loaded, *args) for args in (shortlist, screen)]
    assert [json.loads(r.output) for r in again] == [json.loads(r.output) for r in first]
    strategy_file = loaded.removeprefix("sqlite:///") + ".txt"
    with open(strategy_file, "w", encoding="utf-8") as fh:
        fh.write("We restore rivers.")
    with pytest.raises(AssertionError, match="was loaded"):  # a text has to be encoded
        klik(runner, loaded, "shortlist", "--for", strategy_file)


def test_shortlist_rejects_a_bad_profile_file(runner, loaded, tmp_path):
    bad = tmp_path / "us.json"
    bad.write_text('{"name": "Us"}')
    result = klik(runner, loaded, "shortlist", "--for", str(bad))
    assert result.exit_code == 1
    assert (
        result.output.startswith("Error: us.json: not a valid profile")
        and len(result.output.splitlines()) == 1
    )


def test_dutch_excel_prospect_list_imports(runner, url):
    from pathlib import Path

    prospects = Path(__file__).parents[1] / "data" / "demo" / "prospects_nl.csv"
    assert klik(runner, url, "init-db").exit_code == 0
    result = klik(runner, url, "import", str(prospects))
    assert result.exit_code == 0, result.output
    assert "25 created" in result.output
    listed = json.loads(
        klik(runner, url, "profiles", "list", "--format", "json", "--limit", "100").output
    )
    names = [p["name"] for p in listed["profiles"]]
    assert any(ch in "".join(names) for ch in "éëïöü")  # cp1252 decoded, not mangled
