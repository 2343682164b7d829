"""Screening an incoming request: does this organisation fit our mission, what conflicts?

The request is scored like a shortlist candidate (the click both ways) and
compared with the candidates a shortlist for the host would weigh: where it
would rank among them says more than a bare probability. The verdict:

- ``decline`` when the request's business crosses one of the host's red lines
  (always, whatever the click; the line is named), or its own red lines rule
  the host out, or when it would rank in the bottom half of the host's
  candidates and the two profiles share no aim and meet no need;
- ``accept`` when it would make the host's top :data:`ACCEPT_RANK` and shares
  aims or meets needs, with no competing interests or clashing values;
- ``explore`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from matcher.click_model import ClickRecommender
from matcher.directory import directories
from matcher.explain import Explanation, explain
from matcher.interests import InterestItem
from matcher.language import detect_language
from matcher.phrases import resolve_lang, say
from matcher.profiles import Profile
from matcher.shortlist import (
    Filters,
    Inline,
    Query,
    QueryError,
    query_vectors,
    resolve_query,
    shortlist,
    slice_features,
)
from matcher.statements import split_sentences
from matcher.store import get_row, prepare

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: A request that would rank this high among the host's candidates can be accepted.
ACCEPT_RANK = 10
#: Candidates a shortlist for the host weighs (the request is ranked among them).
RETRIEVE = 300


@dataclass
class Screening:
    verdict: str
    headline: str
    reasons: list[str]
    click: float | None
    ours: float | None
    theirs: float | None
    rank: int | None
    candidates: int
    request: Profile
    explanation: Explanation
    notes: list[str] = field(default_factory=list)
    #: The pair's feature row and the typical candidate's (None without a click model).
    features: np.ndarray | None = field(default=None, repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "headline": self.headline,
            "reasons": self.reasons,
            "click": _percent(self.click),
            "they_fit_us": _percent(self.ours),
            "we_fit_them": _percent(self.theirs),
            "rank": self.rank,
            "candidates": self.candidates,
            "request": {
                "id": self.request.id,
                "name": self.request.name,
                "kind": self.request.kind.value,
                "language": self.request.language,
            },
            "explanation": self.explanation.to_dict(),
        }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def resolve_request(session: Session, spec: str) -> Query:
    """A stored profile id, a JSON profile file, a text file, or the request's text itself."""
    if get_row(session, spec) is not None or Path(spec).is_file():
        return resolve_query(session, spec)
    if len(spec.split()) < 3:
        raise QueryError(
            f"{spec!r} is not a stored profile id or a file, and too short to be a request text"
        )
    return request_from_text(spec)


def request_from_text(text: str) -> Query:
    """A request described in free text: named after its first sentence."""
    text = text.strip()
    first = split_sentences(text.splitlines()[0])[0].rstrip(".")
    name = first if len(first) <= 80 else "Request"
    return Query(prepare(Profile(name=name, description=text[:20000])))


def screen(
    session: Session,
    embedder: Embedder,
    host: Query,
    request: Query,
    *,
    model: ClickRecommender | None = None,
    lang: str | None = None,
    filters: Filters | None = None,
) -> Screening:
    """The verdict on ``request`` for ``host``, with the click and the explanation.

    ``filters`` bound the candidates the request is ranked among (a workspace's).
    """
    lang = resolve_lang(lang, host.profile.language)
    row = reference = None
    click = ours = theirs = None
    rank: int | None = None
    total = 0
    if model is not None:
        candidates = shortlist(session, embedder, host, top=RETRIEVE, model=model, filters=filters)
        others = [c for c in candidates if c.profile.id != request.profile.id]
        total = len(others)
        row = _request_row(session, embedder, model, host, request)
        ours_, theirs_, combined = model.probabilities(row[None, :])
        click, ours, theirs = float(combined[0]), float(ours_[0]), float(theirs_[0])
        score = float(model.rank_score(row[None, :])[0])
        if others:
            rows = np.stack([c.features for c in others if c.features is not None])
            reference = others[0].reference
            rank = 1 + int(np.sum(model.rank_score(rows) > score))
        else:
            reference = row
    explanation = explain(
        host.profile,
        request.profile,
        embedder=embedder,
        session=session,
        model=model,
        row=row,
        reference=reference,
        lang=lang,
    )
    verdict, headline, reasons = _verdict(explanation, rank, total, lang)
    return Screening(
        verdict,
        headline,
        reasons,
        click,
        ours,
        theirs,
        rank,
        total,
        request.profile,
        explanation,
        features=row,
        reference=reference,
    )


def _request_row(
    session: Session,
    embedder: Embedder,
    model: ClickRecommender,
    host: Query,
    request: Query,
) -> np.ndarray:
    directory = directories.get(session, embedder.name)
    vectors = query_vectors(session, embedder, host)
    language = host.profile.language or detect_language(host.profile.all_text())
    if request.pk is not None and request.pk in directory.row:
        _, rows = slice_features(
            session, directory, model, embedder.name, host, vectors, language, [request.pk]
        )
    else:
        inline = Inline(
            request.profile,
            query_vectors(session, embedder, request),
            request.profile.language or detect_language(request.profile.all_text()),
        )
        _, rows = slice_features(
            session, directory, model, embedder.name, host, vectors, language, [], inline=[inline]
        )
    return rows[0]


def _verdict(
    explanation: Explanation, rank: int | None, total: int, lang: str
) -> tuple[str, str, list[str]]:
    reasons = []
    if rank is not None:
        reasons.append(say(lang, "would_rank", rank=rank, total=total + 1))
    reasons.extend(dict.fromkeys(item.reason for item in explanation.conflicting))
    fits = bool(explanation.overlapping or explanation.complementary)
    if not fits:
        reasons.append(say(lang, "no_overlap"))
    matches = [*explanation.overlapping, *explanation.complementary]
    reasons.extend(dict.fromkeys(i.reason for i in matches))
    clash = any(i.kind in ("competition", "values") for i in explanation.conflicting)
    verdict, headline = decide(explanation.conflicting, rank, total, fits=fits, lang=lang)
    if clash and verdict == "explore":
        reasons.append(say(lang, "competition_caution"))
    return verdict, headline, reasons


def decide(
    conflicting: list[InterestItem], rank: int | None, total: int, *, fits: bool, lang: str
) -> tuple[str, str]:
    """The verdict and its headline (see the module's docstring for the rule).

    ``rank`` is where the request would stand among ``total`` candidates for the
    host (None without a click model); ``fits`` whether the two share aims or
    meet needs.
    """
    red = [i for i in conflicting if i.kind == "red_line"]
    if red:
        if red[0].detail.startswith("ours"):
            return "decline", say(lang, "verdict_red_line", line=red[0].ours.text)
        return "decline", say(lang, "verdict_their_red_line", line=red[0].theirs.text)
    bottom_half = rank is not None and rank > (total + 1) / 2
    if not fits and (bottom_half or rank is None):
        return "decline", say(lang, "verdict_poor_fit")
    clash = any(i.kind in ("competition", "values") for i in conflicting)
    if fits and rank is not None and rank <= ACCEPT_RANK and not clash:
        return "accept", say(lang, "accept")
    return "explore", say(lang, "explore")
