"""The organisation profile: one schema for the CLI, the API and storage.

Every facet is optional except ``name``, but a profile must carry some text
that a match can be made on (at least one text facet or list facet).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

#: Limits, also stated in the README.
MAX_NAME = 200
MAX_TEXT = 4000
MAX_DESCRIPTION = 20000
MAX_ITEM = 500
MAX_ITEMS = 50
MAX_RELATIONSHIPS = 2000
MAX_ID = 64

#: Letters, digits and ``. _ : -`` (not starting with ``ws:``: a workspace's own ids).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


class Kind(StrEnum):
    company = "company"
    charity = "charity"
    public = "public"
    university = "university"
    research = "research"
    other = "other"


class Size(StrEnum):
    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


#: Free-text facets, in the order they are shown and embedded.
TEXT_FACETS: tuple[str, ...] = ("mission", "vision", "culture", "mindset", "description")
#: Facets that are lists of short statements.
LIST_FACETS: tuple[str, ...] = (
    "goals",
    "target_groups",
    "interests",
    "offers",
    "seeks",
    "red_lines",
)
FACETS: tuple[str, ...] = (
    "mission",
    "vision",
    "culture",
    "mindset",
    "goals",
    "target_groups",
    "interests",
    "offers",
    "seeks",
    "red_lines",
    "description",
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ITEM)]
Items = Annotated[list[Item], Field(max_length=MAX_ITEMS)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Relationship(BaseModel):
    """A current or past partner: the partner's profile id, or its name."""

    model_config = ConfigDict(extra="forbid")

    partner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    status: Literal["current", "past"] = "current"


class Profile(BaseModel):
    """An organisation as Klik knows it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, StringConstraints(max_length=MAX_ID, pattern=ID_PATTERN)] | None = None
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)
    ]
    kind: Kind = Kind.other
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    city: Short | None = None
    website: Short | None = None
    size: Size | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None

    mission: Text | None = None
    vision: Text | None = None
    culture: Text | None = None
    mindset: Text | None = None
    goals: Items = Field(default_factory=list)
    target_groups: Items = Field(default_factory=list)
    interests: Items = Field(default_factory=list)
    offers: Items = Field(default_factory=list)
    seeks: Items = Field(default_factory=list)
    red_lines: Items = Field(default_factory=list)
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION)] | None
    ) = None
    tags: Items = Field(default_factory=list)
    relationships: Annotated[list[Relationship], Field(max_length=MAX_RELATIONSHIPS)] = Field(
        default_factory=list
    )

    @field_validator(
        "mission", "vision", "culture", "mindset", "description", "city", "website", mode="after"
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("ws:"):
            raise ValueError("ids starting with 'ws:' are reserved for workspaces")
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            return KIND_ALIASES.get(key, key)
        return value

    @field_validator("size", mode="before")
    @classmethod
    def _size_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            if not key:
                return None
            return SIZE_ALIASES.get(key, key)
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _country_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            return COUNTRY_ALIASES.get(code, code) or None
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator(*LIST_FACETS, "tags", mode="before")
    @classmethod
    def _split_items(cls, value: Any) -> Any:
        """Accept a list, or one string of ``|``-separated items (as in CSV cells)."""
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split("|") if part.strip()]
        if isinstance(value, list):
            return [v for v in value if not (isinstance(v, str) and not v.strip())]
        return value

    @field_validator("relationships", mode="before")
    @classmethod
    def _relationship_shorthand(cls, value: Any) -> Any:
        """A bare string is a current partner."""
        if value is None:
            return []
        if isinstance(value, list):
            return [{"partner": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _has_text(self) -> Profile:
        if not self.has_text():
            raise ValueError(
                "profile has no text to match on: fill at least one of " + ", ".join(FACETS)
            )
        return self

    def has_text(self) -> bool:
        return any(self.facet_text(f) for f in FACETS)

    def facet_text(self, facet: str) -> str:
        """The text of one facet; list facets are joined into sentences."""
        value = getattr(self, facet)
        if isinstance(value, list):
            return ". ".join(item.rstrip(".") for item in value) + ("." if value else "")
        return value or ""

    def profile_text(self) -> str:
        """One text for the whole organisation: every facet but its red lines, in order.

        The name is left out: it adds language cues (``Stichting``, ``Ltd``) and
        file names, not meaning.
        """
        return "\n".join(text for f in FACETS if f != "red_lines" and (text := self.facet_text(f)))

    def all_text(self) -> str:
        return "\n".join(self.facet_text(f) for f in FACETS)

    def ensure_id(self) -> str:
        """Give a profile without an id a stable one, derived from its name."""
        if self.id is None:
            self.id = slug_id(self.name)
        return self.id

    def content_hash(self) -> str:
        payload = self.model_dump(mode="json", exclude={"relationships"})
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()


#: EU institutions write Greece as EL and the United Kingdom as UK.
COUNTRY_ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR"}

KIND_ALIASES: dict[str, str] = {
    "bedrijf": "company",
    "onderneming": "company",
    "business": "company",
    "goed doel": "charity",
    "goede doel": "charity",
    "goeddoel": "charity",
    "stichting": "charity",
    "ngo": "charity",
    "non-profit": "charity",
    "nonprofit": "charity",
    "overheid": "public",
    "gemeente": "public",
    "publiek": "public",
    "government": "public",
    "universiteit": "university",
    "hogeschool": "university",
    "onderzoek": "research",
    "onderzoeksinstituut": "research",
    "kennisinstelling": "research",
    "anders": "other",
    "overig": "other",
    "overige": "other",
    "": "other",
}

SIZE_ALIASES: dict[str, str] = {
    "micro": "micro",
    "klein": "small",
    "middel": "medium",
    "middelgroot": "medium",
    "groot": "large",
}


def slug_id(name: str) -> str:
    """A readable, stable id from a name: ``"Stichting Groen!"`` -> ``stichting-groen-1a2b3c``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48] or "org"
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return f"{slug}-{digest}"
