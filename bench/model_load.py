"""How long loading the click model takes: the shipped artefact against its old layout.

Every process that ranks with the click model loads it first (``klik shortlist``,
``klik screen``, each batch worker, each server worker), so its load time is part of
the latency a user sees. Until 2026-12-07 the TF-IDF vocabulary in the artefact held
numpy integers, each saved (and audited on load) as an array of its own. The baseline
is the same model saved that way, in the same run; both are checked to score alike.

    python bench/model_load.py [--model models/click] [--runs 5]

Prints the median and the fastest of ``--runs`` loads of each, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from matcher.click_model import ClickRecommender
from matcher.features import FEATURES, KIND_PAIR

MODEL = Path(__file__).parents[1] / "models" / "click"


def _times(folder: Path, runs: int) -> tuple[list[float], ClickRecommender]:
    times, model = [], None
    for _ in range(runs):
        start = time.perf_counter()
        model = ClickRecommender.load(folder)
        times.append(time.perf_counter() - start)
    assert model is not None
    return times, model


def main() -> None:
    parser = argparse.ArgumentParser(description="click model load time, against the old layout")
    parser.add_argument("--model", type=Path, default=MODEL, help="a saved click model")
    parser.add_argument("--runs", type=int, default=5, help="loads of each")
    args = parser.parse_args()
    shipped = ClickRecommender.load(args.model)
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "click"
        baseline = ClickRecommender.load(args.model)
        vocabulary = baseline.vectorizer_.vocabulary_
        baseline.vectorizer_.vocabulary_ = {t: np.int64(i) for t, i in vocabulary.items()}
        baseline.save(old)
        rng = np.random.default_rng(0)
        rows = rng.normal(size=(500, len(FEATURES)))
        rows[:, KIND_PAIR] = rng.integers(0, 36, size=500)  # a category code
        texts = ["Circulaire economie en recycling van kunststoffen", "Urban climate adaptation"]
        results = {}
        for name, path in (("old layout (numpy ints)", old), ("shipped", args.model)):
            times, model = _times(path, args.runs)
            assert np.array_equal(model.rank_score(rows), shipped.rank_score(rows))
            assert (
                model.vectorizer_.transform(texts) != shipped.vectorizer_.transform(texts)
            ).nnz == 0
            results[name] = times
    print(f"{len(shipped.vectorizer_.vocabulary_)} terms, {args.runs} loads each")
    print(f"{'artefact':<26} {'median s':>9} {'fastest s':>10}")
    for name, times in results.items():
        print(f"{name:<26} {statistics.median(times):>9.2f} {min(times):>10.2f}")
    old_median, new_median = (statistics.median(t) for t in results.values())
    print(f"ratio (old / shipped, median): {old_median / new_median:.1f}")


if __name__ == "__main__":
    main()
