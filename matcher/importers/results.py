"""What reading a profile file gives: the profiles, the row errors, the file-level error."""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.profiles import (
    Profile,
)


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
