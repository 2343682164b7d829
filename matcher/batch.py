"""Batch ranking: a prospect list in, every prospect ranked for one host, explained, out.

The prospects are not stored: their facets are embedded in one pass (the bulk
of the work), their features against the host are computed in chunks on a
slice of the directory, and the click model scores them both ways. Each
prospect gets the verdict a screening would give (see
:mod:`matcher.screening`) and a one-line reason. A full statement-level
explanation per prospect would embed every statement of every prospect, so a
batch explains by the click model's first-order contributions per feature
group and by red lines instead; ``klik screen`` gives the full explanation for
any one of them.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from matcher.click_model import ClickRecommender
from matcher.directory import directories
from matcher.explain import Explanation, summarise
from matcher.interests import InterestItem, red_line_items
from matcher.language import detect_language
from matcher.phrases import resolve_lang, say
from matcher.profiles import Profile
from matcher.reasons import GROUPS, Contribution, first_order, reference_row
from matcher.screening import RETRIEVE, decide
from matcher.shortlist import Inline, Query, query_vectors, shortlist, slice_features
from matcher.store import prepare
from matcher.vectors import facet_texts

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: Prospects whose features are computed together (bounds memory, paces progress).
CHUNK = 1000
FORMATS = ("csv", "xlsx", "json")
#: Output columns, in order.
COLUMNS = (
    "rank",
    "id",
    "name",
    "kind",
    "country",
    "click",
    "they_fit_us",
    "we_fit_them",
    "verdict",
    "reasons",
    "red_lines",
)


@dataclass
class RankedProspect:
    rank: int
    profile: Profile
    click: float
    ours: float
    theirs: float
    verdict: str
    reasons: str
    conflicts: list[InterestItem] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "id": self.profile.id,
            "name": self.profile.name,
            "kind": self.profile.kind.value,
            "country": self.profile.country or "",
            "click": round(100 * self.click, 1),
            "they_fit_us": round(100 * self.ours, 1),
            "we_fit_them": round(100 * self.theirs, 1),
            "verdict": self.verdict,
            "reasons": self.reasons,
            "red_lines": " | ".join(
                dict.fromkeys(
                    i.ours.text if i.detail.startswith("ours") else i.theirs.text
                    for i in self.conflicts
                )
            ),
        }


#: Called with (stage, done, total): stage is "embed" (texts) or "score" (prospects).
Progress = Callable[[str, int, int], None]


class BatchScorer:
    """Scores prospects for one host; built once per list (or job), used chunk by chunk.

    Building it weighs the host's own candidates in the directory (a shortlist of
    :data:`~matcher.screening.RETRIEVE`), against which each prospect's verdict is set.
    """

    def __init__(
        self,
        session: Session,
        embedder: Embedder,
        model: ClickRecommender,
        host: Query,
        *,
        lang: str | None = None,
    ) -> None:
        self.session, self.embedder, self.model, self.host = session, embedder, model, host
        self.lang = resolve_lang(lang, host.profile.language)
        candidates = shortlist(session, embedder, host, top=RETRIEVE, model=model)
        rows = [c.features for c in candidates if c.features is not None]
        self.known = np.sort(model.rank_score(np.stack(rows))) if rows else np.empty(0)
        self.reference = candidates[0].reference if candidates else None
        self.directory = directories.get(session, embedder.name)
        self.host_vectors = query_vectors(session, embedder, host)
        self.host_language = host.profile.language or detect_language(host.profile.all_text())

    def score(
        self, prospects: Sequence[Profile], embedded: Callable[[int], None] | None = None
    ) -> list[tuple[float, RankedProspect]]:
        """(rank score, prospect) of each prospect, in input order; ranks are left at 0."""
        prospects = [prepare(p.model_copy()) for p in prospects]  # ids and languages
        texts = [facet_texts(p) for p in prospects]
        flat = [t for per in texts for t in per.values()]
        dim = self.embedder.dim
        vectors = self.embedder.encode(flat, progress=embedded) if flat else np.empty((0, dim))
        inline, start = [], 0
        for profile, per in zip(prospects, texts, strict=True):
            facets = dict(zip(per, vectors[start : start + len(per)], strict=True))
            start += len(per)
            language = profile.language or detect_language(profile.all_text())
            inline.append(Inline(profile, facets, language))
        out: list[tuple[float, RankedProspect]] = []
        for begin in range(0, len(inline), CHUNK):
            out.extend(self._chunk(inline[begin : begin + CHUNK]))
        return out

    def _chunk(self, chunk: list[Inline]) -> list[tuple[float, RankedProspect]]:
        model, lang = self.model, self.lang
        _, features = slice_features(
            self.session,
            self.directory,
            model,
            self.embedder.name,
            self.host,
            self.host_vectors,
            self.host_language,
            [],
            inline=chunk,
        )
        ours, theirs, combined = model.probabilities(features)
        raw = model.rank_score(features)
        reference = self.reference if self.reference is not None else reference_row(features)
        parts = first_order(model, features, reference)
        out = []
        for i, item in enumerate(chunk):
            conflicts = red_line_items(self.host.profile, item.profile, lang)
            rank = 1 + int(len(self.known) - np.searchsorted(self.known, raw[i], side="right"))
            contributions = sorted(
                (
                    Contribution(g, round(float(p), 2))
                    for g, p in zip(GROUPS, parts[i], strict=True)
                ),
                key=lambda c: -abs(c.points),
            )
            # The headline names a red line; the summary says the rest.
            explanation = Explanation(lang=lang, summary="", contributions=contributions)
            fits = any(
                c.points >= 0.5
                for c in contributions
                if c.group in ("vision", "culture", "goals", "profile", "complementarity")
            )
            verdict, headline = decide(conflicts, rank, len(self.known), fits=fits, lang=lang)
            if verdict == "explore":
                headline = say(lang, "explore_batch")
            reasons = f"{headline}. {summarise(explanation, features[i])}".strip()
            prospect = RankedProspect(
                0,
                item.profile,
                float(combined[i]),
                float(ours[i]),
                float(theirs[i]),
                verdict,
                reasons,
                conflicts,
            )
            out.append((float(raw[i]), prospect))
        return out


def rank_prospects(
    session: Session,
    embedder: Embedder,
    model: ClickRecommender,
    host: Query,
    prospects: Sequence[Profile],
    *,
    lang: str | None = None,
    progress: Progress | None = None,
) -> list[RankedProspect]:
    """Every prospect ranked for ``host`` by the combined click, best first."""
    report = progress or (lambda stage, done, total: None)
    scorer = BatchScorer(session, embedder, model, host, lang=lang)
    scored: list[tuple[float, RankedProspect]] = []
    texts = sum(len(facet_texts(p)) for p in prospects)
    embedded = 0
    for begin in range(0, len(prospects), CHUNK):
        chunk = prospects[begin : begin + CHUNK]

        def advance(n: int) -> None:
            nonlocal embedded
            embedded += n
            report("embed", embedded, texts)

        scored.extend(scorer.score(chunk, advance))
        report("score", begin + len(chunk), len(prospects))
    return assign_ranks(scored)


def assign_ranks(scored: Sequence[tuple[float, RankedProspect]]) -> list[RankedProspect]:
    """Best first by rank score (ties in input order), ranked from 1."""
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][0], i))
    ranked = []
    for position, i in enumerate(order, 1):
        prospect = scored[i][1]
        prospect.rank = position
        ranked.append(prospect)
    return ranked


def output_format(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one ``path``'s suffix names."""
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValueError(
            f"{path.name}: cannot tell the output format; use .csv, .xlsx or .json (or --format)"
        )
    return chosen


def render(records: Sequence[dict[str, Any]], fmt: str) -> bytes:
    """Ranked records as a CSV (UTF-8 with BOM, for Excel), XLSX or JSON document."""
    frame = pd.DataFrame(list(records), columns=list(COLUMNS))
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(frame.to_csv(index=False).encode("utf-8-sig"))
    elif fmt == "xlsx":
        frame.to_excel(buffer, index=False, sheet_name="ranked", engine="openpyxl")
    else:
        buffer.write(frame.to_json(orient="records", force_ascii=False, indent=2).encode())
    return buffer.getvalue()


def write_ranking(ranked: Sequence[RankedProspect], path: Path, fmt: str) -> None:
    """Write the ranking to ``path`` atomically: a reader never sees half a file."""
    data = render([p.record() for p in ranked], fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
