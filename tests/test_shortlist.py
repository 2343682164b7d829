"""Shortlists over the demo profiles, across Dutch and English."""

from pathlib import Path

import pytest
from demo_pairs import TWINS
from sqlalchemy.orm import Session

from matcher.click_model import ClickRecommender
from matcher.profiles import Profile
from matcher.shortlist import Filters, Query, resolve_query, shortlist

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "data" / "demo" / "profiles.jsonl"


@pytest.fixture
def session(demo_db):
    with Session(demo_db) as session:
        yield session


def top_ids(session, embedder, query, n=5, **filters):
    return [
        c.profile.id for c in shortlist(session, embedder, query, top=n, filters=Filters(**filters))
    ]


@pytest.mark.parametrize(("dutch", "english"), TWINS)
def test_a_dutch_profile_finds_its_english_twin_first_and_back(session, embedder, dutch, english):
    assert top_ids(session, embedder, resolve_query(session, dutch))[0] == english
    assert top_ids(session, embedder, resolve_query(session, english))[0] == dutch


@pytest.fixture(scope="module")
def click_model():
    return ClickRecommender.load(ROOT / "models" / "click")


@pytest.mark.parametrize(("dutch", "english"), TWINS)
def test_the_click_finds_the_twin_in_the_other_language_among_the_first_five(
    session, embedder, click_model, dutch, english
):
    """Words are not compared across languages (the vocabulary is English), so a Dutch
    text is not held back from its English twin by sharing none of its words."""
    for ours, twin in ((dutch, english), (english, dutch)):
        query = resolve_query(session, ours)
        found = shortlist(session, embedder, query, top=5, model=click_model)
        assert twin in [c.profile.id for c in found]


STRATEGIES = [
    # A Dutch strategy whose best partner writes in English, and the reverse.
    (
        "Wij komen op voor de rechten van textielarbeiders: een leefbaar loon, veilige fabrieken "
        "en de vrijheid om een vakbond op te richten.",
        "en-fair-thread-alliance",
    ),
    (
        "Wij maken oude woningen warm, gezond en energiezuinig door ze in één keer grondig te "
        "renoveren en te isoleren.",
        "en-warmhouse-retrofit",
    ),
    (
        "Onze strategie: kunstmatige intelligentie eerlijk, transparant en controleerbaar maken, "
        "en overheden helpen algoritmes verantwoord in te zetten.",
        "en-kingsgate-responsible-ai",
    ),
    (
        "Our aim is a diet with more plant-based protein: we develop products from legumes and "
        "help people eat less meat.",
        "nl-instituut-eiwittransitie",
    ),
    (
        "Our strategy is early detection of atrial fibrillation with a wearable heart-rhythm "
        "patch for patients at home.",
        "nl-cardiosense",
    ),
]


@pytest.mark.parametrize(("text", "expected"), STRATEGIES)
def test_a_strategy_text_finds_the_partner_in_the_other_language(session, embedder, text, expected):
    query = Query(Profile(name="Our strategy", description=text))
    assert top_ids(session, embedder, query)[0] == expected


def test_the_query_itself_is_never_a_candidate(session, embedder):
    query = resolve_query(session, "nl-goedemorgen-buur")
    assert "nl-goedemorgen-buur" not in top_ids(session, embedder, query, n=50)


def test_filters_apply_before_the_cut(session, embedder):
    query = resolve_query(session, "nl-goedemorgen-buur")
    # Universities in Great Britain are far from a Dutch loneliness charity, yet all are found.
    found = shortlist(
        session, embedder, query, top=5, filters=Filters(kinds=["university"], countries=["gb"])
    )
    expected = {"en-glenmore-university", "en-wyvern-university"}
    assert {c.profile.id for c in found} == expected
    research = shortlist(session, embedder, query, top=5, filters=Filters(kinds=["research"]))
    assert len(research) == 5 and {c.profile.kind.value for c in research} == {"research"}


def test_exclude_partners_leaves_out_both_directions(session, embedder):
    query = resolve_query(session, "nl-voedselhulp-domstad")
    partners = {r.partner for r in query.profile.relationships}
    assert partners
    ids = top_ids(session, embedder, query, n=60, exclude_partners=True)
    assert not partners & set(ids)
    assert len(ids) == 60
