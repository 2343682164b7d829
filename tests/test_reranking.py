"""Shortlists re-ranked by the click model: both directions, filters before the cut, and
features on a slice of the directory that equal those on the whole population."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from quick_click import quick_click
from sqlalchemy.orm import Session

from matcher.cli import cli
from matcher.click_model import ClickRecommender
from matcher.directory import directories
from matcher.features import FEATURES, nearest_members
from matcher.index import indexes
from matcher.population import Population
from matcher.profiles import Profile
from matcher.recommender import Partnerships
from matcher.shortlist import (
    Filters,
    Inline,
    Query,
    _lookalike_candidates,
    query_vectors,
    resolve_query,
    shortlist,
    slice_features,
)
from matcher.vectors import PROFILE

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"


@pytest.fixture(scope="module")
def model(demo_db, embedder, tmp_path_factory):
    """A small click model fitted on the demo population (partners: nearest by profile)."""
    with Session(demo_db) as session:
        population = Population.load(session, embedder.name)
    profile = population.vectors["profile"]
    sims = profile @ profile.T
    np.fill_diagonal(sims, -np.inf)
    a, b = [], []
    for i in range(len(population)):
        for j in np.argsort(-sims[i])[:3]:
            a.append(i)
            b.append(int(j))
    pairs = Partnerships(np.array(a), np.array(b), np.ones(len(a), dtype=bool))
    fitted = quick_click(random_state=0, n_retrieved=10, n_network=5, n_random=20)
    fitted.fit(population, pairs)
    fitted.metadata["embedding_model"] = embedder.name
    folder = tmp_path_factory.mktemp("click") / "click"
    fitted.save(folder)
    return ClickRecommender.load(folder), folder


@pytest.fixture
def session(demo_db):
    with Session(demo_db) as session:
        yield session


@pytest.mark.parametrize(("every", "lookalikes"), [(1, 50), (3, 50), (1, 5), (3, 5)])
def test_slice_features_equal_whole_population_features(
    session, embedder, model, every, lookalikes, monkeypatch
):
    """Also with a few candidates: the slice then lacks the candidates' partners that the
    three-step walks pass through. With 5 lookalikes, not everyone is one (the demo has
    68 profiles), so the directory's index must find the same ones as the population."""
    monkeypatch.setattr("matcher.features.LOOKALIKES", lookalikes)
    monkeypatch.setattr("matcher.shortlist.LOOKALIKES", lookalikes)
    learned, _ = model
    population = Population.load(session, embedder.name)
    whole = learned.features(population)
    directory = directories.get(session, embedder.name)
    for query_id in ("nl-stichting-vrije-adem", "en-tipping-point-climate", "nl-brugfonds-impact"):
        query = resolve_query(session, query_id)
        vectors = query_vectors(session, embedder, query)
        candidate_pks = [int(pk) for pk in directory.pks[::every] if pk != query.pk]
        profiles, rows = slice_features(
            session,
            directory,
            learned,
            embedder.name,
            query,
            vectors,
            query.profile.language,
            candidate_pks,
        )
        expected = whole.compute(
            population.index[query_id], np.array([population.index[p.id] for p in profiles])
        )
        assert rows.shape == (len(candidate_pks), len(FEATURES))
        np.testing.assert_allclose(rows, expected, rtol=1e-4, atol=1e-5, equal_nan=True)


def test_an_inline_copy_of_a_stored_profile_has_its_lookalike_shares(
    session, embedder, model, monkeypatch
):
    """A request or prospect that is a stored organisation is not its own lookalike, so the
    share of its lookalikes that work with us is the stored one's. (The other share counts
    the partners its relationships name, as every network feature of an inline candidate
    does; the stored one also has the partners that name it.)"""
    monkeypatch.setattr("matcher.features.LOOKALIKES", 5)
    monkeypatch.setattr("matcher.shortlist.LOOKALIKES", 5)
    learned, _ = model
    directory = directories.get(session, embedder.name)
    query = resolve_query(session, "nl-stichting-vrije-adem")
    vectors = query_vectors(session, embedder, query)
    column = FEATURES.index("lookalikes_partner_us")
    compared = 0
    for pk in directory.pks:
        if pk == query.pk:
            continue
        stored = resolve_query(session, directory.ids[directory.row[int(pk)]])
        own = query_vectors(session, embedder, stored)
        inline = Inline(stored.profile, own, stored.profile.language)
        args = (session, directory, learned, embedder.name, query, vectors, query.profile.language)
        _, by_pk = slice_features(*args, [int(pk)])
        _, by_copy = slice_features(*args, [], inline=[inline])
        np.testing.assert_allclose(by_copy[:, column], by_pk[:, column], equal_nan=True)
        compared += int(by_pk[0, column] > 0)
    assert compared >= 3  # shares above zero were compared


def test_retrieval_adds_whom_the_query_s_lookalikes_work_with(session, embedder, monkeypatch):
    """The first stage hands the click model the organisations that the query's lookalikes
    work with (the same lookalikes as the population's), inside the filters."""
    monkeypatch.setattr("matcher.shortlist.LOOKALIKES", 5)
    population = Population.load(session, embedder.name)
    near = nearest_members(population.vectors[PROFILE], len(population), 5)
    directory = directories.get(session, embedder.name)
    index = indexes.get(session, embedder.name, PROFILE)
    found = 0
    for query_id in ("nl-stichting-vrije-adem", "en-tipping-point-climate", "nl-brugfonds-impact"):
        query = resolve_query(session, query_id)
        args = (directory, index, query, query_vectors(session, embedder, query))
        q = population.index[query_id]
        counts = np.asarray((near[q] @ population.graph).todense()).ravel()
        counts[q] = 0
        got = _lookalike_candidates(*args, query.profile.language, None)
        ids = [directory.ids[directory.row[pk]] for pk in got]
        assert set(ids) == {population.ids[i] for i in np.flatnonzero(counts)}
        ordered = [counts[population.index[i]] for i in ids]
        assert ordered == sorted(ordered, reverse=True)
        allowed = directory.pks[::2]
        inside = _lookalike_candidates(*args, query.profile.language, allowed)
        assert set(inside) == set(got) & {int(pk) for pk in allowed}
        found += len(got)
    assert found > 0


def test_shortlist_returns_both_directions_ranked_by_the_click(session, embedder, model):
    learned, _ = model
    query = resolve_query(session, "nl-stichting-vrije-adem")
    found = shortlist(session, embedder, query, top=10, model=learned)
    assert [c.rank for c in found] == list(range(1, 11))
    assert query.profile.id not in {c.profile.id for c in found}
    for c in found:
        assert 0 <= c.ours <= 1 and 0 <= c.theirs <= 1 and 0 <= c.click <= 1
        assert min(c.ours, c.theirs) - 1e-9 <= c.click <= max(c.ours, c.theirs) + 1e-9
    clicks = [c.click for c in found]
    assert clicks == sorted(clicks, reverse=True)  # calibration is monotone


def test_a_shortlist_ordered_by_similarity_keeps_the_click_both_ways(session, embedder, model):
    learned, _ = model
    query = resolve_query(session, "nl-stichting-vrije-adem")
    by_fit = shortlist(session, embedder, query, top=10, model=learned, order="similarity")
    plain = shortlist(session, embedder, query, top=10)  # no model: similarity alone
    assert [c.profile.id for c in by_fit] == [c.profile.id for c in plain]
    assert all(c.click is not None and c.ours is not None for c in by_fit)
    by_click = shortlist(session, embedder, query, top=10, model=learned)
    assert [c.profile.id for c in by_click] != [c.profile.id for c in by_fit]
    with pytest.raises(ValueError, match="order must be one of"):
        shortlist(session, embedder, query, model=learned, order="popularity")


@pytest.mark.parametrize(
    "filters",
    [
        Filters(kinds=["university"]),
        Filters(kinds=["company"], countries=["GB"]),
        Filters(countries=["BE"]),
        Filters(exclude_partners=True),
    ],
)
def test_filters_apply_before_the_cut(session, embedder, model, filters):
    learned, _ = model
    query = resolve_query(session, "en-tipping-point-climate")
    everyone = shortlist(session, embedder, query, top=100, model=learned)
    partners = {r.partner for r in query.profile.relationships}
    partners |= {  # and those that name the query as their partner
        p.id
        for p in Population.load(session, embedder.name).profiles
        if query.profile.id in {r.partner for r in p.relationships}
    }
    assert partners

    def allowed(p: Profile) -> bool:
        return (
            (not filters.kinds or p.kind.value in filters.kinds)
            and (not filters.countries or p.country in filters.countries)
            and not (filters.exclude_partners and p.id in partners)
        )

    matching = [c.profile.id for c in everyone if allowed(c.profile)]
    assert matching, "the demo data has matches for every filter here"
    found = shortlist(session, embedder, query, top=5, filters=filters, model=learned)
    # As many as exist (up to 5), all allowed, and the same order as unfiltered.
    assert [c.profile.id for c in found] == matching[:5]


def test_a_strategy_file_gets_a_shortlist(session, embedder, model, tmp_path):
    learned, _ = model
    strategy = tmp_path / "strategie.txt"
    strategy.write_text(
        "Wij willen samen met gemeenten en zorgpartners roken onder jongeren terugdringen "
        "en longziekten voorkomen.",
        encoding="utf-8",
    )
    query = resolve_query(session, str(strategy))
    assert isinstance(query, Query) and query.pk is None
    found = shortlist(session, embedder, query, top=5, model=learned)
    assert len(found) == 5 and all(c.click is not None for c in found)


def test_cli_shortlist_shows_both_directions(demo_db, model):
    url = demo_db.url.render_as_string()
    _, folder = model
    runner = CliRunner()
    args = ["--database-url", url, "shortlist", "--for", "nl-stichting-vrije-adem"]
    result = runner.invoke(cli, [*args, "--click-model", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ranked_by"] == "click" and len(data["candidates"]) == 5
    for c in data["candidates"]:
        assert {"click", "they_fit_us", "we_fit_them"} <= set(c)
        assert 0 <= c["click"] <= 100
    text = runner.invoke(cli, [*args, "--click-model", str(folder)])
    assert text.exit_code == 0 and "they fit us" in text.output and "we fit them" in text.output
    by_fit = runner.invoke(
        cli, [*args, "--click-model", str(folder), "--rank-by", "similarity", "--format", "json"]
    )
    assert by_fit.exit_code == 0, by_fit.output
    fit = json.loads(by_fit.output)["candidates"]
    assert json.loads(by_fit.output)["ranked_by"] == "similarity"
    assert [c["similarity"] for c in fit] == sorted((c["similarity"] for c in fit), reverse=True)
    assert all(c["click"] is not None for c in fit)
    wrong = runner.invoke(cli, [*args, "--rank-by", "luck"])
    assert wrong.exit_code == 2 and "luck" in wrong.output


def test_cli_refuses_a_missing_click_model(demo_db, tmp_path):
    url = demo_db.url.render_as_string()
    result = CliRunner().invoke(
        cli,
        [
            "--database-url",
            url,
            "shortlist",
            "--for",
            "nl-stichting-vrije-adem",
            "--click-model",
            str(tmp_path / "nothing"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "no config.json" in result.output
    assert "Traceback" not in result.output


def test_a_filter_that_matches_nobody_gives_an_empty_shortlist(session, embedder, model):
    learned, _ = model
    query = resolve_query(session, "en-tipping-point-climate")
    for ranker in (learned, None):
        found = shortlist(
            session, embedder, query, top=5, filters=Filters(countries=["ZZ"]), model=ranker
        )
        assert found == []
