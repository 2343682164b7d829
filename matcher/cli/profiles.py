"""``klik init-db``, ``import``, ``profiles list|show|delete`` and ``embed``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from matcher import db, store
from matcher.cli.base import (
    MODEL_OPTION,
    Context,
    Failure,
    _embedder,
    _print_row_errors,
    cli,
    pass_context,
)
from matcher.profiles import Kind


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
