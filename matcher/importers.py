"""Read organisation profiles from files.

Formats, chosen by suffix:

* ``.jsonl`` / ``.ndjson``: one JSON object a line (blank lines are ignored);
* ``.json``: a list of objects, or one object;
* ``.csv`` / ``.tsv`` / ``.txt``: a table with a header row, as written by (Dutch) Excel:
  ``;``, ``,`` or tab separated, UTF-8 (with or without BOM), UTF-16 or cp1252;
* ``.xlsx`` / ``.xlsm``: the first sheet, or the sheet called ``profiles``/``profielen``;
* a folder in the CORDIS benchmark format (``organisations.jsonl`` + ``past_partners.csv``).

Column headers (and JSON keys) may be English or Dutch; case, spaces, hyphens and
underscores do not matter. List facets are ``|``-separated cells (line breaks inside a cell
separate items too). Problems in single rows never raise: they are collected as
:class:`RowError` in :attr:`ParseResult.errors`, and the other rows still parse. Only a file
that cannot be read as a whole raises :class:`ImportFormatError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import json
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matcher.profiles import (
    LIST_FACETS,
    MAX_DESCRIPTION,
    MAX_ID,
    MAX_ITEM,
    MAX_ITEMS,
    MAX_RELATIONSHIPS,
    Kind,
    Profile,
    Size,
    slug_id,
)

__all__ = [
    "COLUMN_ALIASES",
    "SUPPORTED_SUFFIXES",
    "ImportFormatError",
    "ParseResult",
    "RowError",
    "parse_file",
]


class ImportFormatError(ValueError):
    """A file that cannot be imported at all (wrong type, unreadable, no name column...)."""


@dataclass(frozen=True)
class RowError:
    """One problem with one row of a file.

    Attributes
    ----------
    row
        The row as a person finds it: the spreadsheet row for CSV and XLSX (the header is
        row 1, so the first data row is 2; a cell with line breaks does not add rows), the
        line number for JSONL, and the line where the object starts for JSON.
    field
        The field, spelled as in the file's header (``missie``) when it came from a column
        or key; None for a problem with the row as a whole.
    message
        A short human message: ``required``, ``too long (max 4000 characters)``, ...
    """

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ParseResult:
    """What :func:`parse_file` found in a file.

    Attributes
    ----------
    profiles
        ``(row, profile)`` for every valid row, in file order.
    errors
        One :class:`RowError` per failing field of every invalid row.
    format
        ``jsonl``, ``json``, ``csv``, ``xlsx`` or ``cordis``.
    ignored_columns
        Columns (or JSON keys) that mean nothing to Klik, and duplicate columns for a field
        that only takes one value, in the file's spelling: the caller should warn.
    warnings
        Other things the caller may want to tell the user (lossy clipping of CORDIS data).
    rows
        Number of non-empty data rows (or objects) read, valid or not.
    past_pairs
        CORDIS only: every past-partner pair ``(a, b)`` from ``past_partners.csv``, even
        where a profile could keep only :data:`~matcher.profiles.MAX_RELATIONSHIPS`.
    """

    profiles: list[tuple[int, Profile]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    format: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    past_pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def error_rows(self) -> list[int]:
        """The rows with at least one error, in order."""
        return sorted({e.row for e in self.errors})


SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".jsonl",
    ".ndjson",
    ".json",
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xlsm",
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
_LIST_FIELDS = frozenset((*LIST_FACETS, "tags"))
_REL_FIELDS = frozenset(("relationships", "partners", "past_partners"))
#: Fields that take several columns (their items are merged); other fields take one.
_MULTI_FIELDS = _LIST_FIELDS | _REL_FIELDS
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
_SEP_LINE = re.compile(r"^sep=(.)\s*$")


def parse_file(path: Path | str) -> ParseResult:
    """Read every profile in a file (or a CORDIS folder).

    Parameters
    ----------
    path
        A ``.jsonl``/``.ndjson``, ``.json``, ``.csv``/``.tsv``/``.txt`` or ``.xlsx`` file,
        or a folder holding the CORDIS benchmark (``organisations.jsonl``).

    Returns
    -------
    ParseResult
        The valid profiles with their row numbers, and one :class:`RowError` per failing
        field of every invalid row.

    Raises
    ------
    ImportFormatError
        When the file as a whole cannot be read: unknown type, missing or unreadable file,
        invalid JSON document, no header row or no name column.
    """
    path = Path(path)
    if path.is_dir():
        return _parse_cordis_dir(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        parser: Callable[[Path], ParseResult] = _parse_jsonl
    elif suffix == ".json":
        parser = _parse_json
    elif suffix in (".csv", ".tsv", ".txt"):
        parser = _parse_csv
    elif suffix in (".xlsx", ".xlsm"):
        parser = _parse_xlsx
    elif suffix == ".xls":
        raise ImportFormatError(
            f"{path.name}: the old Excel format .xls is not supported (save it as .xlsx or .csv)"
        )
    else:
        shown = suffix or "without a suffix"
        raise ImportFormatError(
            f"{path.name}: unsupported file type {shown} (use .jsonl, .json, .csv or .xlsx)"
        )
    if not path.exists():
        raise ImportFormatError(f"{path.name}: file not found")
    try:
        return parser(path)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{path.name}: not readable as {exc.encoding} text (byte {exc.start}: {exc.reason})"
        ) from exc
    except OSError as exc:
        raise ImportFormatError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc


# --------------------------------------------------------------------------------------
# From raw values to a validated profile


def _normalise_header(header: str) -> str:
    return _HEADER_JUNK.sub(" ", header.strip().strip("*:").strip().lower()).strip()


@dataclass
class _Plan:
    """Which column (by index or key) feeds which field, and with which label."""

    columns: list[tuple[Any, str, str]]  # (index or key, field, label as in the file)
    ignored: list[str]
    has_name: bool
    cordis: bool


def _plan(headers: Sequence[Any], keys: Sequence[Any] | None = None) -> _Plan:
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
    return _Plan(
        columns=columns,
        ignored=ignored,
        has_name="name" in best,
        cordis=bool(_CORDIS_KEYS.intersection(normalised)),
    )


def _split_items(text: str) -> list[str]:
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


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value)


def _country_code(value: str) -> str:
    code = value.strip()
    if len(code) == 2:
        return code
    return _COUNTRY_NAMES.get(code.lower(), code)


def _language_code(value: str) -> str:
    code = value.strip()
    if len(code) == 2:
        return code
    locale = _LOCALE_CODE.match(code)
    if locale:
        return locale.group(1)
    return _LANGUAGE_NAMES.get(code.lower(), code)


@dataclass
class _Record:
    data: dict[str, Any]
    labels: dict[str, str]
    rel_labels: list[str]


def _prepare(items: Iterable[tuple[str, str, Any]]) -> _Record:
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
        if name in _REL_FIELDS:
            status = "past" if name == "past_partners" else "current"
            entries = _split_items(value) if isinstance(value, str) else value
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
        if name in _LIST_FIELDS:
            if isinstance(value, str):
                value = _split_items(value)
            if name in data and isinstance(data[name], list) and isinstance(value, list):
                data[name] = data[name] + value
            else:
                data[name] = value
            labels.setdefault(name, label)
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = _number_text(value)
        if isinstance(value, str):
            if name == "country":
                value = _country_code(value)
            elif name == "language":
                value = _language_code(value)
        data[name] = value
        labels[name] = label
    if rels:
        data["relationships"] = rels
    return _Record(data, labels, rel_labels)


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


def _row_errors(row: int, exc: ValidationError, rec: _Record) -> list[RowError]:
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


class _Collector:
    """Validates prepared rows into a :class:`ParseResult`, catching duplicate ids."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.seen: dict[str, int] = {}

    def add(self, row: int, rec: _Record) -> None:
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


# --------------------------------------------------------------------------------------
# Tables: CSV and XLSX


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_SCALAR, _LIST, _REL, _COUNTRY, _LANGUAGE = range(5)


def _prepare_cells(
    cells: Sequence[str], columns: list[tuple[int, str, str, int]], labels: dict[str, str]
) -> _Record:
    """The fast path of :func:`_prepare` for a table row (all cells are text)."""
    data: dict[str, Any] = {}
    rels: list[dict[str, str]] = []
    rel_labels: list[str] = []
    n = len(cells)
    for idx, name, label, kind in columns:
        if idx >= n:
            continue
        value = cells[idx].strip()
        if not value:
            continue
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if kind == _LIST:
            items = _split_items(value)
            previous = data.get(name)
            data[name] = previous + items if previous else items
        elif kind == _REL:
            status = "past" if name == "past_partners" else "current"
            for partner in _split_items(value):
                rels.append({"partner": partner, "status": status})
                rel_labels.append(label)
        elif kind == _COUNTRY:
            data[name] = _country_code(value)
        elif kind == _LANGUAGE:
            data[name] = _language_code(value)
        else:
            data[name] = value
    if rels:
        data["relationships"] = rels
    return _Record(data, labels, rel_labels)


def _column_kind(name: str) -> int:
    if name in _LIST_FIELDS:
        return _LIST
    if name in _REL_FIELDS:
        return _REL
    return {"country": _COUNTRY, "language": _LANGUAGE}.get(name, _SCALAR)


def _parse_table(
    path: Path, rows: Iterator[tuple[int, Sequence[str]]], fmt: str, strict_width: bool
) -> ParseResult:
    """Shared by CSV and XLSX: ``rows`` yields ``(row number, cells as text)``."""
    result = ParseResult(format=fmt)
    collector = _Collector(result)
    header: list[str] | None = None
    for _number, cells in rows:
        if any(c.strip() for c in cells):
            header = [_clean_cell(c) for c in cells]
            break
    if header is None:
        raise ImportFormatError(f"{path.name}: empty file (no header row)")
    plan = _plan(header)
    if not plan.has_name:
        found = ", ".join(repr(h) for h in header if h) or "none"
        hint = ""
        if len(header) == 1 and fmt == "csv":
            hint = " (one column: is the separator ; , or tab?)"
        raise ImportFormatError(
            f"{path.name}: no name column (expected name, naam or organisatie; found {found}){hint}"
        )
    collector.add_ignored(plan.ignored)
    columns = [(int(idx), name, label, _column_kind(name)) for idx, name, label in plan.columns]
    labels: dict[str, str] = {}
    for _idx, name, label, _kind in columns:
        labels.setdefault(name, label)
    width = len(header)
    unnamed = [i for i, h in enumerate(header) if not h]
    for number, cells in rows:
        n = len(cells)
        if n > width and any(c.strip() for c in cells[width:]):
            if strict_width:
                result.rows += 1
                message = f"{n} cells but the header has {width}: a separator in unquoted text?"
                result.errors.append(RowError(number, None, message))
                continue
            unnamed.extend(i for i in range(len(header), n) if i not in unnamed)
            header.extend([""] * (n - len(header)))
        for i in unnamed:
            if i < n and cells[i].strip():
                collector.add_ignored([f"column {_column_letter(i)} (no header)"])
        rec = _prepare_cells(cells, columns, labels)
        if not rec.data and not any(c.strip() for c in cells):
            continue  # an empty row: skipped silently
        collector.add(number, rec)
    return result


def _detect_encoding(path: Path) -> str:
    """UTF-16 by BOM, else UTF-8 (BOM optional) if every byte decodes, else cp1252."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _sniff_delimiter(line: str, suffix: str) -> str:
    counts = dict.fromkeys(";,\t", 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    order = "\t;," if suffix == ".tsv" else ";,\t"
    best = max(order, key=lambda c: counts[c])  # max keeps the first of equals
    if counts[best] == 0:
        return "\t" if suffix == ".tsv" else ","
    return best


def _parse_csv(path: Path) -> ParseResult:
    encoding = _detect_encoding(path)
    errors = "replace" if encoding == "cp1252" else "strict"
    delimiter = ","
    skip_first = False
    with path.open(encoding=encoding, errors=errors, newline="") as fh:
        for line in fh:
            if line.strip():
                sep = _SEP_LINE.match(line.strip())
                if sep and not skip_first:
                    delimiter, skip_first = sep.group(1), True
                    break
                delimiter = _sniff_delimiter(line, path.suffix.lower())
                break

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=encoding, errors=errors, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            # Excel does not show a sep= line as a row: the header stays row 1.
            number = -1 if skip_first else 0
            try:
                for cells in reader:
                    number += 1
                    if number == 0:
                        continue
                    yield number, cells
            except csv.Error as exc:
                raise ImportFormatError(
                    f"{path.name}: line {reader.line_num}: {exc} (is a quote never closed?)"
                ) from exc

    return _parse_table(path, rows(), "csv", strict_width=True)


def _clean_cell(cell: str) -> str:
    cell = cell.strip()
    if "\r" in cell:
        cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    return cell


def _cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person would read in the cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _parse_xlsx(path: Path) -> ParseResult:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # Files from other tools make openpyxl warn about styles and extensions that
            # do not matter for reading values.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise ImportFormatError(f"{path.name}: not a readable .xlsx file ({exc})") from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise ImportFormatError(f"{path.name}: the workbook has no sheets")
        sheet = next(
            (s for s in sheets if s.title.strip().lower() in ("profiles", "profielen")),
            sheets[0],
        )
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # do not trust the stored size: read what is there

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                yield number, cells

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return _parse_table(path, rows(), "xlsx", strict_width=False)
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------
# JSON, JSONL and CORDIS


class _JsonRecords:
    """Turns JSON objects into records; maps CORDIS objects and adds past partners."""

    def __init__(self, path: Path, result: ParseResult, cordis: bool = False) -> None:
        self.path = path
        self.force_cordis = cordis
        self.result = result
        self.collector = _Collector(result)
        self.plans: dict[tuple[str, ...], _Plan] = {}
        self.past: dict[str, dict[str, None]] | None = None
        self.clipped: Counter[str] = Counter()

    def add(self, row: int, obj: Any) -> None:
        if not isinstance(obj, dict):
            self.result.rows += 1
            self.result.errors.append(RowError(row, None, "not a JSON object"))
            return
        keys = tuple(obj)
        plan = self.plans.get(keys)
        if plan is None:
            plan = self.plans[keys] = _plan(list(keys), list(keys))
            self.collector.add_ignored(plan.ignored)
        rec = _prepare((name, label, obj[key]) for key, name, label in plan.columns)
        if plan.cordis or self.force_cordis:
            self.result.format = "cordis"
            self._cordis(rec, self._past_partners())
        self.collector.add(row, rec)

    def _past_partners(self) -> dict[str, dict[str, None]]:
        if self.past is None:
            pairs_file = self.path.parent / "past_partners.csv"
            self.past = _read_pairs(pairs_file, self.result) if pairs_file.is_file() else {}
        return self.past

    def _cordis(self, rec: _Record, past: dict[str, dict[str, None]]) -> None:
        """Fit a CORDIS organisation into the schema's limits, noting what was cut."""
        data = rec.data
        for name in ("interests", "tags"):
            items = data.get(name)
            if isinstance(items, list):
                items = list(dict.fromkeys(i.strip() for i in items if isinstance(i, str)))
                items = [i for i in items if i]
                if any(len(i) > MAX_ITEM for i in items):
                    self.clipped["item"] += 1
                    items = [i[:MAX_ITEM] for i in items]
                if len(items) > MAX_ITEMS:
                    self.clipped[name] += 1
                    items = items[:MAX_ITEMS]
                data[name] = items
        description = data.get("description")
        if isinstance(description, str) and len(description) > MAX_DESCRIPTION:
            self.clipped["description"] += 1
            data["description"] = description[:MAX_DESCRIPTION]
        website = data.get("website")
        if isinstance(website, str) and len(website) > 200:
            self.clipped["website"] += 1
            del data["website"]
        if not data.get("description") and not data.get("interests"):
            # The schema wants text to match on; a CORDIS organisation must not be lost.
            if data.get("tags"):
                self.clipped["no text: topics"] += 1
                data["interests"] = list(data["tags"])
            elif isinstance(data.get("name"), str):
                self.clipped["no text: name"] += 1
                data["description"] = data["name"]
        oid = data.get("id")
        partners = past.get(oid, {}) if isinstance(oid, str) else {}
        if partners:
            rels = data.setdefault("relationships", [])
            known = {r.get("partner") for r in rels if isinstance(r, dict)}
            for partner in partners:
                if partner not in known:
                    rels.append({"partner": partner, "status": "past"})
                    rec.rel_labels.append("past_partners.csv")
        rels = data.get("relationships")
        if isinstance(rels, list) and len(rels) > MAX_RELATIONSHIPS:
            self.clipped["relationships"] += 1
            data["relationships"] = rels[:MAX_RELATIONSHIPS]
            del rec.rel_labels[MAX_RELATIONSHIPS:]

    def finish(self) -> None:
        notes = {
            "relationships": (
                f"had more than {MAX_RELATIONSHIPS} past partners; the first "
                f"{MAX_RELATIONSHIPS} were kept (all pairs are in past_pairs)"
            ),
            "interests": f"had more than {MAX_ITEMS} activities; the first {MAX_ITEMS} were kept",
            "tags": f"had more than {MAX_ITEMS} topics; the first {MAX_ITEMS} were kept",
            "item": f"had activity or topic texts over {MAX_ITEM} characters; they were cut",
            "description": f"had a description over {MAX_DESCRIPTION} characters; it was cut",
            "website": "had a website address over 200 characters; it was left out",
            "no text: topics": "had no description or activities; their topics became interests",
            "no text: name": "had no text at all; their name became their description",
        }
        for key, note in notes.items():
            if self.clipped[key]:
                count = self.clipped[key]
                noun = "organisation" if count == 1 else "organisations"
                self.result.warnings.append(f"{count} {noun} {note}")


def _read_pairs(path: Path, result: ParseResult) -> dict[str, dict[str, None]]:
    """Read ``a,b`` pairs; every organisation gets the other as a past partner."""
    partners: dict[str, dict[str, None]] = {}
    seen: set[tuple[str, str]] = set()
    skipped = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader: Iterator[list[str]] = csv.reader(fh)
        header = next(reader, None)
        lowered = [h.strip().lower() for h in header or []]
        if "a" in lowered and "b" in lowered:
            ia, ib = lowered.index("a"), lowered.index("b")
        else:
            ia, ib = 0, 1
            if header is not None:  # no header row: the first row is a pair
                reader = itertools.chain([header], reader)
        for cells in reader:
            if len(cells) <= max(ia, ib):
                skipped += bool(any(c.strip() for c in cells))
                continue
            a, b = cells[ia].strip(), cells[ib].strip()
            if not a or not b or a == b:
                skipped += 1
                continue
            key = (a, b) if a < b else (b, a)
            if key in seen:
                continue
            seen.add(key)
            result.past_pairs.append((a, b))
            partners.setdefault(a, {})[b] = None
            partners.setdefault(b, {})[a] = None
    if skipped:
        result.warnings.append(f"{path.name}: {skipped} rows without two different ids skipped")
    return partners


def _parse_jsonl(path: Path, cordis: bool = False) -> ParseResult:
    result = ParseResult(format="jsonl")
    records = _JsonRecords(path, result, cordis)
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                result.rows += 1
                result.errors.append(RowError(number, None, "not UTF-8 text"))
                continue
            except json.JSONDecodeError as exc:
                result.rows += 1
                result.errors.append(RowError(number, None, f"not valid JSON ({exc.msg})"))
                continue
            records.add(number, obj)
    records.finish()
    return result


_WS = re.compile(r"[ \t\r\n]*")


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _parse_json(path: Path) -> ParseResult:
    text = path.read_text(encoding="utf-8-sig")
    result = ParseResult(format="json")
    records = _JsonRecords(path, result)
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos == len(text):
        raise ImportFormatError(f"{path.name}: empty file")
    try:
        if text[pos] != "[":
            obj, end = decoder.raw_decode(text, pos)
            records.add(text.count("\n", 0, pos) + 1, obj)
            pos = end
        else:
            pos = _skip_ws(text, pos + 1)
            line, counted = 1, 0
            closed = text.startswith("]", pos)
            while not closed:
                obj, end = decoder.raw_decode(text, pos)
                line += text.count("\n", counted, pos)
                counted = pos
                records.add(line, obj)
                pos = _skip_ws(text, end)
                if text.startswith(",", pos):
                    pos = _skip_ws(text, pos + 1)
                elif text.startswith("]", pos):
                    closed = True
                else:
                    raise json.JSONDecodeError("expecting ',' or ']'", text, pos)
            pos += 1
        pos = _skip_ws(text, pos)
        if pos != len(text):
            raise json.JSONDecodeError("extra data after the end", text, pos)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    records.finish()
    return result


def _parse_cordis_dir(path: Path) -> ParseResult:
    organisations = path / "organisations.jsonl"
    if not organisations.is_file():
        raise ImportFormatError(
            f"{path.name}: a folder, but not a CORDIS benchmark folder (no organisations.jsonl)"
        )
    try:
        result = _parse_jsonl(organisations, cordis=True)
    except OSError as exc:
        raise ImportFormatError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    result.format = "cordis"
    return result
