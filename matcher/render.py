"""Explanations as a person reads them in a terminal."""

from __future__ import annotations

from matcher.explain import Explanation
from matcher.interests import InterestItem
from matcher.phrases import facet_name, say

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
