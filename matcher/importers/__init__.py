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

from collections.abc import Callable
from pathlib import Path

from matcher.importers.fields import COLUMN_ALIASES
from matcher.importers.json_files import parse_cordis_dir, parse_json, parse_jsonl
from matcher.importers.results import ImportFormatError, ParseResult, RowError
from matcher.importers.tables import parse_csv, parse_xlsx

__all__ = [
    "COLUMN_ALIASES",
    "SUPPORTED_SUFFIXES",
    "ImportFormatError",
    "ParseResult",
    "RowError",
    "parse_file",
]


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
        return parse_cordis_dir(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        parser: Callable[[Path], ParseResult] = parse_jsonl
    elif suffix == ".json":
        parser = parse_json
    elif suffix in (".csv", ".tsv", ".txt"):
        parser = parse_csv
    elif suffix in (".xlsx", ".xlsm"):
        parser = parse_xlsx
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
