"""Evaluation on a tiny CORDIS benchmark: loading, metrics, rankings, splitting, the CLI.

The benchmark is 30 real organisations of ``data/cordis`` (10 organisations,
each with one new and one repeated H2020 partner) and every pair among them;
descriptions are cut short so that embedding stays fast.
"""

import csv
import json
import os
import random
import sys
import types
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from sqlalchemy.orm import Session

from matcher import db, evaluation
from matcher.baselines import PopularityRecommender, RandomRecommender, make_baselines
from matcher.cli import Failure, cli
from matcher.cli.base import _learned_model
from matcher.click_model import ClickRecommender
from matcher.evaluation import (
    BenchmarkError,
    EvaluationReport,
    RecommenderResult,
    evaluate,
    load_benchmark,
    read_partnerships,
    split_benchmark,
)
from matcher.features import FEATURES, KIND_PAIR
from matcher.recommender import Recommender

CORDIS = Path(__file__).resolve().parent.parent / "data" / "cordis"
DESCRIPTION_CHARS = 200


def read_pairs(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_benchmark(directory, organisations, partners, past):
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "organisations.jsonl").open("w", encoding="utf-8") as fh:
        for org in organisations:
            fh.write(json.dumps(org, ensure_ascii=False) + "\n")
    with (directory / "partners.csv").open("w", encoding="utf-8") as fh:
        fh.write("a,b,new\n" + "".join(f"{p['a']},{p['b']},{p['new']}\n" for p in partners))
    with (directory / "past_partners.csv").open("w", encoding="utf-8") as fh:
        fh.write("a,b\n" + "".join(f"{p['a']},{p['b']}\n" for p in past))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    partners = read_pairs(CORDIS / "partners.csv")
    past = read_pairs(CORDIS / "past_partners.csv")
    adjacent = defaultdict(dict)
    for p in partners:
        adjacent[p["a"]][p["b"]] = p["new"]
        adjacent[p["b"]][p["a"]] = p["new"]
    chosen: list[str] = []
    for query in random.Random(3).sample(sorted(adjacent), 40):
        if len(chosen) >= 30:
            break
        if query in chosen:
            continue
        new = [b for b, n in sorted(adjacent[query].items()) if n == "1" and b not in chosen]
        old = [b for b, n in sorted(adjacent[query].items()) if n == "0" and b not in chosen]
        if new and old:
            chosen += [query, new[0], old[0]]
    members = set(chosen)
    organisations = []
    with (CORDIS / "organisations.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            org = json.loads(line)
            if org["id"] in members:
                org["description"] = (org.get("description") or "")[:DESCRIPTION_CHARS]
                org["activities"] = org.get("activities", [])[:2]
                organisations.append(org)
    directory = tmp_path_factory.mktemp("tiny") / "benchmark"
    write_benchmark(
        directory,
        organisations,
        [p for p in partners if p["a"] in members and p["b"] in members],
        [p for p in past if p["a"] in members and p["b"] in members],
    )
    return directory


@pytest.fixture(scope="session")
def tiny(tiny_dir, embedder, tmp_path_factory):
    """The tiny benchmark as a population and its partnerships (embedded once)."""
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'bench.db'}")
    db.upgrade(engine)
    notes: list[str] = []
    with Session(engine) as session:
        population, partnerships = load_benchmark(tiny_dir, session, embedder, on_note=notes.append)
    engine.dispose()
    assert notes == []
    return population, partnerships


class Oracle(Recommender):
    """Knows the answers: partners of the query score 1 (new ones 2 when ``new_first``)."""

    name = "oracle"

    def __init__(self, partnerships, past_first=False):
        self.partners = defaultdict(set)
        for a, b in zip(partnerships.a.tolist(), partnerships.b.tolist(), strict=True):
            self.partners[a].add(b)
            self.partners[b].add(a)
        self.past_first = past_first

    def score(self, population, query, candidates):
        scores = np.isin(candidates, list(self.partners[query])).astype(float)
        if self.past_first:
            past = population.graph[query].toarray().ravel()
            scores = np.where(past[candidates] > 0, 10.0, scores)
        return scores


class Named(PopularityRecommender):
    name = "klik"


# --- loading --------------------------------------------------------------------------------


def test_load_benchmark(tiny, tiny_dir):
    population, partnerships = tiny
    assert len(population) == 30
    assert population.vectors["profile"].shape == (30, 384)
    pairs = read_pairs(tiny_dir / "partners.csv")
    assert len(partnerships) == len(pairs)
    assert int(partnerships.new.sum()) == sum(p["new"] == "1" for p in pairs)
    past = read_pairs(tiny_dir / "past_partners.csv")
    assert population.graph.nnz == 2 * len(past)
    # Every listed past partner is a relationship of the population.
    for p in past:
        i, j = population.index[p["a"]], population.index[p["b"]]
        assert population.graph[i, j] == 1


def test_read_partnerships_skips_and_counts_unknown_ids(tiny, tmp_path):
    population, _ = tiny
    a, b = population.ids[:2]
    path = tmp_path / "partners.csv"
    path.write_text(f"a,b,new\n{a},{b},1\n{b},{a},0\n{a},nobody,1\n\n{a},{a},1\n")
    partnerships, skipped = read_partnerships(path, population)
    assert skipped == 1
    assert len(partnerships) == 1  # one undirected pair; the self-pair is dropped
    assert partnerships.new.tolist() == [False]  # new only if every row says so


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("x,y\n1,2\n", "header"),
        ("a,b,new\n1,2,yes\n", "line 2: new must be 0 or 1"),
        ("a,b,new\n1,2\n", "line 2"),
    ],
)
def test_malformed_partners_file(tiny, tmp_path, content, message):
    path = tmp_path / "partners.csv"
    path.write_text(content)
    with pytest.raises(BenchmarkError, match=message):
        read_partnerships(path, tiny[0])


@pytest.mark.parametrize("missing", ["organisations.jsonl", "partners.csv", "past_partners.csv"])
def test_missing_file_is_one_line_error(tiny_dir, tmp_path, embedder, missing):
    directory = tmp_path / "bench"
    directory.mkdir()
    for name in ("organisations.jsonl", "partners.csv", "past_partners.csv"):
        if name != missing:
            (directory / name).write_bytes((tiny_dir / name).read_bytes())
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    db.upgrade(engine)
    with Session(engine) as session, pytest.raises(BenchmarkError, match=missing) as info:
        load_benchmark(directory, session, embedder)
    engine.dispose()
    assert "\n" not in str(info.value)


# --- evaluating -----------------------------------------------------------------------------


def test_baselines_report(tiny):
    population, partnerships = tiny
    report = evaluate(population, partnerships, make_baselines())
    names = ["random", "tfidf", "embedding", "popularity", "network"]
    assert [r.name for r in report.results] == names
    ends = set(partnerships.a.tolist()) | set(partnerships.b.tolist())
    assert len(report.queries_all) == len(ends)
    new_ends = set(partnerships.a[partnerships.new].tolist()) | set(
        partnerships.b[partnerships.new].tolist()
    )
    assert len(report.queries_new) == len(new_ends)
    for result in report.results:
        values = [*vars(result.all).values(), *vars(result.new).values()]
        assert all(0.0 <= v <= 1.0 for v in values), (result.name, values)
        assert result.per_query_all.shape == (len(report.queries_all), 3)
        assert result.per_query_new.shape == (len(report.queries_new), 3)
    # With the past-partner bonus, the network finds the repeated partners on "all".
    assert report["network"].all.ndcg > report["random"].all.ndcg
    table = report.format_table()
    assert all(name in table for name in names)
    assert "NDCG@10 all" in table and "R@50 new" in table and "*" in table


def test_oracle_is_perfect(tiny):
    population, partnerships = tiny
    report = evaluate(population, partnerships, [Oracle(partnerships)])
    result = report["oracle"]
    for metrics in (result.all, result.new):
        assert metrics.ndcg == pytest.approx(1.0)
        assert metrics.mrr == pytest.approx(1.0)
        assert metrics.recall == pytest.approx(1.0)  # nobody has more than 50 partners here


def test_past_partners_are_filtered_from_new(tiny):
    """Past partners ranked first cost nothing on "new": they are taken out of the ranking."""
    population, partnerships = tiny
    report = evaluate(population, partnerships, [Oracle(partnerships, past_first=True)])
    result = report["oracle"]
    assert result.new.ndcg == pytest.approx(1.0)
    assert result.new.mrr == pytest.approx(1.0)
    # On "all", the past partners that are not partners again push real partners down.
    assert result.all.ndcg < 1.0


def test_queries_limit_who_is_ranked_for_not_who_is_ranked(tiny):
    population, partnerships = tiny
    everyone = evaluate(population, partnerships, [RandomRecommender()])
    asked = everyone.queries_all[::2]
    report = evaluate(population, partnerships, [RandomRecommender()], queries=asked)
    assert report.queries_all.tolist() == asked.tolist()
    assert set(report.queries_new.tolist()) == set(everyone.queries_new.tolist()) & set(
        asked.tolist()
    )
    # The same queries score as in the full run: every other member is still a candidate.
    kept = np.isin(everyone.queries_all, asked)
    np.testing.assert_allclose(
        report["random"].per_query_all, everyone["random"].per_query_all[kept]
    )


def test_by_past_partners_groups_queries_by_their_past_partners():
    """Hand-set per-query NDCG: each group's figure is the mean of its own queries."""
    report = EvaluationReport(
        10,
        50,
        6,
        9,
        queries_all=np.array([0, 1, 2, 3, 4]),
        queries_new=np.array([1, 4]),
        past_partners=np.array([0, 1, 2, 7, 60, 3]),
    )
    rows_all = np.array([[0.1, 0, 0], [0.2, 0, 0], [0.4, 0, 0], [0.8, 0, 0], [0.5, 0, 0]])
    report.results.append(
        RecommenderResult("klik", rows_all, np.array([[0.3, 0, 0], [0.9, 0, 0]]), 0)
    )
    lines = report.format_by_past_partners(edges=(0, 1, 3, 51)).splitlines()
    table = {line.split()[0]: line.split()[1:] for line in lines[3:]}
    # 0: query 0; 1-2: queries 1 and 2 (new: query 1); 3-50: query 3 (no new); 51+: query 4.
    assert table == {
        "0": ["1", "0.100", "nan"],
        "1-2": ["2", "0.300", "0.300"],
        "3-50": ["1", "0.800", "nan"],
        "51+": ["1", "0.500", "0.900"],
    }
    assert "klik all" in lines[1] and "klik new" in lines[1]
    with pytest.raises(ValueError, match="rise from 0"):
        report.format_by_past_partners(edges=(1, 3))
    with pytest.raises(ValueError, match="no past-partner counts"):
        EvaluationReport(10, 50, 6, 9, np.array([0]), np.array([0])).format_by_past_partners()


def test_by_past_partners_from_evaluate(tiny):
    population, partnerships = tiny
    report = evaluate(population, partnerships, [RandomRecommender()])
    assert report.past_partners.tolist() == list(population.degree)
    lines = report.format_by_past_partners().splitlines()[3:]
    assert sum(int(line.split()[1]) for line in lines) == len(report.queries_all)


def test_k_settings_and_duplicate_names(tiny):
    population, partnerships = tiny
    report = evaluate(population, partnerships, [RandomRecommender()], k_ndcg=5, k_recall=20)
    assert report.columns()[0] == "NDCG@5 all" and report.columns()[1] == "R@20 all"
    with pytest.raises(ValueError, match="distinct"):
        evaluate(population, partnerships, [RandomRecommender(1), RandomRecommender(2)])


def read_rankings(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rankings_out(tiny, tmp_path):
    population, partnerships = tiny
    out = tmp_path / "rankings.jsonl"
    report = evaluate(
        population,
        partnerships,
        [RandomRecommender(), Named(), Oracle(partnerships)],
        rankings_out=out,
    )
    lines = read_rankings(out)
    assert [line["query"] for line in lines] == [population.ids[q] for q in report.queries_all]
    popularity = population.degree
    for line in lines:
        ranked = line["ranked"]
        assert line["query"] not in ranked
        assert len(ranked) == len(set(ranked)) == len(population) - 1  # fewer than 100: all
        # The "klik" ranker's list is written (popularity), past partners included.
        degrees = [popularity[population.index[i]] for i in ranked]
        assert degrees == sorted(degrees, reverse=True)


def test_rankings_out_holds_the_depth_once_past_partners_are_filtered(tiny, tmp_path, monkeypatch):
    """Past partners ranked on top do not crowd out new candidates from the written list."""
    monkeypatch.setattr(evaluation, "RANKINGS_DEPTH", 3)
    population, partnerships = tiny
    out = tmp_path / "rankings.jsonl"
    evaluate(population, partnerships, [Named()], rankings_out=out)
    graph = sp.csr_matrix(population.graph)
    lengths = []
    for line in read_rankings(out):
        q = population.index[line["query"]]
        past = {population.ids[i] for i in graph[q].indices}
        fresh = [i not in past for i in line["ranked"]]
        # The shortest prefix of the ranking that is at least 3 long and holds 3 ids that
        # are not past partners (or all of those there are).
        assert len(fresh) >= 3 and sum(fresh) == min(3, len(population) - 1 - len(past))
        assert len(fresh) == 3 or fresh[-1]
        lengths.append(len(fresh))
    assert max(lengths) > 3  # some query's past partners rank among its first three


def test_rankings_depth_counts_ids_that_are_not_past_partners(monkeypatch):
    monkeypatch.setattr(evaluation, "RANKINGS_DEPTH", 2)
    ranked = np.array([4, 1, 3, 0, 2])
    assert evaluation._rankings_depth(ranked, np.array([], dtype=np.int32), 5) == 2
    assert evaluation._rankings_depth(ranked, np.array([4, 1], dtype=np.int32), 5) == 4
    assert evaluation._rankings_depth(ranked, np.array([1, 3], dtype=np.int32), 5) == 4
    assert evaluation._rankings_depth(ranked, np.array([4, 1, 3, 0], dtype=np.int32), 5) == 5


def test_rankings_out_first_ranker_without_klik(tiny, tmp_path):
    population, partnerships = tiny
    out = tmp_path / "rankings.jsonl"
    evaluate(
        population, partnerships, [Oracle(partnerships), RandomRecommender()], rankings_out=out
    )
    oracle = Oracle(partnerships)
    for line in read_rankings(out):
        q = population.index[line["query"]]
        top = {population.index[i] for i in line["ranked"][: len(oracle.partners[q])]}
        assert top == oracle.partners[q]


# --- splitting ------------------------------------------------------------------------------


def ids_of(directory):
    with (directory / "organisations.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line)["id"] for line in fh]


def test_split_is_disjoint_and_keeps_only_inside_pairs(tiny_dir, tmp_path):
    train, test = tmp_path / "train", tmp_path / "test"
    report = split_benchmark(tiny_dir, train, test, test_fraction=0.33, seed=1)
    train_ids, test_ids = set(ids_of(train)), set(ids_of(test))
    assert not train_ids & test_ids
    assert train_ids | test_ids == set(ids_of(tiny_dir))
    assert len(test_ids) == round(30 * 0.33) == report.test.organisations
    for side, members in ((train, train_ids), (test, test_ids)):
        for name in ("partners.csv", "past_partners.csv"):
            for pair in read_pairs(side / name):
                assert pair["a"] in members and pair["b"] in members
    # Every pair of the source is kept on one side or dropped as crossing.
    source = read_pairs(tiny_dir / "partners.csv")
    kept = read_pairs(train / "partners.csv") + read_pairs(test / "partners.csv")
    assert len(kept) + report.dropped_partners == len(source)
    inside = [p for p in source if (p["a"] in test_ids) == (p["b"] in test_ids)]
    assert sorted(map(tuple, (p.values() for p in kept))) == sorted(
        map(tuple, (p.values() for p in inside))
    )
    assert report.test.new_partners == sum(
        p["new"] == "1" for p in read_pairs(test / "partners.csv")
    )


def test_split_is_seeded(tiny_dir, tmp_path):
    split_benchmark(tiny_dir, tmp_path / "a1", tmp_path / "b1", seed=5)
    split_benchmark(tiny_dir, tmp_path / "a2", tmp_path / "b2", seed=5)
    split_benchmark(tiny_dir, tmp_path / "a3", tmp_path / "b3", seed=6)
    assert ids_of(tmp_path / "b1") == ids_of(tmp_path / "b2")
    assert set(ids_of(tmp_path / "b1")) != set(ids_of(tmp_path / "b3"))


def test_split_refuses_bad_arguments(tiny_dir, tmp_path):
    with pytest.raises(ValueError, match="test_fraction"):
        split_benchmark(tiny_dir, tmp_path / "a", tmp_path / "b", test_fraction=1.0)
    with pytest.raises(BenchmarkError, match="differ"):
        split_benchmark(tiny_dir, tmp_path / "a", tmp_path / "a")
    with pytest.raises(BenchmarkError, match="missing"):
        split_benchmark(tmp_path, tmp_path / "a", tmp_path / "b")


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def fake_click_model(monkeypatch):
    """``matcher.click_model`` whose ``ClickRecommender`` is popularity under the name klik."""
    module = types.ModuleType("matcher.click_model")
    module.ClickRecommender = Named
    monkeypatch.setitem(sys.modules, "matcher.click_model", module)


def test_cli_evaluate(runner, tiny, tiny_dir, tmp_path, monkeypatch, fake_click_model):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KLIK_CLICK_MODEL", str(tmp_path / "no-model-here"))
    Named().save(tmp_path / "model")
    out = tmp_path / "rankings.jsonl"
    result = runner.invoke(
        cli,
        [
            "evaluate",
            str(tiny_dir),
            "--rankings-out",
            str(out),
            "--model",
            "model",
            "--by-past-partners",
            "--quiet",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    for name in ("klik", "random", "tfidf", "embedding", "popularity", "network"):
        assert f"\n{name} " in result.output
    assert "NDCG@10 by the query's number of past partners" in result.output
    assert "30 organisations" in result.output
    lines = read_rankings(out)
    assert lines and all(len(line["ranked"]) == 29 for line in lines)
    # The learned model's rankings are written: here, popularity under the name klik.
    population, _ = tiny
    for line in lines:
        degrees = [population.degree[population.index[i]] for i in line["ranked"]]
        assert degrees == sorted(degrees, reverse=True)


def test_learned_model_loading(tmp_path, monkeypatch, capsys, fake_click_model):
    monkeypatch.setenv("KLIK_CLICK_MODEL", str(tmp_path / "models" / "click"))
    assert _learned_model(None, quiet=False) is None  # no model there: nothing, silently
    Named().save(tmp_path / "models" / "click")
    assert _learned_model(None, quiet=False).name == "klik"
    assert _learned_model(tmp_path / "models" / "click", quiet=False).name == "klik"
    monkeypatch.setitem(sys.modules, "matcher.click_model", None)  # import fails
    assert _learned_model(None, quiet=False) is None
    assert "Skipping the learned model" in capsys.readouterr().err
    with pytest.raises(Failure, match="cannot load the learned model"):
        _learned_model(tmp_path / "models" / "click", quiet=False)


def test_commands_have_help(runner):
    for command in ("evaluate", "split-benchmark"):
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_cli_evaluate_errors(runner, tiny_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    result = runner.invoke(cli, ["evaluate", "empty"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: empty: not a CORDIS benchmark folder (missing organisations.jsonl)"
    ]
    monkeypatch.setenv("KLIK_CLICK_MODEL", str(tmp_path / "no-model"))  # not the shipped one
    result = runner.invoke(cli, ["evaluate", str(tiny_dir), "--no-baselines"])
    assert result.exit_code == 1
    assert (
        result.output.strip() == "Error: nothing to evaluate: no learned model and --no-baselines"
    )
    result = runner.invoke(cli, ["evaluate", str(tiny_dir), "--model", "empty"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: empty: not a saved model (no config.json)"


def test_cli_split_benchmark(runner, tiny_dir, tmp_path):
    train, test = tmp_path / "train", tmp_path / "test"
    result = runner.invoke(
        cli,
        [
            "split-benchmark",
            str(tiny_dir),
            str(train),
            str(test),
            "--test-fraction",
            "0.5",
            "--seed",
            "2",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert len(ids_of(train)) == len(ids_of(test)) == 15
    assert "15 organisations" in result.output
    result = runner.invoke(
        cli, ["split-benchmark", str(tiny_dir), str(train), str(test), "--test-fraction", "1.5"]
    )
    assert result.exit_code == 2


def test_train_then_evaluate_the_real_model(runner, tiny_dir, tmp_path, monkeypatch, embedder):
    monkeypatch.setenv("KLIK_TRAINING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "click"
    result = runner.invoke(
        cli, ["train", str(tiny_dir), "--out", str(out), "--quiet"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Held out" in result.output and f"Saved the click model to {out}" in result.output
    config = json.loads((out / "config.json").read_text())
    assert config["training_data"]["organisations"] == 30
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # as mkdir makes it, not 0700
    assert len(config["training_data"]["sha256"]) == 64
    assert {"klik", "network", "random"} <= set(config["held_out"]["metrics"])
    assert config["held_out"]["reliability"] and config["embedding_model"] == embedder.name
    # A second run on the same data reuses the cached embedded set and gives the same model.
    again = tmp_path / "again"
    result = runner.invoke(
        cli, ["train", str(tiny_dir), "--out", str(again), "--quiet", "--no-measure"]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "cache").glob("*.db"))) == 1
    rows = np.random.default_rng(0).normal(size=(200, len(FEATURES)))
    rows[:, KIND_PAIR] = 0
    first, second = ClickRecommender.load(out), ClickRecommender.load(again)
    np.testing.assert_array_equal(first.rank_score(rows), second.rank_score(rows))
    result = runner.invoke(
        cli, ["evaluate", str(tiny_dir), "--model", str(out), "--quiet"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "\nklik " in result.output


def test_train_learns_from_recorded_feedback(runner, tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("KLIK_TRAINING_CACHE", str(tmp_path / "cache"))
    url = f"sqlite:///{tmp_path / 'deployment.db'}"

    def klik(*args):
        result = runner.invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    klik("init-db")
    klik("import", str(tiny_dir))
    klik("embed", "--quiet")
    a, b, c = sorted(ids_of(tiny_dir))[:3]
    klik("feedback", "record", "--for", a, "--candidate", b, "--outcome", "click")
    klik("feedback", "record", "--for", a, "--candidate", c, "--outcome", "no-click")
    klik("feedback", "record", "--for", b, "--candidate", c, "--outcome", "contacted")
    out = tmp_path / "click"
    result = klik("train", str(tiny_dir), "--out", str(out), "--no-measure")
    assert "Recorded feedback: 2 decisive outcomes" in result.output
    config = json.loads((out / "config.json").read_text())
    assert config["feedback_outcomes"] == 2 and config["feedback_positives"] == 1
    klik("train", str(tiny_dir), "--out", str(out), "--no-measure", "--no-feedback", "--quiet")
    assert "feedback_outcomes" not in json.loads((out / "config.json").read_text())
