"""Tests for matcher.importers: every file is written into tmp_path by the test itself."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from matcher.importers import ImportFormatError, ParseResult, RowError, parse_file
from matcher.profiles import MAX_RELATIONSHIPS, MAX_TEXT, Profile

CORDIS = Path(__file__).resolve().parents[1] / "data" / "cordis"


def by_name(result: ParseResult) -> dict[str, tuple[int, Profile]]:
    return {p.name: (row, p) for row, p in result.profiles}


def errors_at(result: ParseResult, row: int) -> dict[str | None, str]:
    return {e.field: e.message for e in result.errors if e.row == row}


# --------------------------------------------------------------------------------------
# JSONL and JSON


def test_jsonl_good_and_bad_rows(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a-1", "name": "Alfa", "mission": "Schoon water voor iedereen"}),
        "",
        json.dumps({"name": "Bravo", "kind": "spaceship", "mission": "x" * (MAX_TEXT + 1)}),
        json.dumps({"name": "Charlie", "goals": "Eén|Twee | ", "country": "uk"}),
        "{not json",
        json.dumps(["a", "list"]),
        "   ",
        json.dumps({"naam": "Delta", "missie": "Samen sterk", "land": "Nederland"}),
        json.dumps({"mission": "No name here"}),
    ]
    path = tmp_path / "prospects.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = parse_file(path)

    assert result.format == "jsonl"
    assert [(row, p.name) for row, p in result.profiles] == [
        (1, "Alfa"),
        (4, "Charlie"),
        (8, "Delta"),
    ]
    assert result.rows == 7
    assert result.error_rows == [3, 5, 6, 9]
    bravo = errors_at(result, 3)
    assert bravo["kind"].startswith(
        "not one of company, charity, public, university, research, other"
    )
    assert "spaceship" in bravo["kind"]
    assert bravo["mission"] == f"too long (max {MAX_TEXT} characters)"
    assert errors_at(result, 5)[None].startswith("not valid JSON")
    assert errors_at(result, 6) == {None: "not a JSON object"}
    assert errors_at(result, 9) == {"name": "required"}

    charlie = by_name(result)["Charlie"][1]
    assert charlie.goals == ["Eén", "Twee"]
    assert charlie.country == "GB"
    delta = by_name(result)["Delta"][1]
    assert delta.mission == "Samen sterk"
    assert delta.country == "NL"


def test_jsonl_error_field_uses_the_files_spelling(tmp_path: Path) -> None:
    path = tmp_path / "p.ndjson"
    rows = [
        {"naam": "Echo", "missie": "y" * (MAX_TEXT + 5), "land": "Narnia"},
        {"name": "Foxtrot", "mission": "ok", "relationships": [{"partner": "x", "status": "soon"}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = parse_file(path)
    assert errors_at(result, 1) == {
        "missie": f"too long (max {MAX_TEXT} characters)",
        "land": "not a two-letter country code (such as NL)",
    }
    assert errors_at(result, 2) == {"relationships": "partner 1: not one of current or past"}


def test_jsonl_unknown_keys_are_reported_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    rows = [
        {"name": "A", "mission": "m", "email": "a@example.org"},
        {"name": "B", "mission": "m", "email": "b@example.org", "phone": 1},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = parse_file(path)
    assert len(result.profiles) == 2
    assert result.errors == []
    assert result.ignored_columns == ["email", "phone"]


def test_json_list_rows_are_line_numbers(tmp_path: Path) -> None:
    data = [
        {"id": 17, "name": "Golf", "description": "Golfbanen"},
        {"name": "Hotel"},
        "nonsense",
    ]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    result = parse_file(path)
    assert result.format == "json"
    assert [(row, p.name, p.id) for row, p in result.profiles] == [(2, "Golf", "17")]
    assert result.errors[0].row == 7  # the object for Hotel opens on line 7
    assert result.errors[0].field is None
    assert "no text" in result.errors[0].message
    assert result.errors[1] == RowError(10, None, "not a JSON object")


def test_json_single_object_and_invalid_document(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text('\n{"name": "India", "seeks": ["funding", "volunteers"]}\n', encoding="utf-8")
    result = parse_file(one)
    assert [(row, p.seeks) for row, p in result.profiles] == [(2, ["funding", "volunteers"])]

    broken = tmp_path / "broken.json"
    broken.write_text('[{"name": "x", "mission": "m"},\n {"name": }]', encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"broken\.json: not valid JSON \(line 2"):
        parse_file(broken)


def test_name_only_profile_says_there_is_no_text(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"name": "Juliet"}) + "\n", encoding="utf-8")
    result = parse_file(path)
    assert result.profiles == []
    [error] = result.errors
    assert (error.row, error.field) == (1, None)
    assert "no text" in error.message
    assert str(error).startswith("row 1: profile has no text")


def test_duplicate_ids_and_names(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    rows = [
        {"id": "k1", "name": "Kilo", "mission": "m"},
        {"id": "k1", "name": "Kilo 2", "mission": "m"},
        {"name": "Lima", "mission": "m"},
        {"naam": "Lima", "mission": "m"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = parse_file(path)
    assert [row for row, _ in result.profiles] == [1, 3]
    assert errors_at(result, 2) == {"id": "duplicate id 'k1' (also on row 1)"}
    assert errors_at(result, 4) == {"naam": "same name as row 3, and no id to tell them apart"}


# --------------------------------------------------------------------------------------
# CSV


def write_csv(
    path: Path, rows: list[list[str]], *, delimiter: str, encoding: str, bom: bool = False
) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        if bom:
            fh.write("\ufeff")
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


def test_dutch_excel_csv_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "relaties.csv"
    rows = [
        ["Naam", "Soort", "Land", "Vestigingsplaats", "Missie", "Doelen", "Wij bieden",
         "Rode lijnen", "Partners", "Eerdere partners", "Omvang", "Taal"],
        ["Stichting Café Ëxtra", "stichting", "Nederland", "Zwolle",
         "Een logé voor iedereen; ook voor ouderen", "Eenzaamheid bestrijden|Ontmoeting",
         "Ruimte | Koffie", "Geen tabak", "Gemeente Zwolle", "Oude Ëik|Café X", "klein", "NL"],
        ["Bedrijf Noël", "bedrijf", "BE", "Gent", "Logistiek met één doel", "", "", "", "",
         "", "groot", "Nederlands"],
    ]  # fmt: skip
    write_csv(path, rows, delimiter=";", encoding="cp1252")
    raw = path.read_bytes()
    assert b"\xe9" in raw and b"\xcb" in raw  # é and Ë, really cp1252

    result = parse_file(path)

    assert result.format == "csv"
    assert result.errors == []
    assert result.ignored_columns == []
    cafe_row, cafe = by_name(result)["Stichting Café Ëxtra"]
    assert cafe_row == 2
    assert cafe.kind == "charity"
    assert cafe.country == "NL"
    assert cafe.city == "Zwolle"
    assert cafe.mission == "Een logé voor iedereen; ook voor ouderen"
    assert cafe.goals == ["Eenzaamheid bestrijden", "Ontmoeting"]
    assert cafe.offers == ["Ruimte", "Koffie"]
    assert cafe.red_lines == ["Geen tabak"]
    assert cafe.size == "small"
    assert [(r.partner, r.status) for r in cafe.relationships] == [
        ("Gemeente Zwolle", "current"),
        ("Oude Ëik", "past"),
        ("Café X", "past"),
    ]
    noel_row, noel = by_name(result)["Bedrijf Noël"]
    assert noel_row == 3
    assert noel.kind == "company"
    assert noel.size == "large"
    assert noel.language == "nl"
    assert noel.goals == []
    assert noel.mission == "Logistiek met één doel"


def test_dutch_csv_errors_use_dutch_headers(tmp_path: Path) -> None:
    path = tmp_path / "fouten.csv"
    rows = [
        ["Organisatie", "Type", "Missie", "Land"],
        ["Goed", "overheid", "Publieke dienst", "NL"],
        ["Fout", "ruimteschip", "x" * (MAX_TEXT + 1), "Atlantis"],
        ["", "bedrijf", "Geen naam", ""],
    ]
    write_csv(path, rows, delimiter=";", encoding="cp1252")
    result = parse_file(path)
    assert [(row, p.name, p.kind) for row, p in result.profiles] == [(2, "Goed", "public")]
    assert errors_at(result, 3) == {
        "Type": (
            "not one of company, charity, public, university, research, other (got 'ruimteschip')"
        ),
        "Missie": f"too long (max {MAX_TEXT} characters)",
        "Land": "not a two-letter country code (such as NL)",
    }
    assert errors_at(result, 4) == {"Organisatie": "required"}


def test_utf8_bom_csv_with_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    rows = [
        ["ID", "Name", "Kind", "Country", "Target-Groups", "RED_LINES", "Past Partners", "Tags"],
        ["org-1", "Zoë's Workshop", "company", "uk", "Makers|Students", "Weapons", "x|y", "wood"],
    ]
    write_csv(path, rows, delimiter=";", encoding="utf-8", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = parse_file(path)
    assert result.errors == []
    [(row, profile)] = result.profiles
    assert row == 2
    assert profile.id == "org-1"  # no BOM glued to the first header
    assert profile.name == "Zoë's Workshop"
    assert profile.country == "GB"
    assert profile.target_groups == ["Makers", "Students"]
    assert profile.red_lines == ["Weapons"]
    assert profile.tags == ["wood"]
    assert [(r.partner, r.status) for r in profile.relationships] == [
        ("x", "past"),
        ("y", "past"),
    ]


def test_comma_csv_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "comma.csv"
    rows = [
        ["name", "e-mail", "mission", "Telefoon", "offers", "Mission"],
        ["Acme, Inc.", "info@acme.test", "Make things", "010-1234567", "Tools|Advice", "dup"],
        ["", "", "", "", "", ""],
        ["Beta", "", "", "", "Coaching", ""],
    ]
    write_csv(path, rows, delimiter=",", encoding="utf-8")
    result = parse_file(path)
    assert result.errors == []
    assert result.ignored_columns == ["e-mail", "Telefoon", "Mission"]  # the 2nd mission too
    assert [(row, p.name) for row, p in result.profiles] == [(2, "Acme, Inc."), (4, "Beta")]
    assert result.profiles[0][1].mission == "Make things"
    assert result.profiles[1][1].offers == ["Coaching"]
    assert result.rows == 2  # the empty row is skipped silently


def test_quoted_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    mission = 'Regel één;\nregel twee, met "quotes"'
    rows = [
        ["naam", "missie", "doelen", "land"],
        ["Multi", mission, "- Eerste doel\r\n- Tweede doel | Derde doel", "NL"],
        ["Na de multi", "Gewoon", "", "XX1"],
    ]
    write_csv(path, rows, delimiter=";", encoding="utf-8")
    assert path.read_bytes().count(b"\n") == 5  # 3 records on 5 lines

    result = parse_file(path)

    [(row, multi)] = result.profiles
    assert row == 2
    assert multi.mission == mission
    assert multi.goals == ["Eerste doel", "Tweede doel", "Derde doel"]
    # The next record is spreadsheet row 3 (what Excel shows), not text line 5.
    assert errors_at(result, 3) == {"land": "not a two-letter country code (such as NL)"}


def test_tab_separated_utf16_text_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    rows = [["Naam", "Beschrijving"], ["Één tab", "Met\ttab? nee, met één ë"]]
    write_csv(path, rows, delimiter="\t", encoding="utf-16")
    result = parse_file(path)
    assert result.errors == []
    assert [(p.name, p.description) for _, p in result.profiles] == [
        ("Één tab", "Met\ttab? nee, met één ë")
    ]


def test_sep_line_and_extra_cells(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text(
        "sep=,\nnaam,missie\nA,Eerste missie\nB,tekst, met een komma zonder quotes\n",
        encoding="utf-8",
    )
    result = parse_file(path)
    assert [(row, p.name) for row, p in result.profiles] == [(2, "A")]
    [error] = result.errors
    assert (error.row, error.field) == (3, None)
    assert "3 cells but the header has 2" in error.message


def test_missing_name_column(tmp_path: Path) -> None:
    path = tmp_path / "noname.csv"
    path.write_text("Missie;Doelen;Email\nIets;Meer;a@b.nl\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        parse_file(path)
    message = str(info.value)
    assert message.startswith("noname.csv: no name column")
    assert "'Missie', 'Doelen', 'Email'" in message
    assert "\n" not in message


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="empty"):
        parse_file(path)


# --------------------------------------------------------------------------------------
# XLSX


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "profielen.xlsx"
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Toelichting"
    notes.append(["Dit blad is uitleg, geen data"])
    sheet = workbook.create_sheet("Profielen")
    sheet.append(["ID", "Naam", "Soort", "Missie", "Doelgroepen", "Opgericht", "Notitie", None])
    sheet.append([101, "Stichting Één", "goed doel", "Helpen", "Jongeren|Ouders",
                  dt.datetime(1999, 5, 1), "intern", None])  # fmt: skip
    sheet.append([None] * 8)
    sheet.append([2.0, "Lab Ë", "onderzoek", 42.5, None, None, None, "los"])
    sheet.append([3, "Zonder tekst"])
    workbook.save(path)

    result = parse_file(path)

    assert result.format == "xlsx"
    assert [(row, p.id, p.name, p.kind) for row, p in result.profiles] == [
        (2, "101", "Stichting Één", "charity"),
        (4, "2", "Lab Ë", "research"),
    ]
    assert result.profiles[0][1].target_groups == ["Jongeren", "Ouders"]
    assert result.profiles[1][1].mission == "42.5"
    assert [(e.row, e.field) for e in result.errors] == [(5, None)]
    assert result.ignored_columns == ["Opgericht", "Notitie", "column H (no header)"]


def test_xlsx_first_sheet_and_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Description", "Founded"])
    sheet.append(["Plain", "A plain sheet", dt.date(2020, 1, 31)])
    workbook.save(path)
    result = parse_file(path)
    assert [(row, p.description) for row, p in result.profiles] == [(2, "A plain sheet")]

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(ImportFormatError, match=r"broken\.xlsx: not a readable \.xlsx file"):
        parse_file(broken)


# --------------------------------------------------------------------------------------
# Whole-file problems


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("prospects.pdf", "prospects.pdf: unsupported file type .pdf (use .jsonl, .json, .csv"),
        ("README", "README: unsupported file type without a suffix"),
        ("old.xls", "old.xls: the old Excel format .xls is not supported"),
    ],
)
def test_unsupported_suffix(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ImportFormatError) as info:
        parse_file(path)
    assert str(info.value).startswith(expected)
    assert isinstance(info.value, ValueError)


def test_missing_file_and_plain_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"nope\.csv: file not found"):
        parse_file(tmp_path / "nope.csv")
    with pytest.raises(ImportFormatError, match="not a CORDIS benchmark folder"):
        parse_file(tmp_path)


# --------------------------------------------------------------------------------------
# CORDIS


def write_cordis(folder: Path, orgs: list[dict[str, object]], pairs: list[tuple[str, str]]) -> None:
    folder.mkdir()
    (folder / "organisations.jsonl").write_text(
        "".join(json.dumps(o) + "\n" for o in orgs), encoding="utf-8"
    )
    (folder / "past_partners.csv").write_text(
        "a,b\n" + "".join(f"{a},{b}\n" for a, b in pairs), encoding="utf-8"
    )
    # The H2020 outcomes: labels for evaluation, never imported.
    (folder / "partners.csv").write_text("a,b,new\n100,300,1\n", encoding="utf-8")


def cordis_org(oid: str, name: str, country: str, **extra: object) -> dict[str, object]:
    org: dict[str, object] = {
        "id": oid,
        "name": name,
        "kind": "research",
        "country": country,
        "city": "Somewhere",
        "website": None,
        "description": f"{name} studies things.",
        "activities": [f"Project of {name}", f"Project of {name}"],
        "topics": ["FP7-ICT-2011-7"],
    }
    org.update(extra)
    return org


def test_tiny_cordis_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cordis"
    orgs = [
        cordis_org("100", "Uni A", "UK"),
        cordis_org("200", "Lab B", "EL", kind="company"),
        cordis_org("300", "Firm C", "DE", description="", activities=[""]),
        cordis_org("400", "Alone D", "NL"),
    ]
    write_cordis(folder, orgs, [("100", "200"), ("300", "100"), ("200", "100")])

    result = parse_file(folder)

    assert result.format == "cordis"
    assert result.errors == []
    assert [row for row, _ in result.profiles] == [1, 2, 3, 4]
    profiles = {p.id: p for _, p in result.profiles}
    a, b, c, d = profiles["100"], profiles["200"], profiles["300"], profiles["400"]
    assert a.country == "GB"
    assert b.country == "GR"
    assert b.kind == "company"
    assert a.description == "Uni A studies things."
    assert a.interests == ["Project of Uni A"]  # activities, duplicates dropped
    assert a.tags == ["FP7-ICT-2011-7"]  # topics
    assert [(r.partner, r.status) for r in a.relationships] == [("200", "past"), ("300", "past")]
    assert [(r.partner, r.status) for r in b.relationships] == [("100", "past")]
    assert [(r.partner, r.status) for r in c.relationships] == [("100", "past")]
    assert d.relationships == []
    # No text but topics: the organisation is kept, its topics become its interests.
    assert c.description is None
    assert c.interests == ["FP7-ICT-2011-7"]
    assert result.past_pairs == [("100", "200"), ("300", "100")]
    assert any("topics became interests" in w for w in result.warnings)
    assert result.ignored_columns == []


def test_cordis_jsonl_directly(tmp_path: Path) -> None:
    folder = tmp_path / "cordis"
    write_cordis(folder, [cordis_org("1", "One", "FR"), cordis_org("2", "Two", "UK")], [("1", "2")])
    result = parse_file(folder / "organisations.jsonl")
    assert result.format == "cordis"
    profiles = {p.id: p for _, p in result.profiles}
    assert [r.partner for r in profiles["1"].relationships] == ["2"]
    assert [r.partner for r in profiles["2"].relationships] == ["1"]

    # Without a past_partners.csv beside it: the same mapping, no relationships.
    lone = tmp_path / "lone.jsonl"
    lone.write_text(json.dumps(cordis_org("1", "One", "UK")) + "\n", encoding="utf-8")
    [(_, one)] = parse_file(lone).profiles
    assert (one.country, one.interests, one.relationships) == ("GB", ["Project of One"], [])


def test_cordis_relationships_are_capped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "cordis"
    many = MAX_RELATIONSHIPS + 20
    orgs = [cordis_org("hub", "Hub", "NL")]
    write_cordis(folder, orgs, [("hub", f"p{i}") for i in range(many)])
    result = parse_file(folder)
    [(_, hub)] = result.profiles
    assert len(hub.relationships) == MAX_RELATIONSHIPS
    assert len(result.past_pairs) == many
    assert any(f"more than {MAX_RELATIONSHIPS} past partners" in w for w in result.warnings)


@pytest.mark.skipif(not CORDIS.is_dir(), reason="no CORDIS sample data")
def test_cordis_benchmark_folder() -> None:
    result = parse_file(CORDIS)
    assert result.format == "cordis"
    assert result.errors == []
    assert len(result.profiles) == 2832
    profiles = [p for _, p in result.profiles]
    assert len({p.id for p in profiles}) == 2832
    assert sum(1 for p in profiles if p.relationships) > 2000
    assert all(r.status == "past" for p in profiles for r in p.relationships)
    assert not any(p.country == "UK" for p in profiles)
    assert sum(1 for p in profiles if p.country == "GB") > 100
    assert len(result.past_pairs) == 31956
    assert all(p.interests for p in profiles)
