"""``klik evaluate``, ``train``, ``fit-centring`` and ``split-benchmark``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from matcher import config, db
from matcher.cli.base import (
    EMBEDDING_MODEL_OPTION,
    Context,
    EmbeddingProgress,
    Failure,
    _embedder,
    _learned_model,
    cli,
    pass_context,
)


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--rankings-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the learned model's (else the first ranker's) rankings here, one JSON line "
    'per query: {"query": ID, "ranked": [ID, ...]}, best first: 100 ids, and more until '
    "100 of them are not the query's past partners.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of a saved learned click model (default: models/click, if it exists).",
)
@click.option(
    "--baselines/--no-baselines",
    default=True,
    show_default=True,
    help="Also rank with random, TF-IDF, embedding, popularity and FP7-network baselines.",
)
@EMBEDDING_MODEL_OPTION
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1024),
    default=32,
    show_default=True,
    help="Texts per forward pass of the embedding model.",
)
@click.option(
    "--by-past-partners",
    is_flag=True,
    help="Also print each ranker's NDCG per group of queries by their number of past "
    "partners (none, a few, ..., hubs).",
)
@click.option("--quiet", is_flag=True, help="No progress bars or notes.")
def evaluate(
    directory: Path,
    rankings_out: Path | None,
    model_path: Path | None,
    baselines: bool,
    embedding_model: str | None,
    batch_size: int,
    by_past_partners: bool,
    quiet: bool,
) -> None:
    """Measure partner rankers on DIRECTORY, a CORDIS-format benchmark.

    DIRECTORY holds organisations.jsonl, partners.csv (a,b,new) and
    past_partners.csv (a,b). It is loaded into a temporary database as a fresh
    population whose known relationships are the past partners; nothing is
    trained on it. For every organisation with a partner, each ranker ranks
    all others; NDCG@10, Recall@50 and MRR are reported over all partners and
    over new partners (past partners filtered out of the ranking).
    """
    import tempfile

    from tqdm import tqdm

    from matcher.baselines import make_baselines
    from matcher.evaluation import BenchmarkError, check_directory, load_benchmark, query_rows
    from matcher.evaluation import evaluate as run_evaluation
    from matcher.recommender import Recommender

    try:
        check_directory(directory)
    except BenchmarkError as error:
        raise Failure(str(error)) from None
    rankers: list[Recommender] = make_baselines() if baselines else []
    learned = _learned_model(model_path, quiet)
    if learned is not None:
        rankers.insert(0, learned)
    if not rankers:
        raise Failure("nothing to evaluate: no learned model and --no-baselines")
    embedder = _embedder(embedding_model)
    bar = EmbeddingProgress(quiet)
    on_plan, advance, note = bar.on_plan, bar.advance, bar.note

    with tempfile.TemporaryDirectory(prefix="klik-evaluate-") as tmp:
        engine = db.make_engine(f"sqlite:///{Path(tmp) / 'benchmark.db'}")
        try:
            db.upgrade(engine)
            with Session(engine) as session:
                population, partnerships = load_benchmark(
                    directory,
                    session,
                    embedder,
                    on_note=note,
                    on_plan=on_plan,
                    progress=advance,
                    batch_size=batch_size,
                )
        except BenchmarkError as error:
            raise Failure(str(error)) from None
        finally:
            bar.close()
            engine.dispose()
    with tqdm(
        total=len(query_rows(partnerships, len(population))) * len(rankers),
        unit="query",
        desc="ranking",
        disable=quiet,
        file=sys.stderr,
    ) as ranking_bar:
        report = run_evaluation(
            population,
            partnerships,
            rankers,
            rankings_out=rankings_out,
            progress=ranking_bar.update,
        )
    click.echo(report.format_table())
    if by_past_partners:
        click.echo("\n" + report.format_by_past_partners())
    if rankings_out is not None and not quiet:
        click.echo(f"Rankings of {rankers[0].name} written to {rankings_out}", err=True)


@cli.command()
@click.argument(
    "directory",
    default="data/cordis",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to save the model to (default: models/click, or KLIK_CLICK_MODEL).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--measure/--no-measure",
    default=True,
    show_default=True,
    help="First train on 2/3 of the organisations and record held-out metrics in config.json.",
)
@click.option(
    "--feedback/--no-feedback",
    default=True,
    show_default=True,
    help="Also learn from the outcomes recorded with `klik feedback` in the database.",
)
@EMBEDDING_MODEL_OPTION
@click.option("--quiet", is_flag=True, help="No progress bars or notes.")
@pass_context
def train(
    ctx: Context,
    directory: Path,
    out: Path | None,
    seed: int,
    measure: bool,
    feedback: bool,
    embedding_model: str | None,
    quiet: bool,
) -> None:
    """Train the click model on DIRECTORY (CORDIS format; default data/cordis).

    Also learns from the outcomes recorded with `klik feedback` in the
    database (unless --no-feedback). Deterministic for a seed and the same
    data. The embedded training set is cached (in KLIK_CACHE_DIR), so training
    again on the same data embeds nothing.
    """
    import os
    import shutil
    import tempfile

    from matcher.evaluation import BenchmarkError
    from matcher.training import train_click_model

    embedder = _embedder(embedding_model)
    outcomes = _recorded_feedback(ctx, embedder.name, quiet) if feedback else None
    progress = EmbeddingProgress(quiet)
    try:
        model, report = train_click_model(
            directory,
            embedder,
            seed=seed,
            measure=measure,
            feedback=outcomes,
            on_note=progress.note,
            on_plan=progress.on_plan,
            progress=progress.advance,
        )
    except BenchmarkError as error:
        raise Failure(str(error)) from None
    finally:
        progress.close()
    if report is not None:
        click.echo("Held out (1/3 of the organisations, never trained on):")
        click.echo(report.format_table())
    target = out if out is not None else config.click_model_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".click-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it 0700: as a folder made by mkdir
    try:
        model.save(staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(f"Saved the click model to {target}")


@cli.command("fit-centring")
@click.argument(
    "profiles",
    default="data/demo/profiles.jsonl",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("models/statements"),
    show_default=True,
    help="Folder to save the language means to.",
)
@EMBEDDING_MODEL_OPTION
def fit_centring(profiles: Path, out: Path, embedding_model: str | None) -> None:
    """Fit the language means of statement vectors on PROFILES (JSONL) for explanations.

    Explanations compare statements across Dutch and English after removing
    each language's mean vector; the means depend on the embedding model only.
    """
    from pydantic import ValidationError

    from matcher.centring import fit_centring as fit
    from matcher.centring import save_centring
    from matcher.profiles import Profile

    loaded = []
    for number, line in enumerate(profiles.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            loaded.append(Profile.model_validate_json(line))
        except ValidationError as error:
            raise Failure(
                f"{profiles.name} line {number}: not a valid profile ({error.error_count()} errors)"
            ) from None
    embedder = _embedder(embedding_model)
    centring, count = fit(embedder, loaded)
    try:
        save_centring(centring, out, model=embedder.name, source=profiles, statements=count)
    except ValueError as error:
        raise Failure(f"{profiles.name}: {error}") from None
    click.echo(f"Saved the language means of {count} statements ({embedder.name}) to {out}")


def _recorded_feedback(ctx: Context, model: str, quiet: bool) -> Any:
    """(population, labels) of the outcomes recorded in the database, or None if none."""
    from matcher.feedback import feedback_labels
    from matcher.population import Population

    path = ctx.url.split("///", 1)[-1] if ctx.url.startswith("sqlite") else None
    try:
        current = (path is None or Path(path).is_file()) and db.schema_is_current(ctx.engine)
    except OperationalError:
        current = False
    if not current:
        if not quiet:
            click.echo("No initialised database: training without recorded feedback.", err=True)
        return None
    with Session(ctx.engine) as session:
        population = Population.load(session, model)
        labels = feedback_labels(session, population)
    if not quiet:
        click.echo(f"Recorded feedback: {len(labels)} decisive outcomes to learn from.", err=True)
    return (population, labels) if len(labels) else None


@cli.command("split-benchmark")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("out_train", type=click.Path(file_okay=False, path_type=Path))
@click.argument("out_test", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--test-fraction",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=0.33,
    show_default=True,
    help="Share of the organisations that go to OUT_TEST.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random split.")
def split_benchmark(
    directory: Path, out_train: Path, out_test: Path, test_fraction: float, seed: int
) -> None:
    """Split the organisations of benchmark DIRECTORY into OUT_TRAIN and OUT_TEST.

    Organisations (not pairs) are split at random; each side keeps only the
    partner and past-partner pairs whose both ends are on that side.
    """
    from matcher.evaluation import BenchmarkError
    from matcher.evaluation import split_benchmark as split

    try:
        report = split(directory, out_train, out_test, test_fraction=test_fraction, seed=seed)
    except BenchmarkError as error:
        raise Failure(str(error)) from None
    click.echo(report.describe())
