"""Training the click model and measuring how well its click is calibrated."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from matcher.baselines import make_baselines
from matcher.click_model import ClickRecommender
from matcher.db import make_engine, upgrade
from matcher.embedding import Embedder
from matcher.evaluation import (
    ORGANISATIONS,
    PARTNERS,
    PAST_PARTNERS,
    EvaluationReport,
    check_directory,
    evaluate,
    load_benchmark,
    read_partnerships,
)
from matcher.feedback import FeedbackLabels
from matcher.model_build import default_cache_dir
from matcher.population import Population
from matcher.recommender import Partnerships
from matcher.vectors import embed_profiles


@dataclass(frozen=True)
class Bin:
    """One decile of predicted click: its range, mean prediction and observed rate."""

    low: float
    high: float
    pairs: int
    predicted: float
    observed: float


def split_organisations(
    n: int, *, test_fraction: float = 1 / 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of a random split of organisations (not of pairs): (train, test)."""
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * (1 - test_fraction))
    return np.sort(order[:cut]), np.sort(order[cut:])


def reliability(
    model: ClickRecommender,
    population: Population,
    partnerships: Partnerships,
    *,
    bins: int = 10,
) -> list[Bin]:
    """Deciles of the combined click against the observed partnership rate.

    Measured on a population the model has not seen, on the sampled candidate
    pairs of every query (see :meth:`ClickRecommender.training_data`): the
    deciles split the sample, and each pair counts with its weight, so
    ``pairs`` is the number of pairs of the whole population a bin stands for.
    """
    rows, labels, weights, _ = model.training_data(population, partnerships)
    click = model.probabilities(rows)[2]
    order = np.argsort(click, kind="stable")
    table = []
    for part in np.array_split(order, bins):
        if len(part) == 0:
            continue
        table.append(
            Bin(
                low=float(click[part].min()),
                high=float(click[part].max()),
                pairs=round(float(weights[part].sum())),
                predicted=float(np.average(click[part], weights=weights[part])),
                observed=float(np.average(labels[part], weights=weights[part])),
            )
        )
    return table


def data_hash(directory: Path) -> str:
    """SHA-256 over the benchmark files that training reads."""
    digest = hashlib.sha256()
    for name in (ORGANISATIONS, PARTNERS, PAST_PARTNERS):
        digest.update(name.encode() + b"\0")
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def load_training_set(
    directory: Path,
    embedder: Embedder,
    *,
    cache_dir: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Population, Partnerships, str]:
    """The population and partnerships of a benchmark directory, embedded.

    The embedded database is kept in ``$KLIK_TRAINING_CACHE/<data hash>.db``
    (default ``<KLIK_CACHE_DIR>/training``), so a
    second training run on the same data embeds nothing (a new model embeds
    again, beside the old vectors).
    """
    check_directory(directory)
    digest = data_hash(directory)
    env = os.environ.get("KLIK_TRAINING_CACHE")
    folder = cache_dir or (Path(env) if env else default_cache_dir() / "training")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:24]}.db"
    if not path.exists():
        partial = folder / f".{path.name}.{os.getpid()}.tmp"
        partial.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        try:
            upgrade(engine)
            with Session(engine) as session:
                load_benchmark(
                    directory,
                    session,
                    embedder,
                    on_note=on_note,
                    on_plan=on_plan,
                    progress=progress,
                )
        finally:
            engine.dispose()
        os.replace(partial, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)  # a cache written by an older version
        with Session(engine) as session:
            embed_profiles(session, embedder, on_plan=on_plan, progress=progress)
            population = Population.load(session, embedder.name)
    finally:
        engine.dispose()
    partnerships, _ = read_partnerships(directory / PARTNERS, population)
    return population, partnerships, digest


def held_out_report(
    population: Population,
    partnerships: Partnerships,
    *,
    seed: int = 0,
    test_fraction: float = 1 / 3,
    pad_to: int | None = None,
    train_share: float = 1.0,
    model: ClickRecommender | None = None,
) -> tuple[EvaluationReport, list[Bin]]:
    """Train on some organisations, evaluate on the rest (``test_fraction``), with baselines.

    With ``pad_to``, the population ranked in is the held-out organisations plus
    randomly drawn training ones, ``pad_to`` in all, and only the held-out
    organisations are queries: a model is then measured on a population larger
    than the held-out part alone (every ranker scores lower on more candidates)
    while trained on more organisations than it ranks. Their pairs with training
    organisations were not trained on either. The reliability table is always
    of the held-out organisations alone.

    With ``train_share`` below 1, the model learns from that share of the training
    organisations only, drawn at random; the split, the padding and the queries stay
    the same (a learning curve).

    ``model`` is the (unfitted) click model to train, by default
    ``ClickRecommender(random_state=seed)``.
    """
    train_rows, test_rows = split_organisations(
        len(population), test_fraction=test_fraction, seed=seed
    )
    n = len(population)
    test = population.subset(test_rows)
    test_pairs = partnerships.subset(test_rows, n)
    fit_rows = train_rows
    if train_share < 1:
        size = round(train_share * len(train_rows))
        fit_rows = np.sort(
            np.random.default_rng([seed, 99]).choice(train_rows, size, replace=False)
        )
    model = (model or ClickRecommender(random_state=seed)).fit(
        population.subset(fit_rows), partnerships.subset(fit_rows, n)
    )
    rankers = [model, *make_baselines(seed)]
    if pad_to is None or pad_to <= len(test_rows):
        report = evaluate(test, test_pairs, rankers)
    else:
        extra = min(pad_to - len(test_rows), len(train_rows))
        padding = np.random.default_rng([seed, 7]).choice(train_rows, extra, replace=False)
        rows = np.sort(np.concatenate([test_rows, padding]))
        queries = np.flatnonzero(np.isin(rows, test_rows))
        report = evaluate(
            population.subset(rows), partnerships.subset(rows, n), rankers, queries=queries
        )
    return report, reliability(model, test, test_pairs)


def train_click_model(
    directory: Path,
    embedder: Embedder,
    *,
    seed: int = 0,
    measure: bool = True,
    feedback: tuple[Population, FeedbackLabels] | None = None,
    cache_dir: Path | None = None,
    on_note: Callable[[str], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[ClickRecommender, EvaluationReport | None]:
    """Train the click model on a benchmark directory, deterministically for a seed.

    With ``measure``, first trains on a split of the organisations and records
    the held-out metrics (beside the baselines) and reliability table in the
    model's metadata, then trains the shipped model on all organisations
    (and on ``feedback``, outcomes recorded for pairs of another population).
    """
    population, partnerships, digest = load_training_set(
        directory,
        embedder,
        cache_dir=cache_dir,
        on_note=on_note,
        on_plan=on_plan,
        progress=progress,
    )
    report = None
    model = ClickRecommender(random_state=seed)
    if measure:
        report, table = held_out_report(population, partnerships, seed=seed)
        model.metadata["held_out"] = {
            "split": f"organisations, 1/3 held out, seed {seed}",
            "organisations": report.organisations,
            "metrics": {
                r.name: {"all": asdict(r.all), "new": asdict(r.new)} for r in report.results
            },
            "reliability": [asdict(b) for b in table],
        }
    model.fit(population, partnerships, feedback)
    model.metadata["training_data"] = {
        "directory": directory.name,
        "sha256": digest,
        "organisations": len(population),
        "partner_pairs": len(partnerships),
    }
    model.metadata["embedding_model"] = embedder.name
    return model, report
