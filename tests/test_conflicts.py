"""Red-line conflicts: found by sector across Dutch and English, quoted from the profiles,
and kept off a shortlist before the cut."""

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from matcher.conflicts import business_sectors, red_line_hits
from matcher.profiles import Profile
from matcher.shortlist import Filters, resolve_query, shortlist

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"
PROFILES = {
    p.id: p
    for p in (Profile.model_validate(json.loads(line)) for line in DEMO.read_text().splitlines())
}

# The demo's intended conflicts (data/demo/README.md): charity, company, sector.
INTENDED = [
    ("nl-stichting-vrije-adem", "en-harcourt-tobacco", "tobacco"),
    ("en-tipping-point-climate", "nl-noordkaap-olie-gas", "fossil fuels"),
    ("nl-herstelkracht-verslavingszorg", "en-goldcrest-gaming", "gambling"),
    ("nl-vredeswerkplaats", "en-brackwell-defence", "weapons"),
    ("en-fair-thread-alliance", "en-trendloop-fashion", "fast fashion"),
]


@pytest.mark.parametrize(("charity", "company", "sector"), INTENDED)
def test_an_intended_conflict_is_found_both_ways_round(charity, company, sector):
    us, them = PROFILES[charity], PROFILES[company]
    hits = red_line_hits(us, them)
    assert hits and {h.sector for h in hits} == {sector}
    for hit in hits:
        assert hit.owner == "ours"
        assert hit.red_line in us.red_lines  # quoted as written, never made up
        assert hit.statement in them.name or hit.statement in " ".join(
            [them.mission or "", them.description or "", *them.offers, *them.interests]
        )
    # Seen from the company, the same lines are the charity's ("theirs").
    assert {h.owner for h in red_line_hits(them, us)} == {"theirs"}


@pytest.mark.parametrize(
    ("us", "them"),
    [
        ("nl-stichting-vrije-adem", "en-westmoor-public-health"),  # both fight tobacco
        ("en-tipping-point-climate", "nl-energiecooperatie-zonnedelta"),  # replaces gas
        ("en-tipping-point-climate", "en-verdant-cooperative-bank"),  # excludes fossil fuels
        ("nl-herstelkracht-verslavingszorg", "en-sport-for-everyone-wales"),
        ("nl-goedemorgen-buur", "en-good-morning-neighbour"),
    ],
)
def test_allies_and_twins_are_not_conflicts(us, them):
    assert red_line_hits(PROFILES[us], PROFILES[them]) == []


@pytest.mark.parametrize(
    ("red_line", "statement", "sector"),
    [
        ("Geen verkoop van patiëntgegevens", "We sell anonymised patient data to insurers.", True),
        ("No selling of customer data", "Wij verkopen klantgegevens aan adverteerders.", True),
        ("No surveillance or predictive policing software", "Camerabewaking voor winkels.", True),
        ("No research funded by pesticide manufacturers", "We make crop pesticides.", True),
        ("No partnerships with junk-food brands", "A chain of fast food restaurants.", True),
        ("No selling of customer data", "We protect customer data and never sell it.", False),
        ("No military applications", "Sensors for dike monitoring.", False),
    ],
)
def test_sectors_beyond_the_first_seven(red_line, statement, sector):
    us = Profile(name="Us", kind="charity", red_lines=[red_line])
    # A request pasted as free text has no kind: what it says it does still counts.
    them = Profile(name="Request", description=statement)
    assert bool(red_line_hits(us, them)) is sector


def test_only_what_a_company_does_counts():
    oil = PROFILES["nl-noordkaap-olie-gas"]
    assert set(business_sectors(oil)) == {"fossil fuels"}
    # A charity that names tobacco works against it; a company that phases gas out is not in it.
    assert business_sectors(PROFILES["nl-stichting-vrije-adem"]) == {}
    retrofit = Profile(
        name="Warm Homes Ltd",
        kind="company",
        description="We help families replace natural gas boilers with heat pumps.",
    )
    assert business_sectors(retrofit) == {}


def test_demo_conflicts_precision_and_recall():
    """Every pair of demo profiles against the conflicts data/demo/README.md documents."""
    known = {(a, b) for a, b, _ in INTENDED}
    also = {  # "Other red lines in the set that also exclude these companies"
        "en-westmoor-public-health": ["en-harcourt-tobacco", "en-goldcrest-gaming"],
        "en-northbridge-clinical-research": ["en-harcourt-tobacco", "en-goldcrest-gaming"],
        "en-corrib-university": ["en-harcourt-tobacco"],
        "nl-brugfonds-impact": [
            "nl-noordkaap-olie-gas",
            "en-brackwell-defence",
            "en-harcourt-tobacco",
            "en-goldcrest-gaming",
        ],
        "en-verdant-cooperative-bank": [
            "nl-noordkaap-olie-gas",
            "en-brackwell-defence",
            "en-harcourt-tobacco",
            "en-goldcrest-gaming",
        ],
        "nl-bitwerf-software": ["en-brackwell-defence", "en-goldcrest-gaming"],
        "en-kingsgate-responsible-ai": ["en-brackwell-defence"],
        "en-wyvern-university": ["en-brackwell-defence"],
        # "No military applications" / "No classified military research" against an arms
        # maker: not listed in the README's table at first, true conflicts all the same.
        "en-fieldpulse-iot": ["en-brackwell-defence"],
        "en-lowlands-tech-university": ["en-brackwell-defence"],
        "en-glenmore-university": ["nl-noordkaap-olie-gas"],
        "nl-iedereen-sport-oost": ["en-goldcrest-gaming"],
        "en-sport-for-everyone-wales": ["en-goldcrest-gaming"],
        "nl-productiehuis-de-wildeman": ["en-goldcrest-gaming", "en-harcourt-tobacco"],
        "nl-stad-kortenmolen": ["en-trendloop-fashion"],
    }
    known |= {(a, b) for a, bs in also.items() for b in bs}
    flagged = {
        (a, b)
        for a in PROFILES
        for b in PROFILES
        if a != b and any(h.owner == "ours" for h in red_line_hits(PROFILES[a], PROFILES[b]))
    }
    found = flagged & known
    assert len(found) / len(flagged) >= 0.9  # measured: 28 of 29
    assert len(found) / len(known) >= 0.9  # measured: 28 of 30


@pytest.fixture
def session(demo_db):
    with Session(demo_db) as session:
        yield session


def test_conflicts_are_left_out_before_the_cut(session, embedder):
    query = resolve_query(session, "en-tipping-point-climate")
    shown = shortlist(session, embedder, query, top=3)
    assert "nl-noordkaap-olie-gas" in [c.profile.id for c in shown]  # similar, but conflicting
    oil = next(c for c in shown if c.profile.id == "nl-noordkaap-olie-gas")
    assert oil.conflicts and oil.conflicts[0].sector == "fossil fuels"
    kept = shortlist(session, embedder, query, top=3, filters=Filters(exclude_conflicts=True))
    assert len(kept) == 3 and all(not c.conflicts for c in kept)
    assert "nl-noordkaap-olie-gas" not in [c.profile.id for c in kept]
    # Of the companies, only those that cross no red line, and as many as asked for.
    companies = shortlist(
        session,
        embedder,
        query,
        top=5,
        filters=Filters(kinds=["company"], exclude_conflicts=True),
    )
    assert len(companies) == 5 and all(c.profile.kind.value == "company" for c in companies)
    assert all(not c.conflicts for c in companies)
