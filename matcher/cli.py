"""The ``klik`` command line."""

from __future__ import annotations

import json
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

from matcher import config, db, store
from matcher.profiles import Kind

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


@cli.command("init-db")
@pass_context
def init_db(ctx: Context) -> None:
    """Create the database, or bring its schema up to date."""
    try:
        db.upgrade(ctx.engine)
    except OperationalError as error:
        raise Failure(f"cannot open the database: {error.orig}") from None
    click.echo(f"Database ready: {ctx.engine.url.render_as_string(hide_password=True)}")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and report the bad ones.")
@pass_context
def import_(ctx: Context, file: Path, skip_invalid: bool) -> None:
    """Import profiles from FILE (JSONL, JSON, CSV, XLSX, or a CORDIS directory).

    CSV may come from Dutch Excel (';' separator, cp1252) with Dutch or English
    column headers; list cells are '|'-separated. A file with any bad row
    imports nothing unless --skip-invalid is given.
    """
    from matcher.importers import ImportFormatError
    from matcher.ingest import ImportRejected, import_file

    with ctx.session() as session:
        try:
            report = import_file(session, file, skip_invalid=skip_invalid)
            session.commit()
        except ImportFormatError as error:
            raise Failure(str(error)) from None
        except ImportRejected as error:
            _print_row_errors(error.errors)
            hint = "" if skip_invalid else " (use --skip-invalid to import the good rows)"
            raise Failure(f"{error}{hint}") from None
    if report.ignored_columns:
        click.echo(f"Ignored unknown columns: {', '.join(report.ignored_columns)}", err=True)
    if report.skipped:
        _print_row_errors(report.skipped)
    click.echo(
        f"{report.source}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.skipped)} bad row(s) skipped"
    )


def _print_row_errors(errors: list[Any]) -> None:
    for error in errors[:MAX_REPORTED_ROWS]:
        where = f"row {error.row}" if error.row else "file"
        field = f", {error.field}" if error.field else ""
        click.echo(f"  {where}{field}: {error.message}", err=True)
    if len(errors) > MAX_REPORTED_ROWS:
        click.echo(f"  ... and {len(errors) - MAX_REPORTED_ROWS} more", err=True)


@cli.group()
def profiles() -> None:
    """List, show and delete stored profiles."""


@profiles.command("list")
@click.option("--kind", type=click.Choice([k.value for k in Kind]), help="Only this kind.")
@click.option("--country", help="Only this country (ISO code, e.g. NL).")
@click.option("--language", help="Only this language (e.g. nl, en).")
@click.option("--search", help="Part of the name or id.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
def profiles_list(ctx: Context, fmt: str, limit: int, offset: int, **filters: str | None) -> None:
    """List stored profiles, ordered by name."""
    with ctx.session() as session:
        rows, total = store.list_rows(
            session,
            kind=filters["kind"],
            country=filters["country"],
            language=filters["language"],
            search=filters["search"],
            limit=limit,
            offset=offset,
        )
        if fmt == "json":
            click.echo(json.dumps({"total": total, "profiles": [_summary(r) for r in rows]}))
            return
        for row in rows:
            where = ", ".join(x for x in (row.city, row.country) if x)
            click.echo(
                f"{row.id:<40} {row.kind:<10} {row.language or '--':<3} {row.name} ({where})"
            )
        click.echo(f"{len(rows)} of {total} profile(s)", err=True)


def _summary(row: db.ProfileRow) -> dict[str, Any]:
    return {k: getattr(row, k) for k in store.IDENTITY}


@profiles.command("show")
@click.argument("profile_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def profiles_show(ctx: Context, profile_id: str, fmt: str) -> None:
    """Show one profile."""
    with ctx.session() as session:
        row = store.get_row(session, profile_id)
        if row is None:
            raise Failure(f"no profile with id {profile_id!r}")
        profile = store.to_profile(row)
    data = profile.model_dump(mode="json", exclude_none=True)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if value in ([], None, ""):
            continue
        if isinstance(value, list):
            click.echo(f"{key}:")
            for item in value:
                shown = f"{item['partner']} ({item['status']})" if isinstance(item, dict) else item
                click.echo(f"  - {shown}")
        else:
            click.echo(f"{key}: {value}")


@profiles.command("delete")
@click.argument("profile_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def profiles_delete(ctx: Context, profile_id: str, yes: bool) -> None:
    """Delete one profile, with its relationships and embeddings."""
    with ctx.session() as session:
        if store.get_row(session, profile_id) is None:
            raise Failure(f"no profile with id {profile_id!r}")
        if not yes:
            click.confirm(f"Delete profile {profile_id!r}?", abort=True)
        store.delete_profile(session, profile_id)
        session.commit()
    click.echo(f"Deleted {profile_id}")


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


@cli.command()
@MODEL_OPTION
@click.option("--batch-size", type=click.IntRange(1, 1024), default=32, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_context
def embed(ctx: Context, model: str | None, batch_size: int, quiet: bool) -> None:
    """Embed every profile facet that has no up-to-date vector for the model."""
    from tqdm import tqdm

    from matcher.vectors import embed_profiles

    embedder = _embedder(model)
    bar: tqdm[Any] | None = None

    def on_plan(total: int) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="text", disable=quiet or total == 0, file=sys.stderr)

    def advance(n: int) -> None:
        if bar is not None:
            bar.update(n)

    with ctx.session() as session:
        try:
            report = embed_profiles(
                session,
                embedder,
                batch_size=batch_size,
                on_plan=on_plan,
                progress=advance,
            )
        finally:
            if bar is not None:
                bar.close()
    click.echo(
        f"{report.embedded} text(s) embedded for {report.profiles} profile(s), "
        f"{report.unchanged} unchanged, {report.removed} removed (model {report.model})"
    )


@cli.command()
@click.option(
    "--for",
    "for_",
    required=True,
    metavar="ID_OR_FILE",
    help="A stored profile id, a JSON profile file, or a text file with a strategy.",
)
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice([k.value for k in Kind]),
    help="Only candidates of this kind (repeatable).",
)
@click.option("--country", "countries", multiple=True, help="Only candidates in this country.")
@click.option("--exclude-partners", is_flag=True, help="Leave out current and past partners.")
@click.option(
    "--exclude-conflicts/--show-conflicts",
    default=True,
    show_default=True,
    help="Leave out candidates whose business crosses a red line (yours or theirs).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@CLICK_MODEL_OPTION
@click.option(
    "--similarity-only",
    is_flag=True,
    help="Rank by profile similarity alone, without the click model.",
)
@click.option(
    "--explain/--no-explain",
    default=True,
    show_default=True,
    help="Explain each candidate: overlapping, complementary and conflicting interests.",
)
@click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    help="Language of the explanation [default: that of the profile asking].",
)
@MODEL_OPTION
@pass_context
def shortlist(
    ctx: Context,
    for_: str,
    top: int,
    kinds: tuple[str, ...],
    countries: tuple[str, ...],
    exclude_partners: bool,
    exclude_conflicts: bool,
    fmt: str,
    click_model: Path | None,
    similarity_only: bool,
    explain: bool,
    lang: str | None,
    model: str | None,
) -> None:
    """Rank stored profiles as partners for ID_OR_FILE, by the click both ways.

    The click model scores how well each candidate fits our strategy ("they fit
    us") and how well we fit theirs ("we fit them"); the shortlist is ordered by
    the two combined. Each is a calibrated chance (0-100) that the two partner.
    """
    from matcher import shortlist as sl
    from matcher.render import candidate_record, explanation_lines

    with ctx.session() as session:
        try:
            query = sl.resolve_query(session, for_)
        except sl.QueryError as error:
            raise Failure(str(error)) from None
        learned = None if similarity_only else _click_model(click_model)
        embedder = _embedder(model)
        _check_embedding_model(learned, embedder.name)
        filters = sl.Filters(list(kinds), list(countries), exclude_partners, exclude_conflicts)
        candidates = sl.shortlist(session, embedder, query, top=top, filters=filters, model=learned)
        if explain:
            sl.explain_candidates(session, embedder, query, candidates, model=learned, lang=lang)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "for": query.profile.id,
                    "candidates": [candidate_record(c) for c in candidates],
                    "ranked_by": "similarity" if learned is None else "click",
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"Shortlist for {query.profile.name}")
    if learned is not None:
        click.echo("(click: chance in % that the two become partners; both ways shown)")
    if not candidates:
        click.echo("  no candidates match (embedded profiles: run `klik embed`)")
    for c in candidates:
        where = ", ".join(x for x in (c.profile.city, c.profile.country) if x)
        click.echo(
            f"{c.rank:>2}. {c.profile.name} [{c.profile.kind.value}, {where}]  id={c.profile.id}"
        )
        if c.click is not None:
            click.echo(
                f"    click {_percent(c.click):.1f}  "
                f"(they fit us {_percent(c.ours):.1f}, we fit them {_percent(c.theirs):.1f})"
            )
        else:
            click.echo(f"    similarity {c.similarity:.3f}")
        if c.explanation is not None:
            for line in explanation_lines(c.explanation):
                click.echo(line)
            continue
        for hit in c.conflicts:
            whose = "your" if hit.owner == "ours" else "their"
            click.echo(
                f'    conflict ({hit.sector}): {whose} red line "{hit.red_line}" - '
                f'"{hit.statement}"'
            )
    if learned is None:
        click.echo("(ranked by similarity only: no click model)")


@cli.command()
@click.option(
    "--host",
    required=True,
    metavar="ID_OR_FILE",
    help="Our profile: a stored profile id, a JSON profile file, or a text file.",
)
@click.option(
    "--request",
    "request",
    required=True,
    metavar="FILE_OR_TEXT",
    help="The incoming request: a stored id, a JSON profile file, a text file, or the text.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    help="Language of the verdict and explanation [default: that of the host].",
)
@CLICK_MODEL_OPTION
@MODEL_OPTION
@pass_context
def screen(
    ctx: Context,
    host: str,
    request: str,
    fmt: str,
    lang: str | None,
    click_model: Path | None,
    model: str | None,
) -> None:
    """Screen an incoming partnership REQUEST for HOST: accept, explore or decline.

    A request whose business crosses one of our red lines is always declined,
    naming the line. Otherwise the verdict weighs where the request would rank
    among the candidates for our strategy and the interests the two profiles
    share, complement or contest.
    """
    from matcher import screening
    from matcher.render import explanation_lines
    from matcher.shortlist import QueryError, resolve_query

    with ctx.session() as session:
        try:
            host_query = resolve_query(session, host)
            request_query = screening.resolve_request(session, request)
        except QueryError as error:
            raise Failure(str(error)) from None
        learned = _click_model(click_model)
        embedder = _embedder(model)
        _check_embedding_model(learned, embedder.name)
        result = screening.screen(
            session, embedder, host_query, request_query, model=learned, lang=lang
        )
    if fmt == "json":
        body = {"host": host_query.profile.id, **result.to_dict()}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(f"Request: {result.request.name}  ->  {host_query.profile.name}")
    click.echo(f"Verdict: {result.verdict.upper()}  {result.headline}")
    if result.click is not None:
        click.echo(
            f"  click {_percent(result.click):.1f}  (they fit us {_percent(result.ours):.1f}, "
            f"we fit them {_percent(result.theirs):.1f})"
        )
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    for line in explanation_lines(result.explanation, indent="  "):
        click.echo(line)


@cli.command()
@click.argument("prospects", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--for",
    "for_",
    required=True,
    metavar="ID_OR_FILE",
    help="Our profile: a stored profile id, a JSON profile file, or a text file.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The ranked file to write: .csv, .xlsx or .json.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), help="[default: from --out]"
)
@click.option("--skip-invalid", is_flag=True, help="Rank the good rows, report the bad ones.")
@click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    help="Language of verdicts and reasons [default: that of our profile].",
)
@CLICK_MODEL_OPTION
@click.option("--quiet", is_flag=True, help="No progress bars.")
@MODEL_OPTION
@pass_context
def rank(
    ctx: Context,
    prospects: Path,
    for_: str,
    out: Path,
    fmt: str | None,
    skip_invalid: bool,
    lang: str | None,
    click_model: Path | None,
    quiet: bool,
    model: str | None,
) -> None:
    """Rank every organisation in PROSPECTS (CSV, XLSX, JSON, JSONL) as a partner for us.

    Writes every prospect, best first, with the click both ways, a verdict
    (accept, explore, decline) and the main reasons. The prospects are not
    stored. The file is written whole or not at all.
    """
    from tqdm import tqdm

    from matcher.batch import output_format, rank_prospects, write_ranking
    from matcher.importers import ImportFormatError, parse_file
    from matcher.shortlist import QueryError, resolve_query

    try:
        chosen = output_format(out, fmt)
        parsed = parse_file(prospects)
    except (ValueError, ImportFormatError) as error:
        raise Failure(str(error)) from None
    if parsed.errors:
        _print_row_errors(parsed.errors)
        if not skip_invalid:
            bad = len({e.row for e in parsed.errors})
            raise Failure(
                f"{prospects.name}: {bad} bad row(s); nothing was ranked "
                "(use --skip-invalid to rank the good rows)"
            )
    profiles = [p for _, p in parsed.profiles]
    if not profiles:
        raise Failure(f"{prospects.name}: no prospects to rank")
    learned = _click_model(click_model)
    if learned is None:
        raise Failure("ranking a prospect list needs a click model: run `klik train`")
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        if stage not in bars:
            unit = "text" if stage == "embed" else "prospect"
            label = "embedding" if stage == "embed" else "scoring"
            bars[stage] = tqdm(total=total, unit=unit, desc=label, file=sys.stderr)
        bars[stage].update(done - bars[stage].n)

    with ctx.session() as session:
        try:
            query = resolve_query(session, for_)
        except QueryError as error:
            raise Failure(str(error)) from None
        embedder = _embedder(model)
        _check_embedding_model(learned, embedder.name)
        try:
            ranked = rank_prospects(
                session, embedder, learned, query, profiles, lang=lang, progress=progress
            )
        finally:
            for bar in bars.values():
                bar.close()
    try:
        write_ranking(ranked, out, chosen)
    except OSError as error:
        raise Failure(f"{out}: cannot write ({error.strerror})") from None
    verdicts = {v: sum(p.verdict == v for p in ranked) for v in ("accept", "explore", "decline")}
    click.echo(
        f"Ranked {len(ranked)} prospect(s) for {query.profile.name} into {out}: "
        + ", ".join(f"{n} {v}" for v, n in verdicts.items())
    )


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


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--rankings-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the learned model's (else the first ranker's) rankings here, one JSON line "
    'per query: {"query": ID, "ranked": [ID, ...]} (100 ids, best first).',
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
@click.option("--quiet", is_flag=True, help="No progress bars or notes.")
def evaluate(
    directory: Path,
    rankings_out: Path | None,
    model_path: Path | None,
    baselines: bool,
    embedding_model: str | None,
    batch_size: int,
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
    if rankings_out is not None and not quiet:
        click.echo(f"Rankings of {rankers[0].name} written to {rankings_out}", err=True)


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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option(
    "--dev", is_flag=True, help="Flask's development server with reload (not for production)."
)
@pass_context
def serve(ctx: Context, host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the web pages and the HTTP API (gunicorn)."""
    from api import create_app

    with ctx.session():
        pass  # fail early, with the one-line message, on an uninitialised database
    app = create_app({"DATABASE_URL": ctx.url})
    if dev:
        app.run(host=host, port=port, debug=True)
        return
    from api.server import run_gunicorn

    run_gunicorn(app, host=host, port=port, workers=workers)


@cli.group()
def feedback() -> None:
    """Record and list what happened with shortlisted candidates.

    Outcomes: contacted (not decisive), click, no-click and partnered. Every
    event is kept; the latest click, no-click or partnered of a pair is its label.
    """


@feedback.command("record")
@click.option("--for", "for_", required=True, metavar="ID", help="The organisation that asked.")
@click.option("--candidate", required=True, metavar="ID", help="The shortlisted organisation.")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(["contacted", "click", "no-click", "no_click", "partnered"]),
    metavar="[contacted|click|no-click|partnered]",
    help="What happened.",
)
@click.option("--note", help="Free text (at most 1000 characters).")
@pass_context
def feedback_record(
    ctx: Context, for_: str, candidate: str, outcome: str, note: str | None
) -> None:
    """Record one outcome of CANDIDATE for the strategy of --for."""
    from matcher.feedback import record_feedback

    with ctx.session() as session:
        try:
            row = record_feedback(session, for_, candidate, outcome, note)
        except (LookupError, ValueError) as error:
            raise Failure(str(error)) from None
        session.commit()
        click.echo(f"Recorded {row.outcome} of {candidate} for {for_}")


@feedback.command("list")
@click.option("--for", "for_", metavar="ID", help="Only feedback asked by this organisation.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
def feedback_list(ctx: Context, for_: str | None, fmt: str) -> None:
    """List recorded feedback, newest first."""
    from datetime import UTC

    from matcher.feedback import list_feedback

    with ctx.session() as session:
        try:
            rows = list_feedback(session, for_)
        except LookupError as error:
            raise Failure(str(error)) from None
        events = [
            {
                "for": row.profile.id,
                "candidate": row.candidate.id,
                "outcome": row.outcome,
                "note": row.note,
                "created_at": (
                    row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
                ).isoformat(timespec="seconds"),
            }
            for row in rows
        ]
    if fmt == "json":
        click.echo(json.dumps({"total": len(events), "feedback": events}, ensure_ascii=False))
        return
    for e in events:
        note = f"  {e['note']}" if e["note"] else ""
        click.echo(
            f"{e['created_at']}  {e['for']:<30} {e['candidate']:<30} {e['outcome']:<10}{note}"
        )
    click.echo(f"{len(events)} event(s)", err=True)


@cli.command()
@click.option("--once", is_flag=True, help="Stop when no job is left instead of waiting.")
@click.option(
    "--chunk",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Prospects scored per transaction.",
)
@click.option(
    "--stale-after",
    type=click.FloatRange(0.5),
    default=120.0,
    show_default=True,
    help="Seconds without a heartbeat after which another worker's job is taken over.",
)
@click.option("--poll", type=click.FloatRange(0.05), default=1.0, show_default=True)
@CLICK_MODEL_OPTION
@MODEL_OPTION
@pass_context
def worker(
    ctx: Context,
    once: bool,
    chunk: int,
    stale_after: float,
    poll: float,
    click_model: Path | None,
    model: str | None,
) -> None:
    """Work through the batch jobs submitted to the API (POST /api/v1/batches).

    Run one or more beside `klik serve`. A job whose worker died is taken over
    after --stale-after seconds and goes on where it stopped.
    """
    from sqlalchemy.orm import sessionmaker

    from matcher.jobs import work

    learned = _click_model(click_model)
    if learned is None:
        raise Failure("the batch worker needs a click model: run `klik train`")
    embedder = _embedder(model)
    _check_embedding_model(learned, embedder.name)
    with ctx.session():  # the database is reachable and up to date
        pass
    click.echo(f"Worker ready (chunks of {chunk}); waiting for jobs.", err=True)
    try:
        work(
            sessionmaker(ctx.engine),
            embedder,
            learned,
            once=once,
            poll=poll,
            chunk=chunk,
            stale_after=stale_after,
            log=lambda message: click.echo(message, err=True),
        )
    except KeyboardInterrupt:
        click.echo("Worker stopped.", err=True)


@cli.group()
def keys() -> None:
    """API keys of workspaces: create, list and revoke."""


@keys.command("create")
@click.option("--workspace", required=True, help="The workspace (created if new).")
@pass_context
def keys_create(ctx: Context, workspace: str) -> None:
    """Create a key for WORKSPACE; the key is printed once, alone on the last line."""
    from matcher.workspaces import WorkspaceError, create_key

    with ctx.session() as session:
        try:
            row, key = create_key(session, workspace)
        except WorkspaceError as error:
            raise Failure(str(error)) from None
        session.commit()
        prefix = row.prefix
    click.echo(f"Created a key for workspace {workspace} (prefix {prefix}).")
    click.echo("Store it now: it is not shown again.")
    click.echo(key)


@keys.command("list")
@click.option("--workspace", help="Only this workspace's keys.")
@pass_context
def keys_list(ctx: Context, workspace: str | None) -> None:
    """List keys by prefix, with their workspace, creation time and state."""
    from matcher.workspaces import list_keys

    with ctx.session() as session:
        rows = list_keys(session, workspace)
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
            click.echo(
                f"{row.prefix}  {row.workspace.name:<20} created {row.created_at:%Y-%m-%d %H:%M}"
                f"  {state}"
            )
    if not rows:
        click.echo("no keys")


@keys.command("revoke")
@click.argument("key_or_prefix")
@click.option("--workspace", required=True, help="The workspace the key belongs to.")
@pass_context
def keys_revoke(ctx: Context, key_or_prefix: str, workspace: str) -> None:
    """Revoke the key KEY_OR_PREFIX (the key, or its prefix as `klik keys list` shows it)."""
    from matcher.workspaces import WorkspaceError, revoke_key

    with ctx.session() as session:
        try:
            count = revoke_key(session, workspace, key_or_prefix)
        except WorkspaceError as error:
            raise Failure(str(error)) from None
        if count == 0:
            raise Failure(f"no live key {key_or_prefix[:12]!r} in workspace {workspace!r}")
        session.commit()
    click.echo(f"Revoked {count} key(s) of workspace {workspace}.")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (OperationalError, ProgrammingError) as error:
        click.echo(f"Error: database error: {getattr(error, 'orig', error)}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
