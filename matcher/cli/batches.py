"""``klik rank`` (a prospect list, without a server) and ``klik worker`` (the API's batches)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from matcher.cli.base import (
    CLICK_MODEL_OPTION,
    MODEL_OPTION,
    Context,
    Failure,
    _check_embedding_model,
    _click_model,
    _embedder,
    _print_row_errors,
    cli,
    pass_context,
)


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
