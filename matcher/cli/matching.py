"""``klik shortlist`` and ``klik screen``: who should we approach, does this request fit."""

from __future__ import annotations

import json
from pathlib import Path

import click

from matcher.cli.base import (
    CLICK_MODEL_OPTION,
    MODEL_OPTION,
    Context,
    Failure,
    _check_embedding_model,
    _click_model,
    _lazy_embedder,
    _percent,
    cli,
    pass_context,
)
from matcher.embedding import EmbeddingModelError
from matcher.profiles import Kind


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
    "--rank-by",
    type=click.Choice(["click", "similarity"]),
    default="click",
    show_default=True,
    help="Order by the click, or by profile fit (similarity) with the click still shown.",
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
    rank_by: str,
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
        embedder = _lazy_embedder(session, model)
        _check_embedding_model(learned, embedder.name)
        filters = sl.Filters(list(kinds), list(countries), exclude_partners, exclude_conflicts)
        try:
            candidates = sl.shortlist(
                session, embedder, query, top=top, filters=filters, model=learned, order=rank_by
            )
            if explain:
                sl.explain_candidates(
                    session, embedder, query, candidates, model=learned, lang=lang
                )
        except EmbeddingModelError as error:
            raise Failure(str(error)) from None
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "for": query.profile.id,
                    "candidates": [candidate_record(c) for c in candidates],
                    "ranked_by": "similarity" if learned is None else rank_by,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"Shortlist for {query.profile.name}")
    if learned is not None:
        click.echo("(click: chance in % that the two become partners; both ways shown)")
        if rank_by == "similarity":
            click.echo("(ordered by profile fit: the similarity of the profiles as a whole)")
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
        embedder = _lazy_embedder(session, model)
        _check_embedding_model(learned, embedder.name)
        try:
            result = screening.screen(
                session, embedder, host_query, request_query, model=learned, lang=lang
            )
        except EmbeddingModelError as error:
            raise Failure(str(error)) from None
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
