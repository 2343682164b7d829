"""Explanations as a person reads them in a terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from matcher.explain import Explanation
from matcher.interests import InterestItem
from matcher.phrases import facet_name, say

if TYPE_CHECKING:
    from matcher.shortlist import Candidate

_MARK = {"overlapping": "=", "complementary": "+", "conflicting": "!"}


def explanation_lines(explanation: Explanation, indent: str = "    ") -> list[str]:
    """The explanation as indented lines: why, the three kinds of interests, value, score."""
    lang = explanation.lang
    lines = [f"{indent}{say(lang, 'h_why')}: {explanation.summary}"]
    for relation in ("overlapping", "complementary", "conflicting"):
        items: list[InterestItem] = getattr(explanation, relation)
        if not items:
            continue
        lines.append(f"{indent}{say(lang, f'h_{relation}')}:")
        for item in items:
            cause = (
                f" ({say(lang, 'cause')}: {say(lang, f'cause_{item.kind}')})"
                if relation == "conflicting"
                else ""
            )
            lines.append(f"{indent}  {_MARK[relation]} {item.reason}{cause}")
            for who, evidence in (("you", item.ours), ("they", item.theirs)):
                lines.append(
                    f"{indent}      {say(lang, who)} ({facet_name(lang, evidence.facet)}): "
                    f"\u201c{evidence.text}\u201d"
                )
    if explanation.added_value:
        tags = "; ".join(
            f"{t.label}: {', '.join(t.aspect_labels)}" for t in explanation.added_value
        )
        lines.append(f"{indent}{say(lang, 'h_value')}: {tags}")
    shown = [c for c in explanation.contributions if abs(c.points) >= 0.05][:5]
    if shown:
        scores = ", ".join(f"{say(lang, f'group_{c.group}')} {c.points:+.1f}" for c in shown)
        lines.append(f"{indent}{say(lang, 'h_score')}: {scores}")
    return lines


def percent(value: float | None) -> float | None:
    """A click as a 0-100 score with one decimal, as users see it."""
    return None if value is None else round(100 * value, 1)


def candidate_record(
    candidate: Candidate, shown_id: Callable[[str], str] = lambda i: i
) -> dict[str, Any]:
    """A shortlisted candidate as JSON (the CLI's ``--format json`` and the API's)."""
    c = candidate
    record: dict[str, Any] = {
        "rank": c.rank,
        "id": shown_id(c.profile.id or ""),
        "name": c.profile.name,
        "kind": c.profile.kind.value,
        "country": c.profile.country,
        "language": c.profile.language,
        "click": percent(c.click),
        "they_fit_us": percent(c.ours),
        "we_fit_them": percent(c.theirs),
        "similarity": round(c.similarity, 4),
        "conflicts": [asdict(hit) for hit in c.conflicts],
    }
    if c.explanation is not None:
        record["explanation"] = c.explanation.to_dict()
    return record
