"""From a file's columns (or JSON keys) and raw values to a validated profile.

Header spellings in English and Dutch, list cells, country and language names, and the
human messages for the fields that fail validation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from matcher.importers.results import ParseResult, RowError
from matcher.profiles import (
    LIST_FACETS,
    MAX_ID,
    Kind,
    Profile,
    Size,
    slug_id,
)

#: Header spellings per field, normalised (lower case, ``_``/``-``/spaces as one space).
#: Where a file has two columns for a one-value field, the spelling listed first wins.
#: ``partners``/``past_partners`` become ``relationships`` (current/past).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    # An "organisatie" column next to a "naam" column is the organisation; "naam" is then
    # most likely a contact person.
    "name": (
        "organisation name",
        "organization name",
        "organisatienaam",
        "organisatie",
        "organisation",
        "organization",
        "name",
        "naam",
    ),
    "kind": ("kind", "soort", "type"),
    "country": ("country", "land"),
    "city": ("city", "plaats", "stad", "vestigingsplaats"),
    "website": ("website", "webadres", "url"),
    "size": ("size", "omvang", "grootte"),
    "language": ("language", "taal"),
    "mission": ("mission", "missie"),
    "vision": ("vision", "visie"),
    "culture": ("culture", "cultuur"),
    "mindset": ("mindset", "denkwijze", "mentaliteit"),
    "goals": ("goals", "doelen", "doelstellingen"),
    "target_groups": ("target groups", "doelgroepen", "doelgroep"),
    "interests": ("interests", "belangen", "interesses", "activities"),
    "offers": ("offers", "aanbod", "biedt", "wij bieden"),
    "seeks": ("seeks", "zoekt", "vraag", "wij zoeken"),
    "red_lines": ("red lines", "rode lijnen"),
    "description": ("description", "beschrijving", "omschrijving"),
    "tags": ("tags", "trefwoorden", "topics"),
    "relationships": ("relationships", "relaties"),
    "partners": ("partners", "current partners", "huidige partners"),
    "past_partners": (
        "past partners",
        "eerdere partners",
        "oud partners",
        "oudpartners",
        "former partners",
        "vorige partners",
    ),
}

_ALIAS: dict[str, tuple[str, int]] = {
    alias: (name, rank)
    for name, aliases in COLUMN_ALIASES.items()
    for rank, alias in enumerate(aliases)
}
LIST_FIELDS = frozenset((*LIST_FACETS, "tags"))
REL_FIELDS = frozenset(("relationships", "partners", "past_partners"))
#: Fields that take several columns (their items are merged); other fields take one.
_MULTI_FIELDS = LIST_FIELDS | REL_FIELDS
_CORDIS_KEYS = frozenset(("activities", "topics"))

_COUNTRY_NAMES: dict[str, str] = {
    "nederland": "NL",
    "netherlands": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "belgie": "BE",
    "belgië": "BE",
    "belgium": "BE",
    "duitsland": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "frankrijk": "FR",
    "france": "FR",
    "luxemburg": "LU",
    "luxembourg": "LU",
    "verenigd koninkrijk": "GB",
    "united kingdom": "GB",
    "engeland": "GB",
    "england": "GB",
    "spanje": "ES",
    "spain": "ES",
    "italie": "IT",
    "italië": "IT",
    "italy": "IT",
    "oostenrijk": "AT",
    "austria": "AT",
    "zwitserland": "CH",
    "switzerland": "CH",
    "denemarken": "DK",
    "denmark": "DK",
    "zweden": "SE",
    "sweden": "SE",
    "noorwegen": "NO",
    "norway": "NO",
    "finland": "FI",
    "polen": "PL",
    "poland": "PL",
    "portugal": "PT",
    "ierland": "IE",
    "ireland": "IE",
    "griekenland": "GR",
    "greece": "GR",
    "verenigde staten": "US",
    "united states": "US",
    "usa": "US",
}
_LANGUAGE_NAMES: dict[str, str] = {
    "nederlands": "nl",
    "dutch": "nl",
    "vlaams": "nl",
    "engels": "en",
    "english": "en",
    "duits": "de",
    "german": "de",
    "deutsch": "de",
    "frans": "fr",
    "french": "fr",
    "français": "fr",
    "spaans": "es",
    "spanish": "es",
    "italiaans": "it",
    "italian": "it",
}

_HEADER_JUNK = re.compile(r"[\s_\-]+")
_ITEM_SPLIT = re.compile(r"\s*(?:\||\r\n|\r|\n)\s*")
_BULLET = re.compile(r"^(?:[-*•·–]\s+|[•·])")
_BULLET_CHARS = frozenset("-*•·–")
_LOCALE_CODE = re.compile(r"^([A-Za-z]{2})[-_][A-Za-z]{2}$")


def _normalise_header(header: str) -> str:
    return _HEADER_JUNK.sub(" ", header.strip().strip("*:").strip().lower()).strip()


@dataclass
class Plan:
    """Which column (by index or key) feeds which field, and with which label."""

    columns: list[tuple[Any, str, str]]  # (index or key, field, label as in the file)
    ignored: list[str]
    has_name: bool
    cordis: bool


def plan_columns(headers: Sequence[Any], keys: Sequence[Any] | None = None) -> Plan:
    """Map headers to fields: first alias wins for one-value fields; lists merge."""
    keys = range(len(headers)) if keys is None else keys
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, position)
    matched: list[tuple[int, str, int]] = []  # (position, field, rank)
    ignored: list[str] = []
    normalised = []
    for pos, header in enumerate(headers):
        label = str(header).strip() if header is not None else ""
        norm = _normalise_header(label)
        normalised.append(norm)
        if not norm:
            continue
        hit = _ALIAS.get(norm)
        if hit is None:
            ignored.append(label)
            continue
        name, rank = hit
        matched.append((pos, name, rank))
        if name not in _MULTI_FIELDS and (name not in best or rank < best[name][0]):
            best[name] = (rank, pos)
    columns: list[tuple[Any, str, str]] = []
    for pos, name, _rank in matched:
        label = str(headers[pos]).strip()
        if name in _MULTI_FIELDS or best[name][1] == pos:
            columns.append((keys[pos], name, label))
        else:
            ignored.append(label)
    return Plan(
        columns=columns,
        ignored=ignored,
        has_name="name" in best,
        cordis=bool(_CORDIS_KEYS.intersection(normalised)),
    )


def split_items(text: str) -> list[str]:
    """Items of a list cell: ``|`` or line breaks between them, bullets dropped."""
    if "\n" in text or "\r" in text:
        parts = _ITEM_SPLIT.split(text)
    elif "|" in text:
        parts = text.split("|")
    else:
        parts = [text]
    items = []
    for part in parts:
        part = part.strip()
        if part and part[0] in _BULLET_CHARS:
            part = _BULLET.sub("", part).strip()
        if part:
            items.append(part)
    return items


def number_text(value: int | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value)


def country_code(value: str) -> str:
    code = value.strip()
    if len(code) == 2:
        return code
    return _COUNTRY_NAMES.get(code.lower(), code)


def language_code(value: str) -> str:
    code = value.strip()
    if len(code) == 2:
        return code
    locale = _LOCALE_CODE.match(code)
    if locale:
        return locale.group(1)
    return _LANGUAGE_NAMES.get(code.lower(), code)


@dataclass
class Record:
    data: dict[str, Any]
    labels: dict[str, str]
    rel_labels: list[str]


def prepare(items: Iterable[tuple[str, str, Any]]) -> Record:
    """Turn ``(field, label, value)`` triples into data for :class:`Profile`."""
    data: dict[str, Any] = {}
    labels: dict[str, str] = {}
    rels: list[Any] = []
    rel_labels: list[str] = []
    for name, label, raw in items:
        value = raw
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        if name in REL_FIELDS:
            status = "past" if name == "past_partners" else "current"
            entries = split_items(value) if isinstance(value, str) else value
            if not isinstance(entries, list):
                entries = [entries]
            for entry in entries:
                if isinstance(entry, str) or (
                    name != "relationships" and not isinstance(entry, dict)
                ):
                    rels.append({"partner": entry, "status": status})
                else:
                    rels.append(entry)
                rel_labels.append(label)
            continue
        if name in LIST_FIELDS:
            if isinstance(value, str):
                value = split_items(value)
            if name in data and isinstance(data[name], list) and isinstance(value, list):
                data[name] = data[name] + value
            else:
                data[name] = value
            labels.setdefault(name, label)
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = number_text(value)
        if isinstance(value, str):
            if name == "country":
                value = country_code(value)
            elif name == "language":
                value = language_code(value)
        data[name] = value
        labels[name] = label
    if rels:
        data["relationships"] = rels
    return Record(data, labels, rel_labels)


_KIND_CHOICES = ", ".join(k.value for k in Kind)
_SIZE_CHOICES = ", ".join(s.value for s in Size)
_PATTERN_MESSAGES = {
    "id": (
        f"not a valid id (letters, digits and . _ : -, starting with a letter or digit, "
        f"at most {MAX_ID} characters)"
    ),
    "country": "not a two-letter country code (such as NL)",
    "language": "not a two-letter language code (such as nl)",
}


def _message(name: str | None, err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"too long (max {ctx.get('max_length')} characters)"
    if kind == "too_long":
        return f"too many items ({ctx.get('actual_length')}; max {ctx.get('max_length')})"
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(name or "", "not in the expected format")
    if kind == "enum":
        choices = _KIND_CHOICES if name == "kind" else _SIZE_CHOICES if name == "size" else None
        got = err.get("input")
        return f"not one of {choices or ctx.get('expected')} (got {got!r})"
    if kind == "literal_error":
        return f"not one of {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "string_type":
        return "must be text"
    if kind == "list_type":
        return "must be a list (or a |-separated text)"
    if kind in ("model_type", "dict_type"):
        return "must be a partner id or name, or an object with partner and status"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(err.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg[:1].lower() + msg[1:]


def _row_errors(row: int, exc: ValidationError, rec: Record) -> list[RowError]:
    """One :class:`RowError` per failing field, with its messages joined."""
    grouped: dict[str | None, list[str]] = {}
    for err in exc.errors():
        loc = err["loc"]
        name = str(loc[0]) if loc else None
        msg = _message(name, err)
        label: str | None = name
        if name == "relationships":
            if len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(rec.rel_labels):
                label = rec.rel_labels[loc[1]]
                msg = f"partner {loc[1] + 1}: {msg}"
            elif rec.rel_labels:
                label = rec.rel_labels[0]
        elif name is not None:
            label = rec.labels.get(name, name)
            if len(loc) > 1 and isinstance(loc[1], int):
                msg = f"item {loc[1] + 1}: {msg}"
        messages = grouped.setdefault(label, [])
        if msg not in messages:
            messages.append(msg)
    return [RowError(row, label, "; ".join(msgs)) for label, msgs in grouped.items()]


class Collector:
    """Validates prepared rows into a :class:`ParseResult`, catching duplicate ids."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.seen: dict[str, int] = {}

    def add(self, row: int, rec: Record) -> None:
        self.result.rows += 1
        try:
            profile = Profile.model_validate(rec.data)
        except ValidationError as exc:
            self.result.errors.extend(_row_errors(row, exc, rec))
            return
        explicit = profile.id is not None
        pid = profile.id if profile.id is not None else slug_id(profile.name)
        first = self.seen.setdefault(pid, row)
        if first != row:
            if explicit:
                label = rec.labels.get("id", "id")
                msg = f"duplicate id {pid!r} (also on row {first})"
            else:
                label = rec.labels.get("name", "name")
                msg = f"same name as row {first}, and no id to tell them apart"
            self.result.errors.append(RowError(row, label, msg))
            return
        self.result.profiles.append((row, profile))

    def add_ignored(self, labels: Iterable[str]) -> None:
        for label in labels:
            if label not in self.result.ignored_columns:
                self.result.ignored_columns.append(label)
