import pytest
from pydantic import ValidationError

from matcher.profiles import MAX_ITEMS, MAX_TEXT, Kind, Profile, slug_id


def test_name_is_the_only_required_field_but_some_text_is_needed():
    with pytest.raises(ValidationError, match="name"):
        Profile.model_validate({"mission": "Clean rivers."})
    with pytest.raises(ValidationError, match="no text to match on"):
        Profile(name="Empty Org")
    assert Profile(name="Org", seeks=["funding"]).has_text()


def test_list_facets_accept_pipe_separated_cells():
    profile = Profile(name="Org", offers="cold-chain transport | warehousing||")
    assert profile.offers == ["cold-chain transport", "warehousing"]


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("Stichting", Kind.charity),
        ("bedrijf", Kind.company),
        ("Universiteit", Kind.university),
        ("overheid", Kind.public),
        ("research", Kind.research),
        ("", Kind.other),
    ],
)
def test_dutch_and_english_kinds(given, kind):
    assert Profile(name="Org", mission="x", kind=given).kind is kind


def test_unknown_kind_is_rejected_with_the_field_named():
    with pytest.raises(ValidationError) as info:
        Profile(name="Org", mission="x", kind="spaceship")
    assert info.value.errors()[0]["loc"] == ("kind",)


def test_limits():
    with pytest.raises(ValidationError, match="mission"):
        Profile(name="Org", mission="x" * (MAX_TEXT + 1))
    with pytest.raises(ValidationError, match="goals"):
        Profile(name="Org", goals=[f"goal {i}" for i in range(MAX_ITEMS + 1)])


def test_country_is_normalised():
    assert Profile(name="Org", mission="x", country="uk").country == "GB"
    assert Profile(name="Org", mission="x", country="nl").country == "NL"
    with pytest.raises(ValidationError, match="country"):
        Profile(name="Org", mission="x", country="Netherlands")


def test_relationship_shorthand_and_ids():
    profile = Profile(
        name="Stichting Groen!",
        mission="x",
        relationships=["abc", {"partner": "d", "status": "past"}],
    )
    assert [(r.partner, r.status) for r in profile.relationships] == [
        ("abc", "current"),
        ("d", "past"),
    ]
    assert profile.ensure_id() == slug_id("Stichting Groen!")
    assert profile.id.startswith("stichting-groen-")


def test_content_hash_follows_the_text():
    a = Profile(name="Org", mission="Clean rivers.")
    assert a.content_hash() == Profile(name="Org", mission="Clean rivers.").content_hash()
    assert a.content_hash() != Profile(name="Org", mission="Clean seas.").content_hash()
