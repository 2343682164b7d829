"""JSON, JSONL and the CORDIS benchmark folder."""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from matcher.importers.fields import Collector, Plan, Record, plan_columns, prepare
from matcher.importers.results import ImportFormatError, ParseResult, RowError
from matcher.profiles import (
    MAX_DESCRIPTION,
    MAX_ITEM,
    MAX_ITEMS,
    MAX_RELATIONSHIPS,
)


class _JsonRecords:
    """Turns JSON objects into records; maps CORDIS objects and adds past partners."""

    def __init__(self, path: Path, result: ParseResult, cordis: bool = False) -> None:
        self.path = path
        self.force_cordis = cordis
        self.result = result
        self.collector = Collector(result)
        self.plans: dict[tuple[str, ...], Plan] = {}
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
            plan = self.plans[keys] = plan_columns(list(keys), list(keys))
            self.collector.add_ignored(plan.ignored)
        rec = prepare((name, label, obj[key]) for key, name, label in plan.columns)
        if plan.cordis or self.force_cordis:
            self.result.format = "cordis"
            self._cordis(rec, self._past_partners())
        self.collector.add(row, rec)

    def _past_partners(self) -> dict[str, dict[str, None]]:
        if self.past is None:
            pairs_file = self.path.parent / "past_partners.csv"
            self.past = _read_pairs(pairs_file, self.result) if pairs_file.is_file() else {}
        return self.past

    def _cordis(self, rec: Record, past: dict[str, dict[str, None]]) -> None:
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


def parse_jsonl(path: Path, cordis: bool = False) -> ParseResult:
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


def parse_json(path: Path) -> ParseResult:
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


def parse_cordis_dir(path: Path) -> ParseResult:
    organisations = path / "organisations.jsonl"
    if not organisations.is_file():
        raise ImportFormatError(
            f"{path.name}: a folder, but not a CORDIS benchmark folder (no organisations.jsonl)"
        )
    try:
        result = parse_jsonl(organisations, cordis=True)
    except OSError as exc:
        raise ImportFormatError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    result.format = "cordis"
    return result
