"""Import a file of profiles: all or nothing, unless bad rows may be skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from matcher.importers import RowError, parse_file
from matcher.store import save_profiles


class ImportRejected(Exception):
    """The file has bad rows and the caller did not ask to skip them: nothing was imported."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} bad row(s); nothing was imported")


@dataclass
class ImportReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def import_file(session: Session, path: Path, *, skip_invalid: bool = False) -> ImportReport:
    """Parse ``path`` and save its profiles in the caller's transaction.

    Raises
    ------
    ImportRejected
        When any row is bad and ``skip_invalid`` is false, or no row is good.
    matcher.importers.ImportFormatError
        When the file itself cannot be read.
    """
    parsed = parse_file(path)  # also reports ids (or unnamed rows) that occur twice
    profiles = [profile for _, profile in parsed.profiles]
    errors = sorted(parsed.errors, key=lambda e: e.row)
    if errors and not skip_invalid:
        raise ImportRejected(path.name, errors)
    if not profiles:
        raise ImportRejected(path.name, errors or [RowError(0, None, "the file holds no profiles")])
    saved = save_profiles(session, profiles)
    return ImportReport(
        source=path.name,
        created=saved.created,
        updated=saved.updated,
        unchanged=saved.unchanged,
        skipped=errors,
        ignored_columns=list(getattr(parsed, "ignored_columns", [])),
    )
