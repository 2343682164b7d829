"""Uploaded files (prospect lists, profile imports), read with the CLI's importers."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import request
from werkzeug.utils import secure_filename

from api.errors import BadRequest, ValidationFailed
from matcher.importers import ImportFormatError, ParseResult, RowError, parse_file

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")


def parse_upload(field: str = "file") -> tuple[ParseResult, str]:
    """The multipart file ``field`` parsed into profiles, and its (safe) name."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise BadRequest(f"upload the file as the multipart field {field!r}", field=field)
    name = secure_filename(upload.filename) or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed(f"{name}: use a CSV, XLSX, JSON or JSONL file", field=field)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        try:
            parsed = parse_file(path)
        except ImportFormatError as error:
            raise ValidationFailed(str(error).replace(path.name, name), field=field) from None
    return parsed, name


def rows_report(errors: list[RowError]) -> list[dict[str, object]]:
    return [{"row": e.row, "field": e.field, "message": e.message} for e in errors]


def refuse_bad_rows(parsed: ParseResult, name: str, what: str, field: str = "file") -> None:
    """422 naming the bad rows and fields (the first five) when the file has any."""
    if parsed.errors:
        rows = sorted({e.row for e in parsed.errors})
        listed = "; ".join(str(e) for e in parsed.errors[:5])
        raise ValidationFailed(
            f"{name}: {len(rows)} bad row(s), nothing was {what}: {listed}", field=field
        )
