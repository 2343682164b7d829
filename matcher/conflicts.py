"""Red-line conflicts: a candidate whose business is what our red lines exclude.

Embedding similarity cannot tell "we make cigarettes" from "we fight smoking"
(both are about tobacco), so red lines are checked by sector instead. Each
sensitive sector has one pattern of Dutch and English terms. A red line names
the sectors its words match; an organisation *is in* a sector when a
statement of its business (name, mission, description, offers, interests)
names it without a phrase that turns it around ("phase out", "smoke-free",
"instead of", "geen", "stoppen met"...), and when it is not a charity, public
body, university or research institute (those name a sector to work against
it or study it). An organisation's own red lines are not statements of its business: a
tobacco company's "no sales to minors" names tobacco too.

A hit carries the red line and the statement that meet, so an explanation can
quote both. The sectors are the ones red lines name most, plus one
practice (selling personal data); a red line on anything else (labour
practice, consent, lock-in...) is not checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from matcher.profiles import Kind, Profile

#: Sector -> pattern of its Dutch and English terms (matched case-insensitively).
SECTORS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "tobacco": (
            r"tobac|\btabak|\btaba[ck]s|\bcigar|\bsigar|nicotin|\be-cig|\bvap(e|ing)\b|rookwaren"
        ),
        "alcohol": (
            r"\balcohol|\bbrewer|\bbrouwerij|\bbeer\b|\bbier\b|\bspirits\b|sterke drank|\bliquor"
        ),
        "gambling": (
            r"\bgambl|\bcasino|\bbetting|\bslots?\b|\bslot games|\bgok|\bkansspel|weddenschap|"
            r"\bbookmaker"
        ),
        "weapons": (
            r"\bweapon|\barms\b|\bmunition|\bmunitie|\bartiller|\bwapen|\bmilitar|\bmilitair|"
            r"\bdefen[cs]e (industry|contractor|systems)|\bdefensie-?industrie|\bmilitary vehicle|"
            r"\bmilitaire voertuig|\barmoured"
        ),
        "fossil fuels": (
            r"\bfossil|\bfossiel|\boil\b|\bolie\b|\bnatural gas|\baardgas|\bgas\b|\bcoal\b|"
            r"\bsteenkool|\bpetroleum|\bdrilling|\bboorplatform|\bboren\b|\bupstream"
        ),
        "fast fashion": r"fast[- ]?fashion|\bwegwerpmode",
        "payday lending": (
            r"\bpayday|buy[- ]now[- ]pay[- ]later|\bflitskrediet|achteraf[- ]?betalen"
        ),
        "surveillance": r"\bsurveillance|predictive policing|\bcamerabewaking|\bgezichtsherkenning",
        "pesticides": r"\bpesticid|\bherbicid|\bbestrijdingsmiddel|\bgewasbeschermingsmiddel",
        "junk food": r"\bjunk[- ]food|\bfast[- ]food|\bsoft drinks|\bfrisdrank|\bsnoep\b|\bcandy\b",
        "selling personal data": (
            r"\b(sell|sells|selling|sale of|resell\w*|monetis\w*|monetiz\w*|verko\w*|doorverko\w*)"
            r"\W+(\w+\W+){0,3}(\w*data|\w*gegevens)\b|\bdata[- ]?broker"
        ),
    }.items()
}

#: Phrases that turn a statement against the sector it names.
AGAINST = re.compile(
    r"\bno\b|\bnot\b|\bnever\b|\bwithout\b|\bfree\b|-free\b|\bagainst\b|phase[- ]out|"
    r"instead of|replac|reduc|prevent|quit|stop|ban\b|combat|fight|tackl|transition|exclud|"
    r"\bgeen\b|\bniet\b|\bnooit\b|\bzonder\b|\btegen\b|vrij\b|afbouw|uitfaser|vervang|"
    r"vermindert?|voorkom|stoppen|bestrijd|ontmoedig|transitie|van het gas af|uitsluit|"
    r"sluit\b.*\buit\b",
    re.IGNORECASE,
)

_BUSINESS = ("mission", "description", "offers", "interests")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class RedLineHit:
    """One red line of ``owner`` that the other side's business crosses.

    Attributes
    ----------
    owner
        Whose red line it is: ``"ours"`` or ``"theirs"``.
    red_line
        The red line, as written.
    sector
        The sector both name.
    facet, statement
        Where the other side names that sector, quoted as written.
    """

    owner: str
    red_line: str
    sector: str
    facet: str
    statement: str


@lru_cache(maxsize=65536)
def sectors_named(text: str) -> frozenset[str]:
    """The sectors whose terms occur in ``text`` (cached: candidates recur across queries)."""
    return frozenset(name for name, pattern in SECTORS.items() if pattern.search(text))


#: Kinds that name a sector to fight or study it, not to be in it.
_NOT_IN_BUSINESS = {Kind.charity, Kind.public, Kind.university, Kind.research}


def business_sectors(profile: Profile) -> dict[str, tuple[str, str]]:
    """Sectors an organisation is in: sector -> (facet, statement) of the first evidence.

    Companies and organisations of kind ``other`` (cooperatives, and requests
    pasted as free text, whose kind is unknown) can be in a sector;
    charities, public bodies, universities and research institutes are not.
    """
    if profile.kind in _NOT_IN_BUSINESS:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for facet, statement in _statements(profile):
        if AGAINST.search(statement):
            continue
        for sector in sectors_named(statement):
            found.setdefault(sector, (facet, statement))
    return found


def red_line_hits(us: Profile, them: Profile) -> list[RedLineHit]:
    """Our red lines their business crosses, then theirs that ours crosses."""
    hits = []
    for owner, holder, other in (("ours", us, them), ("theirs", them, us)):
        if not holder.red_lines:
            continue
        business = business_sectors(other)
        for line in holder.red_lines:
            for sector in sorted(sectors_named(line) & set(business)):
                facet, statement = business[sector]
                hits.append(RedLineHit(owner, line, sector, facet, statement))
    return hits


def _statements(profile: Profile) -> list[tuple[str, str]]:
    """What an organisation says it does, statement by statement; its name last."""
    out: list[tuple[str, str]] = []
    for facet in _BUSINESS:
        value = getattr(profile, facet, None)
        if isinstance(value, list):
            out.extend((facet, item) for item in value)
        elif value:
            out.extend((facet, s) for s in _SENTENCE.split(value) if s.strip())
    return [*out, ("name", profile.name)]
