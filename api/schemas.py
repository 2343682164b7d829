"""Request bodies, validated with pydantic; the OpenAPI document is built from them."""

from __future__ import annotations

from typing import Any, Literal, Self, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.errors import BadRequest, ValidationFailed
from matcher.feedback import MAX_NOTE, Outcome
from matcher.profiles import MAX_DESCRIPTION, MAX_ID, Kind, Profile

M = TypeVar("M", bound=BaseModel)
Lang = Literal["nl", "en"]
ProfileId = Field(min_length=1, max_length=MAX_ID)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FiltersIn(Strict):
    kinds: list[Kind] = Field(default_factory=list, max_length=len(Kind))
    countries: list[str] = Field(default_factory=list, max_length=300)
    exclude_partners: bool = False
    exclude_conflicts: bool = True


class ShortlistIn(Strict):
    """Our strategy (a stored profile's ``for`` id, or an inline ``profile``) and options."""

    for_: str | None = Field(None, alias="for", min_length=1, max_length=MAX_ID)
    profile: Profile | None = None
    top: int = Field(5, ge=1, le=50)
    filters: FiltersIn = Field(default_factory=FiltersIn)
    lang: Lang | None = None
    explain: bool = True
    rank_by: Literal["click", "similarity"] = Field(
        "click",
        description="Order by the learned click, or by the similarity of the profiles as a "
        "whole (the click both ways is shown either way).",
    )

    @model_validator(mode="after")
    def _one_strategy(self) -> Self:
        if (self.for_ is None) == (self.profile is None):
            raise ValueError("give either 'for' (a stored profile id) or 'profile', not both")
        return self


class ScreenIn(Strict):
    """Our profile (``host`` id or ``host_profile``) and the request (id, profile or text)."""

    host: str | None = Field(None, min_length=1, max_length=MAX_ID)
    host_profile: Profile | None = None
    request: str | None = Field(None, min_length=1, max_length=MAX_ID)
    request_profile: Profile | None = None
    request_text: str | None = Field(None, min_length=1, max_length=MAX_DESCRIPTION)
    lang: Lang | None = None

    @model_validator(mode="after")
    def _one_each(self) -> Self:
        if (self.host is None) == (self.host_profile is None):
            raise ValueError("give either 'host' (a stored profile id) or 'host_profile'")
        given = [self.request, self.request_profile, self.request_text]
        if sum(x is not None for x in given) != 1:
            raise ValueError("give one of 'request', 'request_profile' or 'request_text'")
        return self


class FeedbackIn(Strict):
    for_: str = Field(alias="for", min_length=1, max_length=MAX_ID)
    candidate: str = Field(min_length=1, max_length=MAX_ID)
    outcome: Outcome
    note: str | None = Field(None, max_length=MAX_NOTE)


def body(model: type[M]) -> M:
    """The JSON body validated as ``model``: 400 if not JSON, 422 naming the bad field."""
    data: Any = request.get_json(silent=True)
    if data is None:
        raise BadRequest(
            "the body must be a JSON object (Content-Type: application/json)", field="body"
        )
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise ValidationFailed(first["msg"], field=where) from None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """The query parameter ``name`` as an integer in ``low..high`` (400 naming it if not)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"must be an integer, got {raw!r}", field=name) from None
    if not low <= value <= high:
        raise BadRequest(f"must be between {low} and {high}", field=name)
    return value
