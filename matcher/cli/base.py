"""What every ``klik`` command shares: the group, its context, options and helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from matcher import config, db

F = TypeVar("F", bound=Callable[..., Any])
MAX_REPORTED_ROWS = 20


class Failure(click.ClickException):
    """A one-line error; click prints ``Error: <message>`` and exits 1."""


class Context:
    """What every command shares: the database URL and, once needed, its engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    def close(self) -> None:
        """Dispose of the engine (its pooled connections), if one was made."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.url)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on an initialised database; rolled back on any error."""
        try:
            current = db.schema_is_current(self.engine)
        except OperationalError as error:
            raise Failure(f"cannot open the database: {error.orig}") from None
        if not current:
            raise Failure("the database is not initialised or is out of date: run `klik init-db`")
        with Session(self.engine) as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise


pass_context = click.make_pass_decorator(Context)

#: The click model a command ranks with (shortlist, screen, rank, worker).
CLICK_MODEL_OPTION = click.option(
    "--click-model",
    "click_model",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of a trained click model [default: KLIK_CLICK_MODEL or models/click].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL of the database (default: SQLite file instance/klik.db).",
)
@click.version_option(package_name="klik")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Klik: find partners you click with, and see why."""
    ctx.obj = Context(config.normalise_url(database_url) if database_url else config.database_url())
    ctx.call_on_close(ctx.obj.close)


def _print_row_errors(errors: list[Any]) -> None:
    for error in errors[:MAX_REPORTED_ROWS]:
        where = f"row {error.row}" if error.row else "file"
        field = f", {error.field}" if error.field else ""
        click.echo(f"  {where}{field}: {error.message}", err=True)
    if len(errors) > MAX_REPORTED_ROWS:
        click.echo(f"  ... and {len(errors) - MAX_REPORTED_ROWS} more", err=True)


MODEL_OPTION = click.option(
    "--model",
    envvar="KLIK_EMBEDDING_MODEL",
    default=None,
    help="Sentence-transformers model name or local path (default: multilingual-e5-small).",
)


#: The same, for commands where ``--model`` names the click model.
EMBEDDING_MODEL_OPTION = click.option(
    "--embedding-model",
    envvar="KLIK_EMBEDDING_MODEL",
    default=None,
    help="Sentence-transformers model name or local path (default: multilingual-e5-small).",
)


def _embedder(model: str | None) -> Any:
    from matcher.embedding import EmbeddingModelError, load_embedder

    try:
        return load_embedder(model)
    except EmbeddingModelError as error:
        raise Failure(str(error)) from None


def _lazy_embedder(session: Session, model: str | None) -> Any:
    """The embedder of ``model``, loaded only once something has to be encoded.

    A shortlist or screening of stored profiles whose vectors (and statement
    vectors) are stored loads no model: seconds saved on every such command.
    """
    from matcher.embedding import LazyEmbedder, model_name
    from matcher.vectors import stored_dim

    name = model_name(model)
    return LazyEmbedder(name, lambda: _embedder(model), stored_dim(session, name))


def _percent(value: float | None) -> float | None:
    """A click as a 0-100 score with one decimal, as users see it."""
    return None if value is None else round(100 * value, 1)


def _click_model(path: Path | None) -> Any:
    """The click model at ``path``, or the default one; None if no default exists."""
    explicit = path is not None
    folder = path if path is not None else config.click_model_dir()
    if not (folder / "config.json").is_file():
        if explicit or os.environ.get("KLIK_CLICK_MODEL"):
            raise Failure(f"{folder}: not a saved click model (no config.json)")
        click.echo(
            f"No click model in {folder}: ranking by similarity. Train one with `klik train`.",
            err=True,
        )
        return None
    from matcher.click_model import ClickRecommender

    try:
        return ClickRecommender.load(folder)
    except (OSError, ValueError, KeyError) as error:
        raise Failure(f"{folder}: cannot load the click model ({error})") from None


def _check_embedding_model(learned: Any, name: str) -> None:
    expected = None if learned is None else learned.metadata.get("embedding_model")
    if expected is not None and expected != name:
        raise Failure(
            f"the click model was trained on {expected} vectors, not {name}: "
            "use that embedding model or retrain with `klik train`"
        )


def _learned_model(path: Path | None, quiet: bool) -> Any:
    """The learned click model at ``path`` (or the shipped one if it exists), else None."""
    explicit = path is not None
    folder = path if path is not None else config.click_model_dir()
    if not (folder / "config.json").is_file():
        if explicit:
            raise Failure(f"{folder}: not a saved model (no config.json)")
        return None
    try:
        from matcher.click_model import ClickRecommender
    except ImportError as error:
        if explicit:
            raise Failure(f"cannot load the learned model: {error}") from None
        if not quiet:
            click.echo(f"Skipping the learned model in {folder}: {error}", err=True)
        return None
    try:
        return ClickRecommender.load(folder)
    except (OSError, ValueError, KeyError) as error:
        raise Failure(f"{folder}: cannot load the learned model ({error})") from None


class EmbeddingProgress:
    """A tqdm bar for embedding that appears once the number of texts is known."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None

    def on_plan(self, total: int) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(
            total=total,
            unit="text",
            desc="embedding",
            disable=self.quiet or total == 0,
            file=sys.stderr,
        )

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def note(self, line: str) -> None:
        if not self.quiet:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (OperationalError, ProgrammingError) as error:
        click.echo(f"Error: database error: {getattr(error, 'orig', error)}", err=True)
        sys.exit(1)
