"""Features of a pair (us, them): why two organisations might click.

Every feature has a name an explanation can cite. Facet similarities are
cosines of language-centred embeddings; a missing facet on either side gives
NaN (histogram gradient boosting treats missing values natively), never 0.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.isotonic import IsotonicRegression
from sklearn.preprocessing import normalize

from matcher.language import detect_language
from matcher.population import Population
from matcher.profiles import Kind

#: (feature name, our facet, their facet): cosine of the two facet vectors.
SIMILARITIES: tuple[tuple[str, str, str], ...] = (
    ("sim_profile", "profile", "profile"),
    ("sim_mission", "mission", "mission"),
    ("sim_vision", "vision", "vision"),
    ("sim_culture", "culture", "culture"),
    ("sim_mindset", "mindset", "mindset"),
    ("sim_goals", "goals", "goals"),
    ("sim_target_groups", "target_groups", "target_groups"),
    ("sim_interests", "interests", "interests"),
    ("sim_description", "description", "description"),
    ("sim_our_interests_their_description", "interests", "description"),
    ("sim_their_interests_our_description", "description", "interests"),
    # Complementarity: what one side seeks against what the other offers.
    ("comp_we_seek_they_offer", "seeks", "offers"),
    ("comp_they_seek_we_offer", "offers", "seeks"),
    # Conflict: one side's red lines against the other's whole profile.
    ("conflict_our_red_lines", "red_lines", "profile"),
    ("conflict_their_red_lines", "profile", "red_lines"),
)

#: Facet-agnostic summaries of the same-facet similarities a pair has, so what is
#: learnt on sparse profiles carries over to rich ones.
AGGREGATES = ("sim_facets_mean", "sim_facets_max", "facets_compared", "sim_profile_z")
_SAME_FACET = [i for i, (_, a, b) in enumerate(SIMILARITIES) if a == b and a != "profile"]

#: Network features are relative to the population (percentiles, ratios to the mean
#: number of partners), so a model trained on one population ranks in a larger one.
NETWORK = (
    "past_partner",
    "shared_partners",
    "shared_partners_rel",
    "adamic_adar_rel",
    "partner_jaccard",
    "their_partners_pct",
    "our_partners_pct",
    "their_partners_rel",
    "our_partners_rel",
    "resource_allocation",
    "three_step_paths_rel",
    "lookalikes_partner_them",
    "lookalikes_partner_us",
)
#: How many of an organisation's most similar organisations (by whole profile) are its
#: lookalikes: ``lookalikes_partner_them`` is the share of ours that are partners of
#: theirs ("organisations like us work with them"), ``lookalikes_partner_us`` the share of
#: theirs that are partners of ours.
LOOKALIKES = 50
CONTEXT = (
    "kind_pair",
    "same_country",
    "same_city",
    "shared_tags",
    "shared_tags_idf",
    "tag_prefix_cosine",
    "tag_root_cosine",
    "text_overlap",
)

FEATURES: tuple[str, ...] = (
    *(name for name, _, _ in SIMILARITIES),
    *AGGREGATES,
    *NETWORK,
    *CONTEXT,
)
#: Column of the kind pair, a categorical feature (our kind x their kind).
KIND_PAIR = FEATURES.index("kind_pair")
SIM_PROFILE = FEATURES.index("sim_profile")
TEXT_OVERLAP = FEATURES.index("text_overlap")
KINDS = [k.value for k in Kind]
#: Kinds the model tells apart. Its training data (CORDIS) files charities, NGOs and
#: associations under "other", so a charity is scored as one.
MODEL_KIND = {Kind.charity.value: Kind.other.value}


@dataclass(frozen=True)
class Context:
    """A larger population's view of a slice's members (see :class:`PairFeatures`).

    ``walks`` holds, per member, the two- and three-step resource-allocation walks
    from the query (row 0 of the slice) through the larger population's graph
    (see :meth:`PairFeatures.walks`): a slice does not hold the partners of its
    candidates' partners that the three-step walk passes through. ``lookalikes`` holds,
    per member as a candidate, its two lookalike shares (see
    :meth:`PairFeatures.lookalikes`), found among the whole directory.
    """

    degree: np.ndarray
    degree_pct: np.ndarray
    mean_degree: float
    sample: np.ndarray
    walks: np.ndarray | None = None
    lookalikes: np.ndarray | None = None


@dataclass(frozen=True)
class TagWeights:
    """How telling a shared tag is: its smoothed inverse document frequency.

    Fitted on the model's training profiles; a tag they never used counts as
    the rarest (``unseen``).
    """

    weights: dict[str, float] = field(default_factory=dict)
    unseen: float = 1.0

    @classmethod
    def fit(cls, tag_sets: Iterable[Iterable[str]]) -> TagWeights:
        counts: Counter[str] = Counter()
        n = 0
        for tags in tag_sets:
            counts.update(set(tags))
            n += 1
        weights = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in counts.items()}
        return cls(weights, math.log(1 + n) + 1)

    def __getitem__(self, tag: str) -> float:
        return self.weights.get(tag, self.unseen)


#: What splits a tag into parts ("HEALTH.2010.2.3-1", "circular economy"), and a
#: part that is a year, left out (call codes carry the year of the call).
_TAG_PARTS = re.compile(r"[\s.\-_/;:]+")
_YEAR = re.compile(r"^(19|20)\d\d$")


@functools.lru_cache(maxsize=65_536)
def _prefixes(tag: str) -> tuple[str, ...]:
    parts = [p for p in _TAG_PARTS.split(tag.lower()) if p and not _YEAR.match(p)]
    return tuple(".".join(parts[: i + 1]) for i in range(len(parts)))


def tag_prefixes(tag: str) -> list[str]:
    """A tag's prefixes by its parts, shortest first, lower-cased and without years.

    ``"HEALTH.2010.2.3-1"`` gives ``health``, ``health.2``, ``health.2.3`` and
    ``health.2.3.1``; ``"circular economy"`` gives ``circular`` and ``circular.economy``.
    Two tags that share a prefix are related: the same programme or area of a call
    code, the same head word of a keyword.
    """
    return list(_prefixes(tag))


def prefix_sets(tags: Iterable[str]) -> tuple[set[str], set[str]]:
    """All prefixes of a profile's tags, and their roots (first parts)."""
    every: set[str] = set()
    roots: set[str] = set()
    for tag in tags:
        prefixes = _prefixes(tag)
        every.update(prefixes)
        roots.update(prefixes[:1])
    return every, roots


def fit_prefix_weights(population: Population) -> TagWeights:
    """:class:`TagWeights` of the tag prefixes of ``population``'s profiles."""
    return TagWeights.fit(prefix_sets(p.tags)[0] for p in population.profiles)


class PairFeatures:
    """Computes :data:`FEATURES` for one query against many candidates of a population.

    Parameters
    ----------
    population
        The organisations; its graph gives the network features.
    text_vectors
        Optional L2-normalised sparse TF-IDF rows of every member's text (from the
        model's fitted vectoriser) for ``text_overlap``; NaN without it.
    context
        For a population that is a slice of a larger one (a query at row 0, its
        candidates and the query's partners, out of a whole directory): the larger
        population's partner counts of the members, mean partner count, a
        sample of its whole-profile vectors and the walks from the query. Without
        it, the population is the whole world.
    tag_weights
        Weights of shared tags for ``shared_tags_idf`` (the model's, fitted on its
        training profiles); without them, fitted on ``population``.
    prefix_weights
        Weights of tag prefixes (:func:`tag_prefixes`) for ``tag_prefix_cosine`` and
        ``tag_root_cosine``, fitted the same way.
    text_language
        The language of the texts the TF-IDF vocabulary was fitted on. Between two texts
        that are not both in it, the words cannot be compared: the vocabulary holds only
        the few words of another language that its texts happen to use ("de", "van",
        "en" for Dutch), so two Dutch texts would overlap like near-copies and a Dutch
        and an English one not at all. ``text_overlap`` is missing there.
    overlap_from_similarity
        Fills in a missing ``text_overlap`` from ``sim_profile`` (see
        :func:`fit_overlap_from_similarity`): the cross-lingual embedding stands in
        for the words.
    """

    def __init__(
        self,
        population: Population,
        text_vectors: sp.csr_matrix | None = None,
        context: Context | None = None,
        tag_weights: TagWeights | None = None,
        prefix_weights: TagWeights | None = None,
        text_language: str | None = None,
        overlap_from_similarity: IsotonicRegression | None = None,
    ) -> None:
        self.population = population
        self.text_vectors = text_vectors
        self.overlap_from_similarity = overlap_from_similarity
        # Members whose text is in another language than the vocabulary's.
        self.foreign: np.ndarray | None = None
        if text_language is not None:
            languages = [
                language or detect_language(profile.all_text())
                for language, profile in zip(population.languages, population.profiles, strict=True)
            ]
            self.foreign = np.array(
                [language not in (None, text_language) for language in languages], dtype=bool
            )
        self.context_walks = context.walks if context is not None else None
        self.context_lookalikes = context.lookalikes if context is not None else None
        self._lookalikes: sp.csr_matrix | None = None
        graph = sp.csr_matrix(population.graph, dtype=np.float32)
        self.graph = graph
        self.degree = np.asarray(graph.sum(axis=1)).ravel()
        self.sample = population.vectors.get("profile")
        if context is not None:
            self.degree = np.asarray(context.degree, dtype=np.float64)
            self.sample = context.sample
        # Adamic-Adar weights: 1 / log(degree) of each shared partner.
        with np.errstate(divide="ignore"):
            weights = np.where(self.degree > 1, 1.0 / np.log(np.maximum(self.degree, 2)), 0.0)
        self.weighted = sp.csr_matrix(graph.multiply(weights.astype(np.float32)[None, :]))
        self.mean_degree = max(float(self.degree.mean()), 1e-9) if len(self.degree) else 1.0
        self.degree_pct = (
            rankdata(self.degree, method="average") / len(self.degree)
            if len(self.degree)
            else self.degree
        )
        if context is not None:
            self.mean_degree = context.mean_degree
            self.degree_pct = np.asarray(context.degree_pct, dtype=np.float64)
        self.kind_codes = np.array(
            [KINDS.index(MODEL_KIND.get(k, k)) for k in population.kinds], dtype=np.int64
        )
        if tag_weights is None:
            tag_weights = TagWeights.fit(p.tags for p in population.profiles)
        self.tags, self.weighted_tags = _tag_matrices(population, tag_weights)
        if prefix_weights is None:
            prefix_weights = fit_prefix_weights(population)
        self.prefixes, self.roots = _prefix_matrices(population, prefix_weights)
        # Members with a tag prefix (the same members have a root).
        self.prefixed = np.diff(self.prefixes.indptr) > 0
        self.cities = np.array([(p.city or "").strip().lower() for p in population.profiles])

    def compute(self, query: int, candidates: np.ndarray) -> np.ndarray:
        """Feature rows (float32, ``len(candidates) x len(FEATURES)``) for ``query``."""
        pop = self.population
        n = len(candidates)
        out = np.full((n, len(FEATURES)), np.nan, dtype=np.float32)
        col = 0
        for _, ours, theirs in SIMILARITIES:
            q = pop.vectors.get(ours)
            c = pop.vectors.get(theirs)
            if q is not None and c is not None:
                out[:, col] = c[candidates] @ q[query]
            col += 1
        same = out[:, _SAME_FACET]
        compared = (~np.isnan(same)).sum(axis=1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN, as wanted
            out[:, col] = np.nanmean(same, axis=1)
            out[:, col + 1] = np.nanmax(same, axis=1)
        out[:, col + 2] = compared
        profile = pop.vectors.get("profile")
        if profile is not None and self.sample is not None and not np.isnan(profile[query]).any():
            everyone = self.sample @ profile[query]
            centre, spread = np.nanmean(everyone), np.nanstd(everyone)
            out[:, col + 3] = (out[:, 0] - centre) / max(float(spread), 1e-6)
        col += len(AGGREGATES)

        row = self.graph[query]
        out[:, col] = row[:, candidates].toarray().ravel()
        shared = np.asarray((row @ self.graph[candidates].T).todense()).ravel()
        adamic_adar = np.asarray((row @ self.weighted[candidates].T).todense()).ravel()
        out[:, col + 1] = shared
        out[:, col + 2] = shared / self.mean_degree
        out[:, col + 3] = adamic_adar / self.mean_degree
        union = self.degree[query] + self.degree[candidates] - shared
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, col + 4] = np.where(union > 0, shared / union, 0.0)
        out[:, col + 5] = self.degree_pct[candidates]
        out[:, col + 6] = self.degree_pct[query]
        out[:, col + 7] = self.degree[candidates] / self.mean_degree
        out[:, col + 8] = self.degree[query] / self.mean_degree
        two, three = self.walks(query)
        out[:, col + 9] = two[candidates]
        out[:, col + 10] = three[candidates] / self.mean_degree
        out[:, col + 11], out[:, col + 12] = self.lookalikes(query, candidates)
        col += len(NETWORK)

        out[:, col] = self.kind_codes[query] * len(KINDS) + self.kind_codes[candidates]
        out[:, col + 1] = _same(pop.countries, query, candidates)
        out[:, col + 2] = _same(self.cities, query, candidates)
        if self.tags[query].nnz:
            theirs = self.tags[candidates]
            out[:, col + 3] = (theirs @ self.tags[query].T).toarray().ravel()
            out[:, col + 4] = (theirs @ self.weighted_tags[query].T).toarray().ravel()
        if self.prefixed[query]:
            tagged = self.prefixed[candidates]
            for offset, matrix in ((5, self.prefixes), (6, self.roots)):
                cosine = (matrix[candidates] @ matrix[query].T).toarray().ravel()
                out[:, col + offset] = np.where(tagged, cosine, np.nan)
        if self.text_vectors is not None:
            overlap = (self.text_vectors[candidates] @ self.text_vectors[query].T).toarray()
            out[:, col + 7] = overlap.ravel()
            if self.foreign is not None:
                out[self.foreign[query] | self.foreign[candidates], col + 7] = np.nan
        if self.overlap_from_similarity is not None:
            fill_text_overlap(out, self.overlap_from_similarity)
        return out

    def walks(self, query: int) -> tuple[np.ndarray, np.ndarray]:
        """Resource-allocation walks from ``query`` to every member: two and three steps.

        The two-step walk to ``c`` is the resource-allocation index, the sum of
        ``1 / partners(a)`` over the partners ``a`` the two share; the three-step
        walk sums ``1 / (partners(a) * partners(b))`` over paths
        ``query - a - b - c`` that do not pass the query again. The two-step walk is
        symmetric; the three-step one is too, except between partners: from one end
        it leaves out the paths that turn back at that end (``query - a - query - c``)
        but keeps those that turn back at the other (``query - c - b - c``).
        :func:`reverse` treats both as symmetric.
        """
        if self.context_walks is not None and query == 0:
            return self.context_walks[0], self.context_walks[1]
        return resource_walks(self.graph, self.degree, self.graph[query].toarray().ravel(), query)

    def lookalikes(self, query: int, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shares of lookalikes that are partners: of the query's, of each candidate's.

        An organisation's lookalikes are the :data:`LOOKALIKES` other members nearest to
        it by whole-profile cosine (fewer in a small population); the first share is the
        fraction of the query's lookalikes that are partners of the candidate, the second
        the fraction of the candidate's lookalikes that are partners of the query. NaN for
        an organisation without a profile vector.
        """
        if self.context_lookalikes is not None and query == 0:
            return self.context_lookalikes[0][candidates], self.context_lookalikes[1][candidates]
        if self._lookalikes is None:
            self._lookalikes = nearest_members(
                self.population.vectors.get("profile"), len(self.population), LOOKALIKES
            )
        near = self._lookalikes
        counts = np.diff(near.indptr).astype(np.float64)
        ours = np.asarray((self.graph[candidates] @ near[query].T).todense()).ravel()
        theirs = np.asarray((near[candidates] @ self.graph[query].T).todense()).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            first = ours / counts[query] if counts[query] else np.full(len(candidates), np.nan)
            second = np.where(counts[candidates] > 0, theirs / counts[candidates], np.nan)
        return first, second


def fit_overlap_from_similarity(
    rows: np.ndarray, sample_weight: np.ndarray | None = None
) -> IsotonicRegression | None:
    """``text_overlap`` as a rising function of ``sim_profile``, from feature rows.

    Fitted on the training pairs whose overlap could be measured, weighted as those
    pairs stand for all pairs; None without any.
    """
    known = ~np.isnan(rows[:, TEXT_OVERLAP]) & ~np.isnan(rows[:, SIM_PROFILE])
    if not known.any():
        return None
    weight = None if sample_weight is None else sample_weight[known]
    fit = IsotonicRegression(increasing=True, out_of_bounds="clip")
    return fit.fit(rows[known, SIM_PROFILE], rows[known, TEXT_OVERLAP], sample_weight=weight)


def fill_text_overlap(rows: np.ndarray, from_similarity: IsotonicRegression) -> np.ndarray:
    """Fill in, in place, each missing ``text_overlap`` from the pair's ``sim_profile``."""
    missing = np.isnan(rows[:, TEXT_OVERLAP]) & ~np.isnan(rows[:, SIM_PROFILE])
    if missing.any():
        rows[missing, TEXT_OVERLAP] = from_similarity.predict(rows[missing, SIM_PROFILE])
    return rows


def nearest_members(vectors: np.ndarray | None, n: int, k: int, block: int = 1024) -> sp.csr_matrix:
    """0/1 CSR ``n x n``: row ``i`` marks the ``k`` members nearest to ``i`` by cosine of
    ``vectors`` (L2-normalised rows; a NaN row has no neighbours and is nobody's), not ``i``."""
    if vectors is None or n < 2:
        return sp.csr_matrix((n, n), dtype=np.float32)
    valid = ~np.isnan(vectors).any(axis=1)
    k = min(k, int(valid.sum()) - 1)
    if k <= 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    clean = np.where(valid[:, None], vectors, 0.0).astype(np.float32)
    rows, cols = [], []
    members = np.flatnonzero(valid)
    for start in range(0, len(members), block):
        part = members[start : start + block]
        sims = clean[part] @ clean.T
        sims[:, ~valid] = -np.inf
        sims[np.arange(len(part)), part] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        rows.append(np.repeat(part, k))
        cols.append(top.ravel())
    a, b = np.concatenate(rows), np.concatenate(cols)
    ones = np.ones(len(a), dtype=np.float32)
    return sp.csr_matrix((ones, (a, b)), shape=(n, n))


def resource_walks(
    graph: sp.csr_matrix, degree: np.ndarray, partners: np.ndarray, query: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Two- and three-step resource-allocation walks from a query with the 0/1 ``partners``
    vector over ``graph``'s nodes (see :meth:`PairFeatures.walks`); ``query`` is its node,
    or None for a query outside the graph."""
    inverse = np.divide(1.0, degree, out=np.zeros(len(degree)), where=degree > 0)
    two = np.asarray(graph @ (partners * inverse), dtype=np.float64).ravel()
    if query is not None:
        two[query] = 0.0
    three = np.asarray(graph @ (two * inverse), dtype=np.float64).ravel()
    return two, three


def _tag_matrices(
    population: Population, weights: TagWeights
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """0/1 member x tag matrix, and the same with each tag's weight."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for i, profile in enumerate(population.profiles):
        for tag in set(profile.tags):
            rows.append(i)
            cols.append(vocabulary.setdefault(tag, len(vocabulary)))
    shape = (len(population), len(vocabulary))
    ones = np.ones(len(rows), dtype=np.float32)
    tags = sp.csr_matrix((ones, (rows, cols)), shape=shape)
    weight = np.array([weights[t] for t in vocabulary], dtype=np.float32)
    return tags, sp.csr_matrix(tags @ sp.diags(weight))


def _prefix_matrices(
    population: Population, weights: TagWeights
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Member x tag-prefix rows, weighted and L2-normalised: all prefixes, and roots only."""
    vocabulary: dict[str, int] = {}
    rows: list[list[int]] = [[], []]
    cols: list[list[int]] = [[], []]
    for i, profile in enumerate(population.profiles):
        if not profile.tags:
            continue
        for level, prefixes in enumerate(prefix_sets(profile.tags)):
            for prefix in prefixes:
                rows[level].append(i)
                cols[level].append(vocabulary.setdefault(prefix, len(vocabulary)))
    weight = np.array([weights[t] for t in vocabulary], dtype=np.float32)
    shape = (len(population), len(vocabulary))
    matrices = []
    for level in (0, 1):
        col = np.array(cols[level], dtype=np.int64)
        matrix = sp.csr_matrix((weight[col], (rows[level], col)), shape=shape, dtype=np.float32)
        # normalize refuses a matrix without columns (a population without tags).
        matrices.append(sp.csr_matrix(normalize(matrix)) if vocabulary else matrix)
    return matrices[0], matrices[1]


def _same(values: np.ndarray, query: int, candidates: np.ndarray) -> np.ndarray:
    """1 where both have the value and it is equal, 0 where it differs, NaN where unknown."""
    ours = values[query]
    theirs = values[candidates]
    result = (theirs == ours).astype(np.float32)
    result[(theirs == "") | (ours == "")] = np.nan
    return result


def _swap_pairs() -> list[tuple[int, int]]:
    names = list(FEATURES)
    pairs = [
        ("sim_our_interests_their_description", "sim_their_interests_our_description"),
        ("comp_we_seek_they_offer", "comp_they_seek_we_offer"),
        ("conflict_our_red_lines", "conflict_their_red_lines"),
        ("their_partners_pct", "our_partners_pct"),
        ("their_partners_rel", "our_partners_rel"),
        ("lookalikes_partner_them", "lookalikes_partner_us"),
    ]
    return [(names.index(a), names.index(b)) for a, b in pairs]


_SWAPS = _swap_pairs()


def reverse(rows: np.ndarray) -> np.ndarray:
    """The same pairs seen from the other side: (them, us) instead of (us, them)."""
    out = rows.copy()
    for a, b in _SWAPS:
        out[:, [a, b]] = rows[:, [b, a]]
    kind = rows[:, KIND_PAIR]
    ours, theirs = np.divmod(kind, len(KINDS))
    out[:, KIND_PAIR] = theirs * len(KINDS) + ours
    return out
