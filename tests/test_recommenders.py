"""The Recommender contract, checked for every implementation, and each baseline's own rule.

The shared tests run on a tiny synthetic population with random unit vectors:
they test the interface, not the quality of the rankings. The click model runs them
in its quick configuration (:mod:`quick_click`).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from quick_click import quick_click

from matcher.baselines import (
    ALL_BASELINES,
    EmbeddingRecommender,
    NetworkRecommender,
    PopularityRecommender,
    RandomRecommender,
    TfidfRecommender,
    make_baselines,
)
from matcher.population import Population
from matcher.profiles import FACETS, Profile
from matcher.recommender import Partnerships, Recommender

WORDS = [
    *("energy", "climate", "water", "health", "vaccine", "robot", "battery", "solar"),
    *("soil", "crop", "ocean", "fish", "city", "mobility", "hydrogen", "grid", "data"),
    *("privacy", "school", "youth", "elderly", "care", "museum", "heritage"),
]
KINDS = ["company", "university", "research", "public", "other"]
N = 40


def make_population(n: int = N, seed: int = 7) -> tuple[Population, Partnerships]:
    """Profiles with random texts and past partners, random unit vectors, random partnerships."""
    rng = np.random.default_rng(seed)
    ids = [f"org{i:02d}" for i in range(n)]
    past: dict[int, set[int]] = {i: set() for i in range(n)}
    for _ in range(2 * n):
        a, b = rng.choice(n, size=2, replace=False).tolist()
        past[a].add(b)
    profiles = [
        Profile(
            id=ids[i],
            name=f"Organisation {i}",
            kind=KINDS[i % len(KINDS)],
            country=["NL", "BE", "DE", "FR"][i % 4],
            language="en",
            description=" ".join(rng.choice(WORDS, size=12).tolist()),
            interests=[" ".join(rng.choice(WORDS, size=3).tolist())],
            relationships=[{"partner": ids[j], "status": "past"} for j in sorted(past[i])],
        )
        for i in range(n)
    ]
    vectors = {}
    for facet in ("profile", "description", "interests"):
        matrix = rng.normal(size=(n, 16)).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix[n - 1] = np.nan  # one organisation without vectors
        vectors[facet] = matrix
    population = Population.from_profiles(profiles, vectors)
    pairs = rng.choice(n, size=(3 * n, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    is_past = np.asarray(population.graph[pairs[:, 0], pairs[:, 1]]).ravel() > 0
    partnerships = Partnerships(a=pairs[:, 0], b=pairs[:, 1], new=~is_past)
    return population, partnerships


@pytest.fixture(scope="module")
def world():
    return make_population()


#: Makers of every implementation, unfitted.
IMPLEMENTATIONS = [*ALL_BASELINES, quick_click]


def _name(make) -> str:
    return make().name


@pytest.fixture(scope="module", params=IMPLEMENTATIONS, ids=_name)
def make(request):
    """Makes an unfitted instance of each implementation in turn."""
    return request.param


@pytest.fixture(scope="module")
def fitted(make, world):
    """The implementation fitted once on the world; the tests only read it."""
    population, partnerships = world
    return make().fit(population, partnerships)


QUERIES = [0, 3, 17, N - 1]


def all_candidates(population, query):
    return np.array([i for i in range(len(population)) if i != query])


# --- the contract ---------------------------------------------------------------------------


def test_names_are_stable_and_distinct():
    names = [cls.name for cls in ALL_BASELINES]
    assert names[:5] == ["random", "tfidf", "embedding", "popularity", "network"]
    assert len(set(names)) == len(names)
    assert [r.name for r in make_baselines()] == names


def test_fit_returns_self(make, world):
    recommender = make()
    assert recommender.fit(*world) is recommender
    assert isinstance(recommender, Recommender)
    assert recommender.config()["name"] == recommender.name


@pytest.mark.parametrize("query", QUERIES)
def test_recommend_never_returns_the_query(fitted, world, query):
    population, _ = world
    ranked, _ = fitted.recommend(population, query, k=len(population))
    assert query not in ranked.tolist()
    assert len(ranked) == len(population) - 1


@pytest.mark.parametrize("k", [1, 5, N - 1, N + 10])
def test_recommend_returns_k_distinct_best_first(fitted, world, k):
    population, _ = world
    ranked, scores = fitted.recommend(population, 3, k=k)
    assert len(ranked) == min(k, len(population) - 1)
    assert len(set(ranked.tolist())) == len(ranked)
    assert np.all(scores[:-1] >= scores[1:])
    assert not np.isnan(scores).any()
    # The top k are the k best of all candidates.
    everything = fitted.score(population, 3, all_candidates(population, 3))
    assert scores[0] == pytest.approx(np.max(everything))


@pytest.mark.parametrize("query", QUERIES)
def test_score_shape_and_no_nan(fitted, world, query):
    population, _ = world
    candidates = all_candidates(population, query)
    scores = np.asarray(fitted.score(population, query, candidates))
    assert scores.shape == (len(candidates),)
    assert not np.isnan(scores).any()


def test_recommend_respects_candidates(fitted, world):
    population, _ = world
    subset = np.array([1, 2, 3, 5, 8, 13, 21, 34])
    ranked, _ = fitted.recommend(population, 3, k=len(subset), candidates=subset)
    assert set(ranked.tolist()) == set(subset.tolist()) - {3}
    ranked, _ = fitted.recommend(population, 0, k=3, candidates=subset)
    assert len(ranked) == 3
    assert set(ranked.tolist()) <= set(subset.tolist())


def test_scores_do_not_depend_on_the_other_candidates(fitted, world):
    """A candidate's score is the same in any candidate set (so rankings can be filtered)."""
    population, _ = world
    everyone = all_candidates(population, 5)
    subset = everyone[::3][::-1]
    full = np.asarray(fitted.score(population, 5, everyone))
    part = np.asarray(fitted.score(population, 5, subset))
    np.testing.assert_allclose(part, full[np.searchsorted(everyone, subset)])


def test_deterministic(make, fitted, world):
    population, partnerships = world
    second = make().fit(population, partnerships)
    for query in QUERIES:
        a = fitted.recommend(population, query, k=10)
        b = second.recommend(population, query, k=10)
        c = fitted.recommend(population, query, k=10)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[0], c[0])


def test_save_load_round_trip(fitted, world, tmp_path):
    population, _ = world
    fitted.save(tmp_path / "model")
    loaded = type(fitted).load(tmp_path / "model")
    assert loaded.name == fitted.name
    for query in QUERIES:
        candidates = all_candidates(population, query)
        np.testing.assert_allclose(
            loaded.score(population, query, candidates),
            fitted.score(population, query, candidates),
        )


def test_load_refuses_another_model(tmp_path):
    PopularityRecommender().save(tmp_path / "model")
    with pytest.raises(ValueError, match="popularity"):
        NetworkRecommender.load(tmp_path / "model")


# --- each baseline's rule --------------------------------------------------------------------


def small_population(texts, partners=(), vectors=None):
    """Profiles with the given descriptions; ``partners`` are (i, j) past-partner pairs."""
    ids = [f"p{i}" for i in range(len(texts))]
    rels = {i: [] for i in range(len(texts))}
    for i, j in partners:
        rels[i].append({"partner": ids[j], "status": "past"})
    profiles = [
        Profile(id=ids[i], name=f"P{i}", description=text, language="en", relationships=rels[i])
        for i, text in enumerate(texts)
    ]
    return Population.from_profiles(profiles, vectors)


def test_random_depends_on_seed_only():
    population = small_population(["a text"] * 30)
    candidates = np.arange(1, 30)
    same = RandomRecommender(4).score(population, 0, candidates)
    np.testing.assert_array_equal(same, RandomRecommender(4).score(population, 0, candidates))
    assert not np.array_equal(same, RandomRecommender(5).score(population, 0, candidates))
    assert not np.array_equal(same, RandomRecommender(4).score(population, 1, candidates))


def test_popularity_ranks_by_degree():
    # p0 has three partners, p1 two, p2..p3 one each, p4 none.
    population = small_population(["x text"] * 5, partners=[(0, 1), (0, 2), (0, 3), (1, 4)])
    ranked, scores = PopularityRecommender().recommend(population, 4, k=4)
    assert ranked.tolist() == [0, 1, 2, 3]
    assert scores.tolist() == [3.0, 2.0, 1.0, 1.0]


def test_network_past_partner_first_then_adamic_adar_then_popularity():
    #   edges: 0-1, 0-2, 1-3, 2-3, 2-4, 5-6, 5-7
    # For query 0: past partners 1, 2. Common neighbours: 3 (via 1: deg 2, via 2: deg 3),
    # 4 (via 2, deg 3). AA(0,3) = 1/log 2 + 1/log 3, AA(0,4) = 1/log 3.
    # 5 (degree 2) beats 6 and 7 (degree 1) on popularity.
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (2, 4), (5, 6), (5, 7)]
    population = small_population(["some text"] * 9, partners=edges)  # 8: no partners
    recommender = NetworkRecommender()
    ranked, _ = recommender.recommend(population, 0, k=8)
    assert ranked.tolist()[:2] == [2, 1]  # past partners; 2 is the more popular
    assert ranked.tolist()[2:4] == [3, 4]
    assert ranked.tolist()[4:] == [5, 6, 7, 8]
    aa = recommender.score(population, 0, np.array([3, 4])) - recommender.tie_break * np.array(
        [2, 1]
    ) / (3 + 1)
    np.testing.assert_allclose(aa, [1 / np.log(2) + 1 / np.log(3), 1 / np.log(3)])


def test_network_adamic_adar_matches_a_dense_computation(world):
    population, _ = world
    graph = population.graph.toarray()
    degree = graph.sum(axis=1)
    weights = np.where(degree >= 2, 1 / np.log(np.maximum(degree, 2)), 0.0)
    expected = (graph * weights) @ graph
    recommender = NetworkRecommender(past_bonus=0.0, tie_break=0.0)
    for query in QUERIES:
        candidates = all_candidates(population, query)
        np.testing.assert_allclose(
            recommender.score(population, query, candidates), expected[query, candidates]
        )


def test_embedding_cosine_and_missing_vectors():
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [np.nan, np.nan], [-1, 0]], dtype=np.float32)
    population = small_population(["t"] * 5, vectors={"profile": vectors})
    recommender = EmbeddingRecommender()
    ranked, scores = recommender.recommend(population, 0, k=4)
    assert ranked.tolist() == [1, 2, 4, 3]
    assert scores[-1] == -np.inf
    assert scores[0] == pytest.approx(0.9 / np.hypot(0.9, 0.1))
    # A query without a vector gives every candidate with one the same score.
    assert set(recommender.score(population, 3, np.array([0, 1, 2, 4])).tolist()) == {0.0}


def test_embedding_needs_vectors():
    population = small_population(["t", "u"])
    with pytest.raises(ValueError, match="embed"):
        EmbeddingRecommender().score(population, 0, np.array([1]))


def test_tfidf_identical_text_first_and_unfitted_fits_itself():
    texts = [
        "offshore wind energy turbines",
        "bread bakery flour",
        "offshore wind energy turbines",
        "wind in the willows",
    ]
    population = small_population(texts)
    unfitted = TfidfRecommender()
    ranked, scores = unfitted.recommend(population, 0, k=3)
    assert ranked.tolist() == [2, 3, 1]
    assert scores[0] == pytest.approx(1.0)
    assert scores[-1] == 0.0
    fitted = TfidfRecommender().fit(population, Partnerships(*(np.empty(0, int),) * 3))
    np.testing.assert_allclose(fitted.score(population, 0, np.arange(1, 4)), scores[[2, 0, 1]])


def test_tfidf_keeps_its_vocabulary_on_another_population():
    train = small_population(["solar panels", "solar cells", "bread"])
    other = small_population(["quantum solar", "quantum bread", "quantum"])
    recommender = TfidfRecommender().fit(train, Partnerships(*(np.empty(0, int),) * 3))
    # "quantum" is not in the training vocabulary, so p2 shares nothing with anyone.
    assert recommender.score(other, 2, np.array([0, 1])).tolist() == [0.0, 0.0]
    assert recommender.vectorizer is not None
    assert "quantum" not in recommender.vectorizer.vocabulary_


def test_facets_of_the_synthetic_population_exist():
    """The synthetic population carries facet vectors a learned model may read."""
    population, _ = make_population()
    assert {"profile", "description", "interests"} <= set(population.vectors)
    assert set(population.vectors) - {"profile"} <= set(FACETS)
    assert sp.issparse(population.graph)
