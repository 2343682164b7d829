"""Tables: CSV (as written by Dutch or English Excel) and XLSX."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from matcher.importers.fields import (
    LIST_FIELDS,
    REL_FIELDS,
    Collector,
    Record,
    country_code,
    language_code,
    number_text,
    plan_columns,
    split_items,
)
from matcher.importers.results import ImportFormatError, ParseResult, RowError

_SEP_LINE = re.compile(r"^sep=(.)\s*$")


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
) -> Record:
    """The fast path of :func:`prepare` for a table row (all cells are text)."""
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
            items = split_items(value)
            previous = data.get(name)
            data[name] = previous + items if previous else items
        elif kind == _REL:
            status = "past" if name == "past_partners" else "current"
            for partner in split_items(value):
                rels.append({"partner": partner, "status": status})
                rel_labels.append(label)
        elif kind == _COUNTRY:
            data[name] = country_code(value)
        elif kind == _LANGUAGE:
            data[name] = language_code(value)
        else:
            data[name] = value
    if rels:
        data["relationships"] = rels
    return Record(data, labels, rel_labels)


def _column_kind(name: str) -> int:
    if name in LIST_FIELDS:
        return _LIST
    if name in REL_FIELDS:
        return _REL
    return {"country": _COUNTRY, "language": _LANGUAGE}.get(name, _SCALAR)


def _parse_table(
    path: Path, rows: Iterator[tuple[int, Sequence[str]]], fmt: str, strict_width: bool
) -> ParseResult:
    """Shared by CSV and XLSX: ``rows`` yields ``(row number, cells as text)``."""
    result = ParseResult(format=fmt)
    collector = Collector(result)
    header: list[str] | None = None
    for _number, cells in rows:
        if any(c.strip() for c in cells):
            header = [_clean_cell(c) for c in cells]
            break
    if header is None:
        raise ImportFormatError(f"{path.name}: empty file (no header row)")
    plan = plan_columns(header)
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


def parse_csv(path: Path) -> ParseResult:
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
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def parse_xlsx(path: Path) -> ParseResult:
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
