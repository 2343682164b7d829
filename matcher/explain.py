"""The explanation of a pair: interests with evidence, added value, and why this score.

Assembles :mod:`matcher.interests` (overlapping, complementary and
conflicting items, each quoting a statement of both profiles),
:mod:`matcher.value` (strategic and business-economic value) and
:mod:`matcher.reasons` (the click model's contributions), and phrases a
one-line summary in Dutch or English. Evidence is quoted as written, in
whatever language each profile is in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from matcher.click_model import ClickRecommender
from matcher.features import FEATURES
from matcher.interests import InterestItem, analyse
from matcher.phrases import join, resolve_lang, say
from matcher.profiles import Profile
from matcher.reasons import Contribution, contributions
from matcher.value import ValueTag, added_value

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: Groups a summary calls a "match on" (the rest get their own phrase, or none).
_MATCH_GROUPS = ("vision", "culture", "goals", "profile")
#: Contributions smaller than this (points) are not worth a phrase.
MIN_POINTS = 0.5
_PAST = FEATURES.index("past_partner")
_SHARED = FEATURES.index("shared_partners")


@dataclass
class Explanation:
    lang: str
    summary: str
    overlapping: list[InterestItem] = field(default_factory=list)
    complementary: list[InterestItem] = field(default_factory=list)
    conflicting: list[InterestItem] = field(default_factory=list)
    added_value: list[ValueTag] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)

    def items(self) -> list[InterestItem]:
        return [*self.overlapping, *self.complementary, *self.conflicting]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "summary": self.summary,
            "overlapping": [_item(i) for i in self.overlapping],
            "complementary": [_item(i) for i in self.complementary],
            "conflicting": [_item(i) for i in self.conflicting],
            "added_value": [
                {
                    "tag": t.tag,
                    "label": t.label,
                    "aspects": t.aspects,
                    "aspect_labels": t.aspect_labels,
                    "items": [_item(i) for i in t.items],
                }
                for t in self.added_value
            ],
            "contributions": [
                {"group": c.group, "label": say(self.lang, f"group_{c.group}"), "points": c.points}
                for c in self.contributions
            ],
        }


def _item(item: InterestItem) -> dict[str, Any]:
    return {
        "relation": item.relation,
        "kind": item.kind,
        "detail": item.detail,
        "strength": item.strength,
        "reason": item.reason,
        "ours": {"facet": item.ours.facet, "text": item.ours.text},
        "theirs": {"facet": item.theirs.facet, "text": item.theirs.text},
    }


def explain(
    us: Profile,
    them: Profile,
    *,
    embedder: Embedder,
    session: Session | None = None,
    model: ClickRecommender | None = None,
    row: np.ndarray | None = None,
    reference: np.ndarray | None = None,
    lang: str | None = None,
) -> Explanation:
    """Why ``them`` would (or would not) be a partner for ``us``.

    Parameters
    ----------
    us, them
        The asking organisation and the candidate.
    embedder, session
        Embed the statements; with a session, statement vectors are cached.
    model, row, reference
        The click model, the pair's feature row and a reference row (see
        :func:`matcher.reasons.reference_row`): with all three, the
        explanation includes the model's contributions.
    lang
        ``nl`` or ``en``; default: the language of ``us``.
    """
    lang = resolve_lang(lang, us.language)
    interests = analyse(us, them, embedder=embedder, session=session, lang=lang)
    parts = (
        contributions(model, row, reference)
        if model is not None and row is not None and (reference is not None)
        else []
    )
    explanation = Explanation(
        lang=lang,
        summary="",
        overlapping=interests.overlapping,
        complementary=interests.complementary,
        conflicting=interests.conflicting,
        added_value=added_value(interests, embedder, session=session, lang=lang),
        contributions=parts,
    )
    explanation.summary = summarise(explanation, row)
    return explanation


def summarise(explanation: Explanation, row: np.ndarray | None = None) -> str:
    """One line: red lines first, then the strongest matches, complements and network."""
    lang = explanation.lang
    parts = []
    red = [i for i in explanation.conflicting if i.kind == "red_line"]
    if red:
        line = red[0].ours.text if red[0].detail.startswith("ours") else red[0].theirs.text
        parts.append(say(lang, "crosses", line=_short(line)))
    # Without complementary items (a batch explains by contributions alone), a strong
    # complementarity is named as a match too.
    groups = _MATCH_GROUPS if explanation.complementary else (*_MATCH_GROUPS, "complementarity")
    strong = [
        say(lang, f"group_{c.group}")
        for c in explanation.contributions
        if c.group in groups and c.points >= MIN_POINTS
    ][:2]
    if not strong and not explanation.contributions:  # no model: the items speak
        kinds = dict.fromkeys(i.kind for i in explanation.overlapping)
        strong = [say(lang, f"group_{_GROUP_OF[k]}") for k in kinds][:2]
    if strong:
        parts.append(say(lang, "strong_on", groups=join(lang, strong)))
    else:
        closest = [
            say(lang, f"group_{c.group}")
            for c in explanation.contributions
            if c.group in groups and MIN_POINTS > c.points >= MIN_POINTS / 10
        ][:2]
        if closest:
            parts.append(say(lang, "closest_on", groups=join(lang, closest)))
    offered = [i for i in explanation.complementary if i.kind == "they_offer_we_seek"]
    sought = [i for i in explanation.complementary if i.kind == "we_offer_they_seek"]
    if offered:
        parts.append(say(lang, "they_offer", offer=_short(offered[0].theirs.text)))
    elif sought:
        parts.append(say(lang, "we_offer", seek=_short(sought[0].theirs.text)))
    weak = [
        say(lang, f"group_{c.group}")
        for c in explanation.contributions
        if c.group in _MATCH_GROUPS and c.points <= -MIN_POINTS
    ][:1]
    if weak:
        parts.append(say(lang, "weaker_on", groups=weak[0]))
    if row is not None:
        if row[_PAST] == 1:
            parts.append(say(lang, "past_partner"))
        elif not np.isnan(row[_SHARED]) and row[_SHARED] > 0:
            n = int(row[_SHARED])
            parts.append(say(lang, "shared_one") if n == 1 else say(lang, "shared", n=n))
        else:
            parts.append(say(lang, "no_shared"))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


_GROUP_OF = {"vision": "vision", "goals": "goals", "target_groups": "goals", "values": "culture"}


def _short(text: str, limit: int = 60) -> str:
    """The head of a statement (up to a colon, or ``limit`` characters)."""
    head = text.split(":")[0].strip() if ":" in text[:limit] else text
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "\u2026"
