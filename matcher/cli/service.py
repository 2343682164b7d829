"""``klik serve``, ``feedback record|list`` and ``keys create|list|revoke``."""

from __future__ import annotations

import json

import click

from matcher.cli.base import (
    Context,
    Failure,
    cli,
    pass_context,
)


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
