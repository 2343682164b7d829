"""The click model: a calibrated, reciprocal ranking of candidate partners.

:class:`ClickClassifier` is a scikit-learn estimator (histogram gradient
boosting, calibrated with isotonic regression) that maps pair features to the
probability that two organisations partner. :class:`ClickRecommender` turns it
into a ranker: it scores every pair both ways, (us, them) and (them, us), and
combines the two with a harmonic mean, so a candidate ranks high only if the
click runs both ways. It averages a few such classifiers, each trained on its own
draw of non-partners and sub-populations.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from matcher.features import (
    FEATURES,
    KIND_PAIR,
    Context,
    PairFeatures,
    TagWeights,
    fill_text_overlap,
    fit_overlap_from_similarity,
    fit_prefix_weights,
    reverse,
)
from matcher.feedback import FeedbackLabels
from matcher.population import Population
from matcher.recommender import Partnerships, Recommender

WEIGHTS = "model.skops"
#: Version of the saved artefact's layout; another is refused at load time.
FORMAT = 5
#: Seed step between the members of the ensemble: member i draws with
#: ``random_state + MEMBER_SEED_STEP * i``.
MEMBER_SEED_STEP = 100
#: Rows from which scoring uses all cores (below: one thread).
PARALLEL_FROM = 20_000

#: The default classifier's trees. Larger trees learn the training population's
#: organisations (a hub's exact partner count marks it) instead of what makes pairs
#: click: on held-out organisations of CORDIS (two splits of organisations), 300 trees
#: of 7 leaves, each leaf holding at least 0.2% of the rows, ranked best of the sizes
#: tried (notes on issue 3).
SMALL_TREES: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 7,
    "l2_regularization": 10.0,
}


class ClickClassifier(ClassifierMixin, BaseEstimator):
    """Gradient boosting on pair features, calibrated to probabilities.

    Parameters
    ----------
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.
    categorical_features
        Indices of categorical columns (non-negative integer codes), or None.
    calibration_folds
        Folds of :class:`~sklearn.calibration.CalibratedClassifierCV` (isotonic);
        0 gives the bare booster (its probabilities uncalibrated, for a caller
        that calibrates a combination of them itself).
    random_state
        Seed for the folds and the boosting.
    """

    def __init__(
        self,
        max_iter: int = 300,
        learning_rate: float = 0.06,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        categorical_features: list[int] | None = None,
        calibration_folds: int = 3,
        random_state: int | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.categorical_features = categorical_features
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        # A column with no value at all (a facet no training profile has) carries no
        # signal; the booster's binning cannot take it, so it sees zeros instead.
        self.empty_columns_ = np.flatnonzero(np.isnan(X).all(axis=0))
        if len(self.empty_columns_):
            X = X.copy()
            X[:, self.empty_columns_] = 0.0
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=self.categorical_features,
            early_stopping=False,
            random_state=self.random_state,
        )
        counts = np.unique(y, return_counts=True)[1]
        folds = min(self.calibration_folds, int(counts.min()))
        if len(self.classes_) < 2 or folds < 2 or self.calibration_folds == 0:
            self.model_: BaseEstimator = booster.fit(X, y, sample_weight=sample_weight)
        else:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            calibrated = CalibratedClassifierCV(booster, method="isotonic", cv=splitter)
            self.model_ = calibrated.fit(X, y, sample_weight=sample_weight)
        self.n_iter_ = self.max_iter  # no early stopping: every booster runs all iterations
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        proba: np.ndarray = self.model_.predict_proba(X)
        return proba

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        labels: np.ndarray = self.classes_[np.argmax(proba, axis=1)]
        return labels

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class ClickRecommender(Recommender):
    """Ranks candidates by the calibrated click, both ways.

    Parameters
    ----------
    n_retrieved
        Per training query: nearest candidates by whole-profile embedding.
    n_network
        Per training query: candidates two steps away in the partner network.
    n_random
        Per training query: other candidates drawn uniformly (weighted to stand for all).
    calibration_folds
        Folds (of unordered pairs) for the out-of-fold clicks that calibrate the
        combined click.
    feedback_weight
        How many training pairs one recorded outcome counts as.
    min_leaf_fraction
        Smallest share of the training rows in a leaf of the default classifier.
    sub_populations
        Sizes, as fractions of the training population, of random sub-populations
        whose pairs are learnt from too. A directory the model ranks in is often
        smaller than the one it was trained on, so partners are fewer and the
        network sparser; these rows show the model partner counts and network
        features as such a directory has them.
    n_members
        Classifiers averaged (their log-odds), each trained on its own draw of
        non-partners and sub-populations. Their mean ranks better than any one of
        them: the top ten of one classifier turn on small differences that another
        draw orders otherwise.
    classifier
        A classifier to use instead of the default: few, small, heavily
        regularised trees (:data:`SMALL_TREES`, leaves of at least
        ``min_leaf_fraction`` of the rows).
    random_state
        Seed for sampling and the classifiers (member i uses
        ``random_state + MEMBER_SEED_STEP * i``).
    """

    name: ClassVar[str] = "klik"

    def __init__(
        self,
        *,
        n_retrieved: int = 100,
        n_network: int = 100,
        n_random: int = 200,
        calibration_folds: int = 3,
        feedback_weight: float = 10.0,
        min_leaf_fraction: float = 0.002,
        sub_populations: tuple[float, ...] = (2 / 3, 0.4),
        n_members: int = 2,
        random_state: int = 0,
        classifier: ClickClassifier | None = None,
    ) -> None:
        self.feedback_weight = feedback_weight
        self.min_leaf_fraction = min_leaf_fraction
        self.sub_populations = sub_populations
        self.n_retrieved = n_retrieved
        self.n_network = n_network
        self.n_random = n_random
        self.calibration_folds = calibration_folds
        self.n_members = n_members
        self.random_state = random_state
        self.classifier = classifier
        self.metadata: dict[str, Any] = {}
        self._features: PairFeatures | None = None

    # ------------------------------------------------------------------ training
    def fit(
        self,
        population: Population,
        partnerships: Partnerships,
        feedback: tuple[Population, FeedbackLabels] | None = None,
    ) -> Self:
        """Learn from ``population``'s partnerships and, optionally, recorded outcomes.

        ``feedback`` is another population (a deployment's profiles) and the
        outcomes recorded for pairs in it; each counts as ``feedback_weight``
        training pairs.
        """
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=200_000)
        self.vectorizer_.fit(population.texts())
        # Pruning the vocabulary leaves numpy integers as its indices; as plain ints the
        # artefact holds one value per term instead of one array, and loads in a fraction
        # of the time.
        vocabulary = self.vectorizer_.vocabulary_
        self.vectorizer_.vocabulary_ = {term: int(i) for term, i in vocabulary.items()}
        self.tag_weights_ = TagWeights.fit(p.tags for p in population.profiles)
        self.prefix_weights_ = fit_prefix_weights(population)
        self.text_language_ = _main_language(population)
        self.overlap_from_similarity_ = None  # the rows below are drawn without a fill-in
        if self.n_members < 1:
            raise ValueError(f"n_members must be at least 1, got {self.n_members}")
        seeds = [self.random_state + MEMBER_SEED_STEP * i for i in range(self.n_members)]
        members = [self._training_rows(population, partnerships, seed) for seed in seeds]
        self.overlap_from_similarity_ = fit_overlap_from_similarity(members[0][0], members[0][2])
        self._features = None  # prepared before the fill-in was fitted
        if self.overlap_from_similarity_ is not None:
            for X, *_ in members:
                fill_text_overlap(X, self.overlap_from_similarity_)
        if feedback is not None and len(feedback[1]):
            fb_population, labels = feedback
            features = self.features(fb_population)
            rows = np.vstack(
                [
                    features.compute(int(q), np.array([int(c)]))
                    for q, c in zip(labels.query, labels.candidate, strict=True)
                ]
            )
            m = len(fb_population)
            ids = np.minimum(labels.query, labels.candidate) * m + np.maximum(
                labels.query, labels.candidate
            )
            # Pair ids of the feedback population come after every CORDIS pair id.
            offset = len(population) ** 2
            members = [
                (
                    np.vstack([X, rows]),
                    np.concatenate([y, labels.label]),
                    np.concatenate([w, np.full(len(labels), self.feedback_weight)]),
                    np.concatenate([pairs, offset + ids]),
                )
                for X, y, w, pairs in members
            ]
            self.metadata["feedback_outcomes"] = len(labels)
            self.metadata["feedback_positives"] = int(labels.label.sum())
        y = members[0][1]
        template = self.classifier or ClickClassifier(
            categorical_features=[KIND_PAIR],
            calibration_folds=0,
            min_samples_leaf=max(20, round(self.min_leaf_fraction * len(y))),
            **SMALL_TREES,
        )
        templates = [clone(template).set_params(random_state=seed) for seed in seeds]
        self.calibrator_ = self._calibrate(templates, members)
        self.classifiers_ = [
            clone(t).fit(X, y, sample_weight=w)
            for t, (X, y, w, _) in zip(templates, members, strict=True)
        ]
        self.metadata["training_population"] = len(population)
        self.metadata["training_pairs"] = len(y)
        self.metadata["training_positives"] = int(y.sum())
        self._features = None
        return self

    def _training_rows(
        self, population: Population, partnerships: Partnerships, seed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`training_data` of the population and of its :attr:`sub_populations`.

        A pair keeps one id in every sub-population it is drawn into, so the
        calibration folds never split it.
        """
        parts = [self.training_data(population, partnerships, seed)]
        n = len(population)
        rng = np.random.default_rng([seed, 1])
        for fraction in self.sub_populations:
            rows = np.sort(rng.permutation(n)[: round(n * fraction)])
            if len(rows) < 2:
                continue
            X, y, w, ids = self.training_data(
                population.subset(rows), partnerships.subset(rows, n), seed
            )
            a, b = rows[ids // len(rows)], rows[ids % len(rows)]
            parts.append((X, y, w, np.minimum(a, b) * n + np.maximum(a, b)))
        X, y, w, ids = (np.concatenate([part[i] for part in parts]) for i in range(4))
        return X, y, w, ids

    def _calibrate(
        self,
        templates: list[ClickClassifier],
        members: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    ) -> IsotonicRegression:
        """Isotonic map from the raw combined click to the observed partnership rate.

        The raw click of each row of the first member comes from an ensemble that
        saw neither direction of that pair: every unordered pair falls in one fold
        for all members, and each member's classifier for a fold learns from its
        own rows outside it. The map is so fitted on clicks like those of pairs
        the model has never seen.
        """
        X0, y0, w0, _ = members[0]
        every = np.unique(np.concatenate([pairs for *_, pairs in members]))
        folds = min(self.calibration_folds, len(every))
        raw = np.zeros(len(y0))
        if folds >= 2:
            rng = np.random.default_rng([self.random_state, 2])
            fold_of = rng.permutation(len(every)) % folds
            member_folds = [fold_of[np.searchsorted(every, pairs)] for *_, pairs in members]
            held = member_folds[0]
            for fold in range(folds):
                fitted = []
                for template, (X, y, w, _), in_fold in zip(
                    templates, members, member_folds, strict=True
                ):
                    rows = in_fold != fold
                    if len(np.unique(y[rows])) == 2:
                        fitted.append(clone(template).fit(X[rows], y[rows], sample_weight=w[rows]))
                if fitted:
                    raw[held == fold] = _raw_click(fitted, X0[held == fold])[2]
        calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        return calibrator.fit(raw, y0, sample_weight=w0)

    def training_data(
        self, population: Population, partnerships: Partnerships, seed: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Feature rows, labels, weights and pair ids for every query with a partner.

        A query's rows are its partners, the candidates a first stage would hand
        over (nearest by embedding, closest in the network) and a uniform sample
        of everyone else. Each row is weighted by the inverse of its chance to
        be drawn (Horvitz-Thompson), so the weighted rows stand for *all* pairs:
        the model learns to rank every candidate, not only retrieved ones, and
        its probabilities are calibrated over all pairs. A pair's id is the same
        both ways round (``min * n + max``). ``seed`` (by default
        ``random_state``) draws the sample.
        """
        rng = np.random.default_rng(self.random_state if seed is None else seed)
        features = self.features(population)
        labels = _label_matrix(partnerships, len(population))
        profile = population.vectors.get("profile")
        rows, ys, weights, ids = [], [], [], []
        n = len(population)
        for query in np.flatnonzero(np.diff(labels.indptr)):
            sure = [labels.indices[labels.indptr[query] : labels.indptr[query + 1]]]
            if profile is not None and not np.isnan(profile[query]).any():
                sims = np.nan_to_num(profile @ profile[query], nan=-np.inf)
                sims[query] = -np.inf
                k = min(self.n_retrieved, n - 1)
                if k > 0:
                    sure.append(np.argpartition(-sims, k - 1)[:k])
            # Past partners: few, and the strongest signal; always scored.
            sure.append(features.graph[query].indices)
            two_hop = (features.graph[query] @ features.weighted).toarray().ravel()
            two_hop[query] = 0
            top = np.argsort(-two_hop)[: self.n_network]
            sure.append(top[two_hop[top] > 0])
            certain = np.unique(np.concatenate(sure))
            certain = certain[certain != query]
            rest = np.setdiff1d(np.arange(n), np.append(certain, query), assume_unique=False)
            size = min(self.n_random, len(rest))
            drawn = rng.choice(rest, size=size, replace=False) if size else rest[:0]
            candidates = np.concatenate([certain, drawn])
            weight = np.concatenate(
                [np.ones(len(certain)), np.full(len(drawn), len(rest) / max(size, 1))]
            )
            rows.append(features.compute(int(query), candidates))
            ys.append(labels[query, candidates].toarray().ravel() > 0)
            weights.append(weight)
            ids.append(np.minimum(query, candidates) * n + np.maximum(query, candidates))
        return (
            np.vstack(rows),
            np.concatenate(ys).astype(np.int64),
            np.concatenate(weights),
            np.concatenate(ids),
        )

    # ------------------------------------------------------------------- scoring
    def features(self, population: Population, context: Context | None = None) -> PairFeatures:
        """Pair features for ``population`` with the model's text and tag weights.

        Without ``context``, prepared once per population object.
        """
        cached = self._features
        if context is None and cached is not None and cached.population is population:
            return cached
        vectorizer = getattr(self, "vectorizer_", None)
        text = None
        if vectorizer is not None:
            text = sp.csr_matrix(vectorizer.transform(population.texts()))
        features = PairFeatures(
            population,
            text,
            context,
            getattr(self, "tag_weights_", None),
            getattr(self, "prefix_weights_", None),
            getattr(self, "text_language_", None),
            getattr(self, "overlap_from_similarity_", None),
        )
        if context is None:
            self._features = features
        return features

    def click(
        self, population: Population, query: int, candidates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Feature rows and the click both ways: (rows, ours, theirs, combined), each in 0..1.

        ``ours`` is how well they fit our strategy, ``theirs`` how well we fit
        theirs; ``combined`` joins the two (harmonic mean). All three are
        calibrated probabilities that the two partner.
        """
        rows = self.features(population).compute(query, candidates)
        return (rows, *self.probabilities(rows))

    def probabilities(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated click (ours, theirs, combined) for feature rows.

        The calibration map was fitted on the combined click; a single direction
        is mapped as the combined click of a pair whose two directions agree.
        """
        ours, theirs, combined = _raw_click(self.classifiers_, rows)
        calibrate = self.calibrator_.predict
        return calibrate(ours), calibrate(theirs), calibrate(combined)

    def rank_score(self, rows: np.ndarray) -> np.ndarray:
        """What candidates are ordered by: the combined click before calibration.

        The calibration map is monotone but has flat steps, which would tie
        candidates that the classifier tells apart.
        """
        return _raw_click(self.classifiers_, rows)[2]

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        return self.rank_score(self.features(population).compute(query, candidates))

    # --------------------------------------------------------------- persistence
    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": FORMAT,
            "features": list(FEATURES),
            "params": {
                "n_retrieved": self.n_retrieved,
                "n_network": self.n_network,
                "n_random": self.n_random,
                "calibration_folds": self.calibration_folds,
                "feedback_weight": self.feedback_weight,
                "min_leaf_fraction": self.min_leaf_fraction,
                "sub_populations": list(self.sub_populations),
                "n_members": self.n_members,
                "random_state": self.random_state,
                "classifier": {
                    k: v
                    for k, v in self.classifiers_[0].get_params().items()
                    if isinstance(v, int | float | str | list | type(None))
                },
            },
            "versions": {
                "python": platform.python_version(),
                **{pkg: version(pkg) for pkg in ("klik", "scikit-learn", "numpy", "skops")},
            },
            **self.metadata,
            "text_language": self.text_language_,
        }

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        weights = path / WEIGHTS
        sio.dump(
            {
                "vectorizer": self.vectorizer_,
                "classifiers": self.classifiers_,
                "calibrator": self.calibrator_,
                "overlap_from_similarity": self.overlap_from_similarity_,
                "tag_weights": {
                    "weights": self.tag_weights_.weights,
                    "unseen": self.tag_weights_.unseen,
                },
                "prefix_weights": {
                    "weights": self.prefix_weights_.weights,
                    "unseen": self.prefix_weights_.unseen,
                },
            },
            weights,
        )
        config = self.config()
        config["weights_sha256"] = _sha256(weights)
        (path / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Self:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config.get("name") != cls.name:
            raise ValueError(f"{path} holds a {config.get('name')!r} model, not {cls.name!r}")
        if config.get("format") != FORMAT:
            raise ValueError(
                f"{path} was saved in format {config.get('format')}, this klik reads "
                f"format {FORMAT}; retrain with `klik train`"
            )
        if config.get("features") != list(FEATURES):
            raise ValueError(f"{path} was trained on other features; retrain with `klik train`")
        weights = path / WEIGHTS
        if _sha256(weights) != config.get("weights_sha256"):
            raise ValueError(f"{weights} does not match the hash in its config.json")
        untrusted = sio.get_untrusted_types(file=weights)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise ValueError(f"{weights} holds unexpected types: {', '.join(unexpected)}")
        state = sio.load(weights, trusted=untrusted)
        params = config["params"]
        model = cls(
            n_retrieved=params["n_retrieved"],
            n_network=params["n_network"],
            n_random=params["n_random"],
            calibration_folds=params["calibration_folds"],
            feedback_weight=params["feedback_weight"],
            min_leaf_fraction=params["min_leaf_fraction"],
            sub_populations=tuple(params.get("sub_populations", ())),
            n_members=params["n_members"],
            random_state=params["random_state"],
        )
        model.vectorizer_ = state["vectorizer"]
        model.classifiers_ = list(state["classifiers"])
        model.calibrator_ = state["calibrator"]
        model.overlap_from_similarity_ = state["overlap_from_similarity"]
        model.text_language_ = config["text_language"]
        tags = state["tag_weights"]
        model.tag_weights_ = TagWeights(dict(tags["weights"]), float(tags["unseen"]))
        prefixes = state["prefix_weights"]
        model.prefix_weights_ = TagWeights(dict(prefixes["weights"]), float(prefixes["unseen"]))
        model.metadata = {k: v for k, v in config.items() if k not in {"params", "features"}}
        return model


#: Types a saved click model may contain beyond what skops trusts by default.
TRUSTED_PREFIXES = (
    "matcher.click_model.",
    "sklearn.",
    "numpy.",
    "scipy.",
    "builtins.",
    "functools.partial",
)


def _raw_click(
    classifiers: list[ClickClassifier], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The click both ways and their harmonic mean, uncalibrated.

    Each classifier's click (ours, theirs, and their harmonic mean) is averaged
    over the classifiers in log-odds.
    """
    # A shortlist scores a few hundred rows: threads cost more than they give there, and
    # many of them at once (a server's workers) slow every request down by orders of size.
    flipped = reverse(rows)
    clicks = []
    with threadpool_limits(1 if len(rows) < PARALLEL_FROM else None):
        for classifier in classifiers:
            ours = classifier.predict_proba(rows)[:, 1]
            theirs = classifier.predict_proba(flipped)[:, 1]
            total = ours + theirs
            combined = np.divide(
                2 * ours * theirs, total, out=np.zeros_like(total), where=total > 0
            )
            clicks.append((ours, theirs, combined))
    if len(clicks) == 1:
        return clicks[0]
    ours, theirs, combined = (
        expit(np.mean([logit(np.clip(c[i], 1e-12, 1 - 1e-12)) for c in clicks], axis=0))
        for i in range(3)
    )
    return ours, theirs, combined


def _main_language(population: Population) -> str | None:
    """The language most of the population's profiles are written in (None if unknown)."""
    languages = [language for language in population.languages if language is not None]
    if not languages:
        return None
    values, counts = np.unique(languages, return_counts=True)
    return str(values[np.argmax(counts)])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _label_matrix(partnerships: Partnerships, n: int) -> sp.csr_matrix:
    ones = np.ones(len(partnerships), dtype=np.float32)
    matrix = sp.coo_matrix((ones, (partnerships.a, partnerships.b)), shape=(n, n)).tocsr()
    return sp.csr_matrix(((matrix + matrix.T) > 0).astype(np.float32))
