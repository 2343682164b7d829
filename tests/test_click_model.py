"""The click model follows scikit-learn's estimator contract and is deterministic."""

import numpy as np
import pytest
import scipy.sparse as sp
from quick_click import QUICK, quick_click
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.estimator_checks import parametrize_with_checks

from matcher.click_model import ClickClassifier, ClickRecommender, _raw_click
from matcher.features import (
    FEATURES,
    KIND_PAIR,
    PairFeatures,
    TagWeights,
    fit_overlap_from_similarity,
    nearest_members,
    resource_walks,
    reverse,
    tag_prefixes,
)
from matcher.feedback import FeedbackLabels
from matcher.population import Population
from matcher.profiles import Profile
from matcher.recommender import Partnerships
from matcher.training import held_out_report, split_organisations


def expected_failures(estimator):
    # Repeating a row puts its copies into different calibration folds; weighting it does
    # not. Both are valid, but they do not give the same model.
    reason = "calibration folds differ for repeated and weighted rows"
    return {"check_sample_weight_equivalence_on_dense_data": reason}


@parametrize_with_checks(
    [ClickClassifier(max_iter=20, random_state=0)], expected_failed_checks=expected_failures
)
def test_sklearn_contract(estimator, check):
    check(estimator)


def synthetic(n=60, seed=0):
    """A population whose partnerships follow its vectors and shared tags."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 16))
    group = rng.integers(0, 4, size=n)
    vectors = centres[group] + 0.6 * rng.normal(size=(n, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    kinds = ["company", "university", "research", "public"]
    profiles = [
        Profile(
            id=f"o{i}",
            name=f"Org {i}",
            kind=kinds[i % 4],
            country="NL" if i % 3 else "BE",
            description=f"Organisation {i} works on topic {group[i]}.",
            tags=[f"call-{group[i]}"],
            relationships=[f"o{(i + 4) % n}"] if i % 5 == 0 else [],
        )
        for i in range(n)
    ]
    a, b = [], []
    for i in range(n):
        for j in range(i + 1, n):
            if group[i] == group[j] and rng.random() < 0.3:
                a.append(i)
                b.append(j)
    pairs = Partnerships(np.array(a), np.array(b), np.ones(len(a), dtype=bool))
    return Population.from_profiles(profiles, {"profile": vectors, "description": vectors}), pairs


def test_same_data_and_seed_give_the_same_model():
    population, pairs = synthetic()
    # The draws of sub-populations and of non-partners, the calibration folds, the boosting.
    params = {"sub_populations": (0.5,)}
    first = quick_click(random_state=3, **params).fit(population, pairs)
    second = quick_click(random_state=3, **params).fit(population, pairs)
    everyone = np.arange(len(population))
    for query in (0, 17, 42, 59):
        assert np.array_equal(
            first.score(population, query, everyone), second.score(population, query, everyone)
        )
    other_seed = quick_click(random_state=4, **params).fit(population, pairs)
    assert not np.array_equal(
        first.score(population, 0, everyone), other_seed.score(population, 0, everyone)
    )


def top5_partner_share(model, population, pairs):
    """The share of every organisation's top 5 that are its partners."""
    partners = {(int(a), int(b)) for a, b in zip(pairs.a, pairs.b, strict=True)}
    hits = 0
    for q in range(len(population)):
        top, _ = model.recommend(population, q, 5)
        hits += sum((min(q, t), max(q, t)) in partners for t in top)
    return hits / (5 * len(population))


@pytest.fixture(scope="module")
def world():
    return synthetic()


@pytest.fixture(scope="module")
def fitted(world):
    """A quick click model fitted on the synthetic world, shared by the tests that read it."""
    population, pairs = world
    return quick_click(random_state=0).fit(population, pairs)


def test_learns_the_signal_and_round_trips(world, fitted, tmp_path):
    population, pairs = world
    assert top5_partner_share(fitted, population, pairs) > 0.3  # random: about 0.07

    fitted.save(tmp_path / "click")
    loaded = ClickRecommender.load(tmp_path / "click")
    # Plain ints: numpy ones would each be an array of their own in the artefact.
    assert {type(i) for i in loaded.vectorizer_.vocabulary_.values()} == {int}
    candidates = np.arange(1, len(population))
    assert np.allclose(
        fitted.score(population, 0, candidates), loaded.score(population, 0, candidates)
    )


def test_the_default_model_learns_the_signal(world):
    population, pairs = world
    model = ClickRecommender(random_state=0, **QUICK).fit(population, pairs)
    assert top5_partner_share(model, population, pairs) > 0.3


def test_both_directions_and_their_harmonic_mean(world, fitted):
    population, _ = world
    _, ours, theirs, combined = fitted.click(population, 0, np.arange(1, 10))
    assert ((ours >= 0) & (ours <= 1) & (theirs >= 0) & (theirs <= 1)).all()
    assert np.all(combined <= np.maximum(ours, theirs) + 1e-9)
    assert np.all(combined >= np.minimum(ours, theirs) - 1e-9)


def test_members_are_averaged_in_log_odds(world):
    population, pairs = world
    model = quick_click(random_state=0, n_members=2).fit(population, pairs)
    assert len(model.classifiers_) == 2
    rows = model.features(population).compute(0, np.arange(1, len(population)))
    alone = [_raw_click([member], rows)[2] for member in model.classifiers_]
    assert not np.allclose(alone[0], alone[1])  # each member drew its own rows
    log_odds = np.mean([np.log(c / (1 - c)) for c in alone], axis=0)
    assert np.allclose(model.rank_score(rows), 1 / (1 + np.exp(-log_odds)))
    # The first member is the model a single-member ensemble of the same seed trains.
    single = quick_click(random_state=0, n_members=1).fit(population, pairs)
    assert np.array_equal(single.rank_score(rows), alone[0])


def test_an_ensemble_needs_a_member(world):
    population, pairs = world
    with pytest.raises(ValueError, match="n_members"):
        ClickRecommender(n_members=0).fit(population, pairs)


def test_reverse_swaps_directional_features():
    rows = np.arange(len(FEATURES), dtype=np.float32)[None, :].copy()
    rows[0, KIND_PAIR] = 1 * 6 + 3  # university looking at a research institute
    back = reverse(rows)
    names = list(FEATURES)
    assert (
        back[0, names.index("comp_we_seek_they_offer")]
        == rows[0, names.index("comp_they_seek_we_offer")]
    )
    assert back[0, KIND_PAIR] == 3 * 6 + 1
    assert np.array_equal(reverse(back), rows)


def test_a_tampered_artefact_is_refused(fitted, tmp_path):
    fitted.save(tmp_path / "click")
    weights = tmp_path / "click" / "model.skops"
    weights.write_bytes(weights.read_bytes() + b"x")
    with pytest.raises(ValueError, match="does not match the hash"):
        ClickRecommender.load(tmp_path / "click")


def test_recorded_feedback_moves_the_click(world):
    population, pairs = world
    deployment, _ = synthetic(n=40, seed=1)
    # Outcomes that contradict the training data: pairs of different groups clicked,
    # pairs of the same group did not.
    profile = deployment.vectors["profile"]
    sims = profile @ profile.T
    far = [(q, int(np.argmin(sims[q]))) for q in range(0, 40, 2)]
    near = [(q, int(np.argsort(-sims[q])[1])) for q in range(1, 40, 2)]
    labels = FeedbackLabels(
        query=np.array([q for q, _ in far + near]),
        candidate=np.array([c for _, c in far + near]),
        label=np.array([1] * len(far) + [0] * len(near)),
    )
    plain = quick_click(random_state=0).fit(population, pairs)
    taught = quick_click(random_state=0, feedback_weight=50.0).fit(
        population, pairs, (deployment, labels)
    )
    assert taught.metadata["feedback_outcomes"] == len(labels)

    def mean_click(model, chosen):
        return np.mean([model.score(deployment, q, np.array([c]))[0] for q, c in chosen])

    assert mean_click(taught, far) > mean_click(plain, far)
    assert mean_click(taught, near) < mean_click(plain, near)


def test_partnerships_subset_follows_the_population_subset(world):
    population, pairs = world
    rows = np.arange(0, len(population), 2)
    part, kept = population.subset(rows), pairs.subset(rows, len(population))
    inside = set(rows.tolist())
    expected = {
        (population.ids[a], population.ids[b])
        for a, b in zip(pairs.a, pairs.b, strict=True)
        if a in inside and b in inside
    }
    assert {(part.ids[a], part.ids[b]) for a, b in zip(kept.a, kept.b, strict=True)} == expected
    assert len(kept) == len(expected) > 0


def test_sub_populations_add_training_rows_and_round_trip(world, fitted, tmp_path):
    population, pairs = world
    alone = fitted  # no sub-populations
    more = quick_click(random_state=0, sub_populations=(0.5,)).fit(population, pairs)
    assert more.metadata["training_pairs"] > alone.metadata["training_pairs"]
    assert more.metadata["training_positives"] > alone.metadata["training_positives"]

    more.save(tmp_path / "click")
    loaded = ClickRecommender.load(tmp_path / "click")
    assert loaded.sub_populations == (0.5,)
    assert loaded.config()["params"]["sub_populations"] == [0.5]


def test_resource_walks_follow_the_paths_from_the_query():
    # 0 - 1 - 2 - 3: one shared partner of 0 and 2 (node 1, 2 partners), one path to 3.
    profiles = [
        Profile(
            id=f"o{i}",
            name=f"Org {i}",
            description="x",
            relationships=[f"o{i + 1}"] if i < 3 else [],
        )
        for i in range(4)
    ]
    population = Population.from_profiles(profiles)
    graph = population.graph
    two, three = resource_walks(graph, population.degree, graph[0].toarray().ravel(), 0)
    np.testing.assert_allclose(two, [0.0, 0.0, 0.5, 0.0])
    np.testing.assert_allclose(three, [0.0, 0.25, 0.0, 0.25])  # 1 / (2 * 2) via nodes 1, 2

    row = PairFeatures(population).compute(0, np.array([2, 3]))
    names = list(FEATURES)
    np.testing.assert_allclose(row[:, names.index("resource_allocation")], [0.5, 0.0])
    mean_degree = 6 / 4
    np.testing.assert_allclose(
        row[:, names.index("three_step_paths_rel")], [0.0, 0.25 / mean_degree]
    )


def test_lookalike_shares_count_the_partners_among_the_nearest_profiles(monkeypatch):
    """0's two lookalikes are 1 and 2 (2 works with 4); 4's are 3 and 5 (3 works with 0)."""
    monkeypatch.setattr("matcher.features.LOOKALIKES", 2)
    angles = np.radians([0, 10, 20, 100, 110, 120])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    vectors[5] = np.nan  # no profile vector: nobody's lookalike, and has none
    links = {2: ["o4"], 3: ["o0"]}
    profiles = [
        Profile(id=f"o{i}", name=f"Org {i}", description="x", relationships=links.get(i, []))
        for i in range(6)
    ]
    population = Population.from_profiles(profiles, {"profile": vectors})
    near = nearest_members(vectors, 6, 2).toarray()
    assert [list(np.flatnonzero(r)) for r in near] == [[1, 2], [0, 2], [0, 1], [2, 4], [2, 3], []]

    rows = PairFeatures(population).compute(0, np.array([4, 5, 1]))
    names = list(FEATURES)
    them, us = names.index("lookalikes_partner_them"), names.index("lookalikes_partner_us")
    # 4: one of our two lookalikes (2) is its partner; one of its two (3) is ours.
    np.testing.assert_allclose(rows[:, them], [0.5, 0.0, 0.0])
    np.testing.assert_allclose(rows[:, us], [0.5, np.nan, 0.0])
    # Seen from 4, the shares swap.
    back = PairFeatures(population).compute(4, np.array([0]))
    np.testing.assert_allclose(back[:, [them, us]], rows[:1, [us, them]])
    np.testing.assert_allclose(reverse(rows[:1])[:, [them, us]], back[:, [them, us]])


def test_rare_shared_tags_weigh_more_than_common_ones():
    weights = TagWeights.fit([["common", "rare"], ["common"], ["common", "other"]])
    assert weights["common"] == pytest.approx(1.0)
    assert weights["rare"] > weights["common"]
    assert weights["never-seen"] > weights["rare"]  # unknown to training: the rarest
    profiles = [
        Profile(id="q", name="Q", description="x", tags=["common", "rare"]),
        Profile(id="c", name="C", description="x", tags=["common"]),
        Profile(id="r", name="R", description="x", tags=["rare"]),
        Profile(id="n", name="N", description="x"),
    ]
    features = PairFeatures(Population.from_profiles(profiles), tag_weights=weights)
    row = features.compute(0, np.array([1, 2, 3]))
    shared = row[:, FEATURES.index("shared_tags")]
    weighted = row[:, FEATURES.index("shared_tags_idf")]
    np.testing.assert_allclose(shared, [1, 1, 0])
    np.testing.assert_allclose(weighted, [1.0, weights["rare"], 0.0])


def test_tags_that_share_a_prefix_are_related():
    assert tag_prefixes("HEALTH.2010.2.3-1") == ["health", "health.2", "health.2.3", "health.2.3.1"]
    assert tag_prefixes("circular economy") == ["circular", "circular.economy"]
    profiles = [
        Profile(id="q", name="Q", description="x", tags=["HEALTH.2010.2.3-1"]),
        Profile(id="a", name="A", description="x", tags=["HEALTH.2012.2.3-4"]),
        Profile(id="b", name="B", description="x", tags=["HEALTH.2011.1.1-1"]),
        Profile(id="c", name="C", description="x", tags=["ENV.2010.2.3-1"]),
        Profile(id="n", name="N", description="x"),
    ]
    row = PairFeatures(Population.from_profiles(profiles)).compute(0, np.array([1, 2, 3, 4]))
    prefix = row[:, FEATURES.index("tag_prefix_cosine")]
    root = row[:, FEATURES.index("tag_root_cosine")]
    # a shares programme and area (health.2.3), b the programme only, c neither; n has no tags.
    assert prefix[0] > prefix[1] > prefix[2] == 0
    np.testing.assert_allclose(root, [1.0, 1.0, 0.0, np.nan], atol=1e-6)
    assert np.isnan(prefix[3])
    no_tags = PairFeatures(Population.from_profiles(profiles)).compute(4, np.array([0]))
    assert np.isnan(no_tags[0, FEATURES.index("tag_root_cosine")])


def _bilingual():
    """Two English and two Dutch profiles; 0 and 2 (and 1 and 3) say the same."""
    texts = [
        ("en", "We repair bicycles with volunteers and teach children to cycle safely."),
        ("en", "We fund research into lung disease and campaign against smoking."),
        ("nl", "Wij repareren fietsen met vrijwilligers en leren kinderen veilig fietsen."),
        ("nl", "Wij financieren onderzoek naar longziekten en voeren campagne tegen roken."),
    ]
    profiles = [
        Profile(id=f"o{i}", name=f"Org {i}", language=language, description=text)
        for i, (language, text) in enumerate(texts)
    ]
    angles = np.radians([0, 90, 10, 100])  # the cross-lingual embedding: 0 ~ 2, 1 ~ 3
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    population = Population.from_profiles(profiles, {"profile": vectors})
    # The vocabulary of English training texts, with the few Dutch words such texts use.
    vectorizer = TfidfVectorizer().fit([t for lang, t in texts if lang == "en"] + ["van de en"])
    text = sp.csr_matrix(vectorizer.transform(population.texts()))
    return population, text


def test_words_are_compared_only_between_texts_in_the_vocabularys_language():
    population, text = _bilingual()
    overlap = FEATURES.index("text_overlap")
    unmasked = PairFeatures(population, text).compute(2, np.array([0, 1, 3]))[:, overlap]
    masked = PairFeatures(population, text, text_language="en")
    english = masked.compute(0, np.array([1, 2, 3]))[:, overlap]
    dutch = masked.compute(2, np.array([0, 1, 3]))[:, overlap]
    assert not np.isnan(unmasked).any()  # without the language: whatever the words give
    assert not np.isnan(english[0]) and np.isnan(english[1:]).all()
    assert np.isnan(dutch).all()


def test_a_missing_word_overlap_is_filled_in_from_the_profile_similarity():
    population, text = _bilingual()
    rows = np.full((4, len(FEATURES)), np.nan)
    rows[:, FEATURES.index("sim_profile")] = [0.1, 0.2, 0.8, 0.9]
    rows[:, FEATURES.index("text_overlap")] = [0.0, 0.05, 0.5, 0.6]
    fill = fit_overlap_from_similarity(rows)
    features = PairFeatures(population, text, text_language="en", overlap_from_similarity=fill)
    row = features.compute(2, np.array([0, 1, 3]))
    sim, overlap = row[:, FEATURES.index("sim_profile")], row[:, FEATURES.index("text_overlap")]
    # 0 says what 2 says, in English: like a pair of similar English texts.
    np.testing.assert_allclose(overlap, fill.predict(sim), rtol=1e-6)
    assert overlap[0] > 0.4 > overlap[1]


def test_the_model_keeps_its_vocabularys_language_and_fills_in_the_overlap(tmp_path):
    population, pairs = synthetic()
    for i, profile in enumerate(population.profiles):
        profile.language = "nl" if i % 4 == 0 else "en"
    population = Population.from_profiles(population.profiles, population.vectors)
    model = quick_click().fit(population, pairs)
    assert model.text_language_ == "en"
    rows = model.features(population).compute(0, np.arange(1, 60))  # 0 writes Dutch
    sim, overlap = rows[:, FEATURES.index("sim_profile")], rows[:, FEATURES.index("text_overlap")]
    np.testing.assert_allclose(overlap, model.overlap_from_similarity_.predict(sim), rtol=1e-6)
    model.save(tmp_path / "model")
    loaded = ClickRecommender.load(tmp_path / "model")
    assert loaded.text_language_ == "en"
    everyone = np.arange(len(population))
    scores = [m.score(population, 0, everyone) for m in (loaded, model)]
    assert np.array_equal(*scores)


def test_held_out_report_ranks_in_a_padded_population_for_held_out_queries_only():
    population, pairs = synthetic(n=90)
    _, test = split_organisations(len(population), test_fraction=0.4, seed=0)
    report, table = held_out_report(
        population, pairs, seed=0, test_fraction=0.4, pad_to=60, model=quick_click()
    )
    assert report.organisations == 60
    plain, plain_table = held_out_report(
        population, pairs, seed=0, test_fraction=0.4, model=quick_click()
    )
    assert plain.organisations == len(test) == 36
    # Queries are held-out organisations only; in the padded run they have more partners
    # to find (those among the drawn training organisations), never fewer queries.
    assert len(report.queries_all) >= len(plain.queries_all)
    assert len(report.queries_all) <= len(test)
    # The reliability table is of the held-out organisations alone, padded or not.
    assert table and table == plain_table


def test_held_out_report_with_a_train_share_learns_from_part_of_the_training_organisations(
    monkeypatch,
):
    population, pairs = synthetic(n=90)
    trained_on = []
    fit = ClickRecommender.fit

    def recording_fit(self, population, partnerships, *args, **kwargs):
        trained_on.append(list(population.ids))
        return fit(self, population, partnerships, *args, **kwargs)

    monkeypatch.setattr(ClickRecommender, "fit", recording_fit)
    train, _ = split_organisations(len(population), test_fraction=0.4, seed=0)
    whole, _ = held_out_report(
        population, pairs, seed=0, test_fraction=0.4, pad_to=60, model=quick_click()
    )
    part, _ = held_out_report(
        population,
        pairs,
        seed=0,
        test_fraction=0.4,
        pad_to=60,
        train_share=0.5,
        model=quick_click(),
    )
    assert [len(ids) for ids in trained_on] == [len(train), 27]
    assert set(trained_on[1]) < set(trained_on[0])
    # The same population and queries are ranked either way.
    assert part.organisations == whole.organisations == 60
    np.testing.assert_array_equal(part.queries_all, whole.queries_all)
