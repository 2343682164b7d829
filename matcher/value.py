"""Added value of a partnership: strategic and/or business-economic, backed by interest items.

Klik's source texts name four strategic aspects (more effective: extra value
for the target group, stronger products or services, stakeholders served,
focus on the core business kept) and four business-economic ones (more
efficient: more revenue for the same effort, higher quality at the same
cost, lower costs in money, time or resources, more financial or social
return). Each complementary item is assigned the aspect whose description
(in Dutch and English) its offered statement is closest to; a shared target
group is extra value for that group. A tag lists its aspects and the items
behind them.

The assignment is a nearest-description guess, not a trained classifier: on
the demo's offers it is plausible for clear cases (funding -> return,
clinical validation -> quality, retrofit contracting -> core focus) and weak
below a cosine of :data:`MIN_ASPECT`, where an offer that meets a need counts
as stronger products or services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.orm import Session

from matcher.centring import statement_centring
from matcher.interests import InterestItem, Interests
from matcher.language import detect_language
from matcher.phrases import say
from matcher.statements import statement_vectors

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: Below this centred cosine to every description, an offer counts as ``products``.
MIN_ASPECT = 0.12
STRATEGIC = ("target_group", "products", "stakeholders", "core_focus")
BUSINESS = ("revenue", "quality", "costs", "return")
TAGS = {"strategic": STRATEGIC, "business_economic": BUSINESS}

#: Aspect -> descriptions (English, Dutch) that an offered statement is compared with.
ASPECTS: dict[str, tuple[str, str]] = {
    "target_group": (
        "Services, care and support that reach and help our target group directly.",
        "Diensten, zorg en ondersteuning die onze doelgroep direct bereiken en helpen.",
    ),
    "products": (
        "Technology, products, tools and capabilities that make our services stronger.",
        "Technologie, producten, middelen en vaardigheden die onze diensten sterker maken.",
    ),
    "stakeholders": (
        "Access to a network of partners, municipalities, communities, residents and sites.",
        "Toegang tot een netwerk van partners, gemeenten, gemeenschappen, bewoners en locaties.",
    ),
    "core_focus": (
        "Taking over work outside our core business, such as logistics, operations or contracting.",
        "Werk overnemen dat buiten onze kern valt, zoals logistiek, exploitatie of uitvoering.",
    ),
    "revenue": (
        "New customers, sales channels and markets: more revenue for the same effort.",
        "Nieuwe klanten, afzetkanalen en markten: meer omzet met dezelfde inspanning.",
    ),
    "quality": (
        "Expertise, research, validation and knowledge that raise the quality of our work.",
        "Expertise, onderzoek, validatie en kennis die de kwaliteit van ons werk verhogen.",
    ),
    "costs": (
        "Shared facilities, space, equipment and volunteers that save money, time and resources.",
        "Gedeelde voorzieningen, ruimte, apparatuur en vrijwilligers die geld, tijd en middelen"
        " besparen.",
    ),
    "return": (
        "Funding, investment, loans, sponsorship and donations with financial or social return.",
        "Financiering, investeringen, leningen, sponsoring en donaties met financieel of"
        " maatschappelijk rendement.",
    ),
}


@dataclass
class ValueTag:
    """``strategic`` or ``business_economic``, its aspects, and the items behind each."""

    tag: str
    label: str
    aspects: list[str] = field(default_factory=list)
    aspect_labels: list[str] = field(default_factory=list)
    items: list[InterestItem] = field(default_factory=list)


def aspect_of(
    texts: list[str], embedder: Embedder, session: Session | None = None
) -> list[tuple[str, float]]:
    """The closest aspect of each text and its centred cosine."""
    names = list(ASPECTS)
    prototypes = [t for name in names for t in ASPECTS[name]]
    vectors = statement_vectors(session, embedder, [*prototypes, *texts])
    centring = statement_centring(embedder)
    proto = centring.transform(vectors[: len(prototypes)], ["en", "nl"] * len(names))
    languages = [detect_language(t) for t in texts]
    rows = centring.transform(vectors[len(prototypes) :], languages) if texts else vectors[:0]
    sims = (rows @ proto.T).reshape(len(texts), len(names), 2).max(axis=2)
    best = sims.argmax(axis=1) if len(texts) else np.empty(0, dtype=int)
    return [
        (names[int(b)] if sims[i, b] >= MIN_ASPECT else "products", float(sims[i, b]))
        for i, b in enumerate(best)
    ]


def added_value(
    interests: Interests, embedder: Embedder, *, session: Session | None = None, lang: str = "en"
) -> list[ValueTag]:
    """The value tags of a pair, strategic first; none when nothing backs them."""
    backed: list[tuple[str, InterestItem]] = [
        ("target_group", item) for item in interests.overlapping if item.kind == "target_groups"
    ]
    offers = [
        _head(item.theirs.text if item.kind == "they_offer_we_seek" else item.ours.text)
        for item in interests.complementary
    ]
    for item, (aspect, _) in zip(
        interests.complementary, aspect_of(offers, embedder, session), strict=True
    ):
        backed.append((aspect, item))
    tags = []
    for tag, aspects in TAGS.items():
        mine = [(a, item) for a, item in backed if a in aspects]
        if not mine:
            continue
        names = [a for a in aspects if any(m == a for m, _ in mine)]
        tags.append(
            ValueTag(
                tag=tag,
                label=say(lang, tag),
                aspects=names,
                aspect_labels=[say(lang, a) for a in names],
                items=[item for _, item in mine],
            )
        )
    return tags


def _head(statement: str) -> str:
    """What is offered, without its details: the part before a colon, if any."""
    head, colon, _ = statement.partition(":")
    return head.strip() if colon and len(head.split()) >= 1 else statement
