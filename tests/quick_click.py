"""A click model that trains in a fraction of a second, for tests of the code around it.

The default model averages members, learns from sub-populations and runs 300 boosting
rounds per classifier; on the tiny populations of the tests most of that time goes to
binning weighted rows. Tests of sampling, reciprocity, saving and ranking rules do not
need it. Tests of the shipped configuration train the default model (``klik train``).
"""

from typing import Any

from matcher.click_model import ClickClassifier, ClickRecommender
from matcher.features import KIND_PAIR

QUICK: dict[str, Any] = {"n_retrieved": 20, "n_network": 10, "n_random": 10}


def quick_classifier(max_iter: int = 40) -> ClickClassifier:
    """Small, uncalibrated trees (the recommender calibrates the combined click)."""
    return ClickClassifier(
        max_iter=max_iter,
        learning_rate=0.1,
        max_leaf_nodes=7,
        min_samples_leaf=20,
        categorical_features=[KIND_PAIR],
        calibration_folds=0,
    )


def quick_click(**params: Any) -> ClickRecommender:
    """An unfitted :class:`ClickRecommender`: one member, no sub-populations, small trees,
    two calibration folds."""
    defaults: dict[str, Any] = {
        **QUICK,
        "calibration_folds": 2,
        "n_members": 1,
        "sub_populations": (),
        "classifier": quick_classifier(),
    }
    return ClickRecommender(**{**defaults, **params})
