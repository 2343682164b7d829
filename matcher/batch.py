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
    lang = resolve_lang(lang, host.profile.language)
    report = progress or (lambda stage, done, total: None)
    candidates = shortlist(session, embedder, host, top=RETRIEVE, model=model)
    rows = [c.features for c in candidates if c.features is not None]
    known = np.sort(model.rank_score(np.stack(rows))) if rows else np.empty(0)
    reference = candidates[0].reference if candidates else None

    prospects = [prepare(p.model_copy()) for p in prospects]  # ids and languages, as stored
    texts = [facet_texts(p) for p in prospects]
    flat = [t for per in texts for t in per.values()]
    done = 0

    def embedded(n: int) -> None:
        nonlocal done
        done += n
        report("embed", done, len(flat))

    vectors = embedder.encode(flat, progress=embedded) if flat else np.empty((0, embedder.dim))
    report("embed", len(flat), len(flat))
    inline, start = [], 0
    for profile, per in zip(prospects, texts, strict=True):
        facets = dict(zip(per, vectors[start : start + len(per)], strict=True))
        start += len(per)
        language = profile.language or detect_language(profile.all_text())
        inline.append(Inline(profile, facets, language))

    directory = directories.get(session, embedder.name)
    host_vectors = query_vectors(session, embedder, host)
    host_language = host.profile.language or detect_language(host.profile.all_text())
    scored: list[tuple[float, int, RankedProspect]] = []
    for begin in range(0, len(inline), CHUNK):
        chunk = inline[begin : begin + CHUNK]
        _, features = slice_features(
            session,
            directory,
            model,
            embedder.name,
            host,
            host_vectors,
            host_language,
            [],
            inline=chunk,
        )
        ours, theirs, combined = model.probabilities(features)
        raw = model.rank_score(features)
        parts = first_order(
            model, features, reference if reference is not None else reference_row(features)
        )
        for i, item in enumerate(chunk):
            conflicts = red_line_items(host.profile, item.profile, lang)
            rank = 1 + int(len(known) - np.searchsorted(known, raw[i], side="right"))
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
            verdict, headline = decide(conflicts, rank, len(known), fits=fits, lang=lang)
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
            scored.append((float(raw[i]), begin + i, prospect))
        report("score", min(begin + CHUNK, len(inline)), len(inline))
    scored.sort(key=lambda t: (-t[0], t[1]))
    ranked = []
    for position, (_, _, prospect) in enumerate(scored, 1):
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


def write_ranking(ranked: Sequence[RankedProspect], path: Path, fmt: str) -> None:
    """Write the ranking to ``path`` atomically: a reader never sees half a file."""
    frame = pd.DataFrame([p.record() for p in ranked], columns=list(COLUMNS))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{fmt}", dir=path.parent)
    os.close(handle)
    try:
        if fmt == "csv":
            frame.to_csv(temporary, index=False, encoding="utf-8-sig")  # Excel reads the BOM
        elif fmt == "xlsx":
            frame.to_excel(temporary, index=False, sheet_name="ranked", engine="openpyxl")
        else:
            frame.to_json(temporary, orient="records", force_ascii=False, indent=2)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
