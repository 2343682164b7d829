"""Batch ranking of a prospect list: every prospect once, best first, verdicts and
reasons, red lines declined, and files written whole or not at all."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from matcher.batch import rank_prospects
from matcher.cli import cli
from matcher.click_model import ClickRecommender
from matcher.importers import parse_file
from matcher.profiles import Profile
from matcher.shortlist import resolve_query

ROOT = Path(__file__).parents[1]
PROSPECTS = ROOT / "data" / "demo" / "prospects_nl.csv"
DEMO = ROOT / "data" / "demo" / "profiles.jsonl"


@pytest.fixture(scope="module")
def model():
    return ClickRecommender.load(ROOT / "models" / "click")


def _demo(profile_id: str) -> Profile:
    for line in DEMO.read_text().splitlines():
        if f'"id": "{profile_id}"' in line:
            profile = Profile.model_validate(json.loads(line))
            profile.id = f"prospect-{profile_id}"
            return profile
    raise KeyError(profile_id)


def test_every_prospect_ranked_once_best_first(demo_db, embedder, model):
    prospects = [p for _, p in parse_file(PROSPECTS).profiles]
    prospects.append(_demo("en-harcourt-tobacco"))
    stages = []
    with Session(demo_db) as session:
        host = resolve_query(session, "nl-stichting-vrije-adem")
        ranked = rank_prospects(
            session,
            embedder,
            model,
            host,
            prospects,
            progress=lambda stage, done, total: stages.append((stage, done, total)),
        )
    assert [p.rank for p in ranked] == list(range(1, len(prospects) + 1))
    assert sorted(p.profile.name for p in ranked) == sorted(p.name for p in prospects)
    assert all(p.profile.id for p in ranked)  # prospects without an id get one
    clicks = [p.click for p in ranked]
    assert clicks == sorted(clicks, reverse=True)
    assert {p.verdict for p in ranked} <= {"accept", "explore", "decline"}
    tobacco = next(p for p in ranked if p.profile.id == "prospect-en-harcourt-tobacco")
    assert tobacco.verdict == "decline" and "tabaksindustrie" in tobacco.reasons
    assert tobacco.record()["red_lines"].startswith("Geen samenwerking met de tabaksindustrie")
    assert stages[-1] == ("score", len(prospects), len(prospects))
    assert any(stage == "embed" for stage, _, _ in stages)


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_cli_rank_writes_every_prospect(demo_db, tmp_path, suffix):
    out = tmp_path / f"ranked.{suffix}"
    url = demo_db.url.render_as_string()
    args = ["--database-url", url, "rank", str(PROSPECTS), "--for", "en-tipping-point-climate"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    frame = {
        "csv": lambda: pd.read_csv(out, encoding="utf-8-sig"),
        "xlsx": lambda: pd.read_excel(out),
        "json": lambda: pd.read_json(out),
    }[suffix]()
    assert len(frame) == 25 and list(frame["rank"]) == list(range(1, 26))
    assert {"click", "they_fit_us", "we_fit_them", "verdict", "reasons"} <= set(frame.columns)
    assert frame["reasons"].str.len().min() > 0
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    [
        (lambda d: d / "missing.csv", [], "missing.csv"),
        (lambda d: _write(d / "bad.csv", "naam;soort\n;bedrijf\n"), [], "1 bad row(s)"),
        (lambda d: _write(d / "empty.csv", "naam;soort\n"), [], "no prospects"),
        (lambda d: PROSPECTS, ["--for", "nobody"], "'nobody' is neither"),
    ],
)
def test_cli_rank_bad_input(demo_db, tmp_path, setup, extra, message):
    source = setup(tmp_path)
    out = tmp_path / "out" / "ranked.csv"
    url = demo_db.url.render_as_string()
    args = ["--database-url", url, "rank", str(source), "--out", str(out), "--quiet"]
    args += extra or ["--for", "en-tipping-point-climate"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_cli_rank_refuses_an_unknown_output_type(demo_db, tmp_path):
    url = demo_db.url.render_as_string()
    args = ["--database-url", url, "rank", str(PROSPECTS), "--for", "en-tipping-point-climate"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "ranked.pdf")])
    assert result.exit_code == 1 and "use .csv, .xlsx or .json" in result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
