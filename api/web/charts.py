"""The numbers behind the pages' small charts (the templates draw them as inline SVG).

Facet bars compare a candidate with the typical candidate retrieved for the
same strategy (the median of each feature, :func:`matcher.reasons.reference_row`):
a raw cosine of two e5 embeddings says little to a person, whether it is
above or below what a typical candidate gets says a lot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.features import FEATURES

#: (text key of the label, feature) for each bar, in the order shown.
FACETS: tuple[tuple[str, str], ...] = (
    ("bar_vision", "sim_vision"),
    ("bar_mission", "sim_mission"),
    ("bar_culture", "sim_culture"),
    ("bar_mindset", "sim_mindset"),
    ("bar_goals", "sim_goals"),
    ("bar_interests", "sim_interests"),
    ("bar_we_seek", "comp_we_seek_they_offer"),
    ("bar_they_seek", "comp_they_seek_we_offer"),
)
#: A difference of this much cosine from the typical candidate fills half the chart.
SPREAD = 0.08


@dataclass(frozen=True)
class Bar:
    label: str
    #: Difference from the typical candidate (cosine points), None if a profile lacks the facet.
    difference: float | None
    #: -1..1: the bar's length and side (right is better than typical).
    fraction: float


def facet_bars(features: np.ndarray | None, reference: np.ndarray | None) -> list[Bar]:
    """One bar per facet both profiles have, against the typical candidate.

    Facets one of the two lacks are left out; none at all gives no bars (no chart).
    """
    if features is None or reference is None:
        return []
    bars = []
    for label, name in FACETS:
        column = FEATURES.index(name)
        value, typical = float(features[column]), float(reference[column])
        if math.isnan(value):
            continue
        if math.isnan(typical):  # a facet few candidates have: no typical value to compare
            bars.append(Bar(label, None, 0.0))
            continue
        difference = value - typical
        bars.append(Bar(label, difference, max(-1.0, min(1.0, difference / SPREAD))))
    return bars


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


#: Bin widths a person reads easily (click points).
STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def histogram(clicks: Sequence[float | None], bins: int = 10) -> list[Bin]:
    """Clicks (0-100) in ``bins`` equal, round-width bins from 0 up to the largest."""
    values = np.array([c for c in clicks if c is not None], dtype=float)
    if len(values) == 0:
        return []
    top = float(values.max())
    step = next((s for s in STEPS if s * bins >= top), STEPS[-1])
    edges = np.arange(bins + 1) * step
    counts, _ = np.histogram(np.clip(values, 0, edges[-1]), bins=edges)
    return [Bin(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(len(counts))]
