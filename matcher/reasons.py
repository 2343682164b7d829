"""Why this score: the click model's contributions per group of features, for a person.

The features are grouped by what a person would name (vision and mission,
culture and mindset, goals, the whole profile, complementarity, red lines,
shared partners, experience with partnerships, kind and place). Each group's
contribution is its exact Shapley value over the groups: the click of the
pair against a *reference* pair (the median candidate retrieved for the same
strategy), averaged over every order in which the groups could be switched
from the reference's values to the pair's. With 9 groups that is 512
evaluations of the model, both ways, per pair. The contributions add up to
the difference between the pair's combined click and the reference's,
before calibration (the calibration map is a step function that would zero
most shares), in points of 0-100.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import product
from math import factorial

import numpy as np

from matcher.click_model import ClickRecommender
from matcher.features import FEATURES, KIND_PAIR

#: Group -> its features. Groups are closed under swapping the two sides.
GROUPS: dict[str, tuple[str, ...]] = {
    "vision": ("sim_mission", "sim_vision"),
    "culture": ("sim_culture", "sim_mindset"),
    "goals": (
        "sim_goals",
        "sim_interests",
        "sim_target_groups",
        "sim_our_interests_their_description",
        "sim_their_interests_our_description",
    ),
    "profile": (
        "sim_profile",
        "sim_description",
        "sim_facets_mean",
        "sim_facets_max",
        "facets_compared",
        "sim_profile_z",
        "text_overlap",
        "shared_tags",
        "shared_tags_idf",
        "tag_prefix_cosine",
        "tag_root_cosine",
    ),
    "complementarity": ("comp_we_seek_they_offer", "comp_they_seek_we_offer"),
    "red_lines": ("conflict_our_red_lines", "conflict_their_red_lines"),
    "network": (
        "past_partner",
        "shared_partners",
        "shared_partners_rel",
        "adamic_adar_rel",
        "partner_jaccard",
        "resource_allocation",
        "three_step_paths_rel",
        "lookalikes_partner_them",
        "lookalikes_partner_us",
    ),
    "popularity": (
        "their_partners_pct",
        "our_partners_pct",
        "their_partners_rel",
        "our_partners_rel",
    ),
    "kind_place": ("kind_pair", "same_country", "same_city"),
}
_COLUMNS = {g: np.array([FEATURES.index(f) for f in fs]) for g, fs in GROUPS.items()}
assert sorted(int(c) for cs in _COLUMNS.values() for c in cs) == list(range(len(FEATURES)))


@dataclass(frozen=True)
class Contribution:
    """A group's share of the click, in points (0-100 scale), against the reference."""

    group: str
    points: float


def reference_row(rows: np.ndarray) -> np.ndarray:
    """The median candidate: per feature the median (the most common kind pair)."""
    if len(rows) == 0:
        raise ValueError("no candidate rows to take a reference from")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a facet nobody has stays NaN
        reference = np.nanmedian(rows, axis=0)
    kinds = rows[:, KIND_PAIR]
    kinds = kinds[~np.isnan(kinds)]
    if len(kinds):
        values, counts = np.unique(kinds, return_counts=True)
        reference[KIND_PAIR] = values[np.argmax(counts)]
    return reference


def contributions(
    model: ClickRecommender, row: np.ndarray, reference: np.ndarray
) -> list[Contribution]:
    """Each group's Shapley value of the combined click (points), largest first."""
    groups = list(GROUPS)
    n = len(groups)
    masks = np.array(list(product((0, 1), repeat=n)), dtype=bool)  # 2^n coalitions
    rows = np.repeat(reference[None, :], len(masks), axis=0)
    for g, group in enumerate(groups):
        cols = _COLUMNS[group]
        rows[np.ix_(masks[:, g], cols)] = row[cols]
    raw = model.rank_score(rows)
    value = {tuple(m): v for m, v in zip(masks.tolist(), raw, strict=True)}
    weight = [factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)]
    shapley = np.zeros(n)
    for mask in masks:
        without = tuple(mask.tolist())
        size = int(mask.sum())
        for g in range(n):
            if mask[g]:
                continue
            with_g = list(without)
            with_g[g] = True
            shapley[g] += weight[size] * (value[tuple(with_g)] - value[without])
    points = shapley * 100
    out = [Contribution(g, round(float(p), 2)) for g, p in zip(groups, points, strict=True)]
    return sorted(out, key=lambda c: -abs(c.points))


def first_order(model: ClickRecommender, rows: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per pair and group (columns in :data:`GROUPS` order), the points the group alone
    adds to the reference's click: a cheap stand-in for :func:`contributions` when
    thousands of pairs are ranked at once (9 model evaluations per pair, not 512).
    """
    base = float(model.rank_score(reference[None, :])[0])
    out = np.empty((len(rows), len(GROUPS)))
    for g, group in enumerate(GROUPS):
        swapped = np.repeat(reference[None, :], len(rows), axis=0)
        cols = _COLUMNS[group]
        swapped[:, cols] = rows[:, cols]
        out[:, g] = 100 * (model.rank_score(swapped) - base)
    return out
