"""Overlapping, complementary and conflicting interests of a pair, statement by statement.

Statements (sentences and list items, see :mod:`matcher.statements`) are
compared by the cosine of their language-centred vectors
(:mod:`matcher.centring`), so a Dutch statement meets its English
counterpart as it would meet a Dutch one.

- **Overlapping**: a statement of ours and one of theirs in the same facet
  group (vision and mission; goals and interests; target groups; culture and
  mindset) that are each other's best match and score at least
  :data:`OVERLAP`.
- **Complementary**: what one side seeks against what the other offers, both
  directions, labelled by direction; at least :data:`COMPLEMENT`.
- **Conflicting**: red lines the other side's business crosses (by sector,
  :mod:`matcher.conflicts`); competing interests (both offer the same to the
  same target group in the same country, or seek the same funding there);
  values that pull opposite ways (open or closed, fast or careful, top-down
  or self-organising, profit or social return).

The thresholds were set on the demo profiles (``data/demo/README.md``): of
mutual-best statement pairs between unrelated profiles, 5% score above 0.42
and 1% above 0.54, while the cross-lingual twins' median is 0.65; the best
seek-offer match between unrelated profiles is above 0.32 for 1% of the
seeks, while 11 of the 12 documented complement pairs score 0.43-0.86 and the
twelfth 0.37.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.orm import Session

from matcher.centring import statement_centring
from matcher.conflicts import AGAINST, red_line_hits
from matcher.language import detect_language
from matcher.phrases import say, sector_name
from matcher.profiles import Profile
from matcher.statements import Statement, statement_vectors, statements

if TYPE_CHECKING:
    from matcher.embedding import Embedder

OVERLAP = 0.50
COMPLEMENT = 0.35
#: Two offers this close, to a shared target group in one country, compete.
COMPETE = 0.60
#: Most items of one relation kept, strongest first.
MAX_ITEMS = 6

#: (group, our facets, their facets) compared for overlapping interests.
OVERLAP_GROUPS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("vision", ("mission", "vision"), ("mission", "vision")),
    ("goals", ("goals", "interests"), ("goals", "interests")),
    ("target_groups", ("target_groups",), ("target_groups",)),
    ("values", ("culture", "mindset"), ("culture", "mindset")),
)

_FUNDING = re.compile(
    r"fund|grant|donat|sponsor|subsid|financ|invest|loan|credit|fonds|gift|schenk|lening|krediet",
    re.IGNORECASE,
)

#: Value axes: (name, pole A, pole B). A statement that negates a pole takes the other.
VALUE_AXES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (name, re.compile(a, re.IGNORECASE), re.compile(b, re.IGNORECASE))
    for name, a, b in (
        (
            "openness",
            r"\bopen[- ](source|data|standards?|publication|access)|\bpublish\w* (openly|all)|"
            r"\bopenbaar|\bopen publicatie|\bopen standaard",
            r"\bproprietary|\bclosed[- ](source|data)|\bgesloten (data|software|systemen)|"
            r"\bexclusive (rights|licen\w+)|\bexclusieve (rechten|licentie)|\btrade secrets?\b|"
            r"\bbedrijfsgeheim|\block-in\b",
        ),
        (
            "pace",
            r"\bmove fast|\bfast[- ]growing|\bhypergrowth|\bblitzscal|\bsnel (groeien|opschalen)|"
            r"\bdisrupt",
            r"\bcareful(ly)?\b|\bzorgvuldig|\bstep by step|\bstap voor stap|\bpatient\b|"
            r"\bgeduldig",
        ),
        (
            "hierarchy",
            r"\bhierarch|\bhiërarch|\btop-down|\bcommand and control",
            r"\bself-organi[sz]|\bzelfsturend|\bzelforganis|\bflat organi[sz]ation|"
            r"\bplatte organisatie|\bbottom-up",
        ),
        (
            "profit",
            r"\bshareholder value|\bmaximi[sz]e (profits?|returns?)|\bwinstmaximalisatie|"
            r"\bmaximaal rendement|\bwinstuitkering|\bprofit distribution",
            r"\bnot-for-profit|\bnon-profit|\bzonder winstoogmerk|\bsocial return|"
            r"\bmaatschappelijk rendement",
        ),
    )
)
_VALUE_FACETS = ("mission", "vision", "culture", "mindset", "red_lines")


@dataclass(frozen=True)
class Evidence:
    """A statement quoted from one profile, as written, with its facet."""

    facet: str
    text: str


@dataclass(frozen=True)
class InterestItem:
    """One overlapping, complementary or conflicting interest of a pair.

    Attributes
    ----------
    relation
        ``overlapping``, ``complementary`` or ``conflicting``.
    ours, theirs
        The evidence from our profile and from theirs.
    strength
        0..1: the centred cosine of the two statements; 1.0 for a red line.
    reason
        One line, in the explanation's language.
    kind
        What it is: the facet group of an overlap (``vision``, ``goals``,
        ``target_groups``, ``values``); the direction of a complement
        (``they_offer_we_seek``, ``we_offer_they_seek``); the cause of a
        conflict (``red_line``, ``competition``, ``values``).
    detail
        For a conflict: whose red line and the sector (``ours:tobacco``), the
        competition (``offer``/``funds``), or the value axis.
    """

    relation: str
    ours: Evidence
    theirs: Evidence
    strength: float
    reason: str
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Interests:
    overlapping: list[InterestItem]
    complementary: list[InterestItem]
    conflicting: list[InterestItem]


class _Side:
    """One profile's statements and their centred vectors."""

    def __init__(self, profile: Profile, items: list[Statement], vectors: np.ndarray) -> None:
        self.profile = profile
        self.items = items
        self.vectors = vectors

    def of(self, facets: tuple[str, ...]) -> tuple[list[Statement], np.ndarray]:
        keep = [i for i, s in enumerate(self.items) if s.facet in facets]
        return [self.items[i] for i in keep], self.vectors[keep]


def _sides(
    session: Session | None, embedder: Embedder, us: Profile, them: Profile
) -> tuple[_Side, _Side]:
    ours, theirs = statements(us), statements(them)
    vectors = statement_vectors(session, embedder, [s.text for s in ours + theirs])
    centring = statement_centring(embedder)
    out = []
    for profile, items, rows in (
        (us, ours, vectors[: len(ours)]),
        (them, theirs, vectors[len(ours) :]),
    ):
        language = profile.language or detect_language(profile.all_text())
        centred = centring.transform(rows, [language] * len(rows)) if len(rows) else rows
        out.append(_Side(profile, items, centred))
    return out[0], out[1]


def analyse(
    us: Profile,
    them: Profile,
    *,
    embedder: Embedder,
    session: Session | None = None,
    lang: str = "en",
) -> Interests:
    """The overlapping, complementary and conflicting interests of ``us`` and ``them``."""
    ours, theirs = _sides(session, embedder, us, them)
    return Interests(
        overlapping=_overlapping(ours, theirs, lang),
        complementary=_complementary(ours, theirs, lang),
        conflicting=_conflicting(ours, theirs, lang),
    )


def _overlapping(ours: _Side, theirs: _Side, lang: str) -> list[InterestItem]:
    items: list[InterestItem] = []
    seen: set[tuple[str, str]] = set()
    for group, our_facets, their_facets in OVERLAP_GROUPS:
        a, va = ours.of(our_facets)
        b, vb = theirs.of(their_facets)
        found = []
        for i, j, score in _mutual_best(va, vb, OVERLAP):
            if (a[i].text, b[j].text) in seen:
                continue
            seen.add((a[i].text, b[j].text))
            found.append(
                InterestItem(
                    "overlapping",
                    Evidence(a[i].facet, a[i].text),
                    Evidence(b[j].facet, b[j].text),
                    score,
                    say(lang, f"overlap_{group}"),
                    group,
                )
            )
        items.extend(sorted(found, key=lambda x: -x.strength)[:2])
    return sorted(items, key=lambda x: -x.strength)[:MAX_ITEMS]


def _complementary(ours: _Side, theirs: _Side, lang: str) -> list[InterestItem]:
    items: list[InterestItem] = []
    for kind, seeker, offerer in (
        ("they_offer_we_seek", ours, theirs),
        ("we_offer_they_seek", theirs, ours),
    ):
        seeks, vs = seeker.of(("seeks",))
        offers, vo = offerer.of(("offers",))
        if not seeks or not offers:
            continue
        sims = vs @ vo.T
        found = []
        for i, seek in enumerate(seeks):
            j = int(np.argmax(sims[i]))
            if sims[i, j] >= COMPLEMENT:
                seek_ev, offer_ev = Evidence("seeks", seek.text), Evidence("offers", offers[j].text)
                our_ev, their_ev = (
                    (seek_ev, offer_ev) if kind == "they_offer_we_seek" else (offer_ev, seek_ev)
                )
                found.append(
                    InterestItem(
                        "complementary",
                        our_ev,
                        their_ev,
                        _round(sims[i, j]),
                        say(lang, kind),
                        kind,
                    )
                )
        items.extend(sorted(found, key=lambda x: -x.strength)[:3])
    return items


def _conflicting(ours: _Side, theirs: _Side, lang: str) -> list[InterestItem]:
    items = red_line_items(ours.profile, theirs.profile, lang)
    items.extend(_competition(ours, theirs, lang))
    items.extend(_values(ours, theirs, lang))
    return items


def red_line_items(us: Profile, them: Profile, lang: str = "en") -> list[InterestItem]:
    """Conflicting items for the red lines (ours or theirs) the other side's business crosses."""
    items: list[InterestItem] = []
    for hit in red_line_hits(us, them):
        line = Evidence("red_lines", hit.red_line)
        business = Evidence(hit.facet, hit.statement)
        our_ev, their_ev = (line, business) if hit.owner == "ours" else (business, line)
        key = "our_red_line" if hit.owner == "ours" else "their_red_line"
        items.append(
            InterestItem(
                "conflicting",
                our_ev,
                their_ev,
                1.0,
                say(lang, key, sector=sector_name(lang, hit.sector)),
                "red_line",
                f"{hit.owner}:{hit.sector}",
            )
        )
    return items


def _competition(ours: _Side, theirs: _Side, lang: str) -> list[InterestItem]:
    """Both offer the same to the same target group, or seek the same funds, in one country."""
    country = ours.profile.country
    if not country or country != theirs.profile.country:
        return []
    items = []
    _, va_groups = ours.of(("target_groups",))
    _, vb_groups = theirs.of(("target_groups",))
    same_group = bool(_mutual_best(va_groups, vb_groups, OVERLAP))
    if same_group:
        a, va = ours.of(("offers",))
        b, vb = theirs.of(("offers",))
        for i, j, score in _mutual_best(va, vb, COMPETE)[:2]:
            items.append(
                InterestItem(
                    "conflicting",
                    Evidence("offers", a[i].text),
                    Evidence("offers", b[j].text),
                    score,
                    say(lang, "competition_offer", country=country),
                    "competition",
                    "offer",
                )
            )
    a, va = ours.of(("seeks",))
    b, vb = theirs.of(("seeks",))
    for i, j, score in _mutual_best(va, vb, COMPETE):
        if _FUNDING.search(a[i].text) and _FUNDING.search(b[j].text):
            items.append(
                InterestItem(
                    "conflicting",
                    Evidence("seeks", a[i].text),
                    Evidence("seeks", b[j].text),
                    score,
                    say(lang, "competition_funds", country=country),
                    "competition",
                    "funds",
                )
            )
            break
    return items


def value_poles(statement: str) -> dict[str, str]:
    """Axis -> pole (``"a"`` or ``"b"``) that ``statement`` takes; a negated pole flips."""
    poles = {}
    for name, a, b in VALUE_AXES:
        for pole, other, pattern in (("a", "b", a), ("b", "a", b)):
            match = pattern.search(statement)
            if match is None:
                continue
            rest = statement[: match.start()] + " " + statement[match.end() :]
            poles[name] = other if AGAINST.search(rest) else pole
            break
    return poles


def _values(ours: _Side, theirs: _Side, lang: str) -> list[InterestItem]:
    def stands(side: _Side) -> dict[str, Statement]:
        found: dict[str, Statement] = {}
        for statement in side.items:
            if statement.facet in _VALUE_FACETS:
                for axis, pole in value_poles(statement.text).items():
                    found.setdefault(f"{axis}:{pole}", statement)
        return found

    mine, yours = stands(ours), stands(theirs)
    items = []
    for name, _, _ in VALUE_AXES:
        for pole, other in (("a", "b"), ("b", "a")):
            if f"{name}:{pole}" in mine and f"{name}:{other}" in yours:
                a, b = mine[f"{name}:{pole}"], yours[f"{name}:{other}"]
                items.append(
                    InterestItem(
                        "conflicting",
                        Evidence(a.facet, a.text),
                        Evidence(b.facet, b.text),
                        0.5,
                        say(lang, "values", axis=say(lang, f"axis_{name}")),
                        "values",
                        name,
                    )
                )
                break
    return items


def _mutual_best(a: np.ndarray, b: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, score) where a[i] and b[j] are each other's best match, strongest first."""
    if len(a) == 0 or len(b) == 0:
        return []
    sims = a @ b.T
    best_b = sims.argmax(axis=1)
    best_a = sims.argmax(axis=0)
    pairs = [
        (i, int(j), _round(sims[i, j]))
        for i, j in enumerate(best_b)
        if best_a[j] == i and sims[i, j] >= threshold
    ]
    return sorted(pairs, key=lambda p: -p[2])


def _round(value: float) -> float:
    return round(float(value), 3)
