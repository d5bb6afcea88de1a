"""What analysts download: the measures with readable headers, full names next to
acronyms, the plan's label and title and the ids and offsets that trace a row; every
CSV in a zip with its data dictionary and a README; every workbook with a dictionary
sheet. (Formula safety: tests/test_export.py.)"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import polars as pl

from ipdash.present import export
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter
from tests.conftest import run_cli

HEADERS = [
    "Measure ID",
    "Plan",
    "Plan year",
    "Measure no.",
    "Plan title",
    "Section",
    "Theme",
    "Theme confidence",
    "Lead body",
    "Lead body, full name",
    "Bodies (role)",
    "Bodies, full names (role)",
    "Unnamed groups",
    "Text",
    "Attribution as in the source",
    "Source document ID",
    "Source language",
    "Start offset",
    "End offset",
]


def _csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_measures_download_with_readable_headers_names_and_plan_labels(con):
    rows = queries.measure_export(con, MeasureFilter(query="2012-077"))
    assert rows.columns == queries.MEASURE_EXPORT_COLUMNS == [c.name for c in export.MEASURE_EXPORT]
    assert (
        len(queries.MEASURE_EXPORT_COLUMNS) == 19
    )  # what the Measures page says the downloads hold
    readable = export.readable_measures(rows)
    assert readable.columns == HEADERS
    assert readable.row(0, named=True) == {
        "Measure ID": "2012-077",
        "Plan": "2012",
        "Plan year": 2012,
        "Measure no.": 77,
        "Plan title": "Promotion Plan on the Implementation of National IP Strategy 2012",
        "Section": "VII. Vigorously fostering the IP service sector",
        "Theme": "Judicial protection",
        "Theme confidence": "high",
        "Lead body": "MOJ",
        "Lead body, full name": "Ministry of Justice",
        "Bodies (role)": "MOJ (lead); SPC (participant)",
        "Bodies, full names (role)": (
            "Ministry of Justice (MOJ), lead; Supreme People's Court (SPC), participant"
        ),
        "Unnamed groups": None,
        "Text": (
            "Promote the unified registration and management of IPR judicial appraisals "
            "nationwide, organize training on IPR judicial appraisal, and guide the IPR "
            "judicial appraisal agencies to be more professional and capable."
        ),
        "Attribution as in the source": "(Ministry of Justice and Supreme People's Court)",
        "Source document ID": "2012-pdf",
        "Source language": "en (official translation)",
        "Start offset": 29524,
        "End offset": 29792,
    }


def test_the_2021_2022_plan_is_labelled_by_its_period_and_successors_by_full_name(con):
    f = MeasureFilter(query="2012-047", successor=True)
    row = export.readable_measures(queries.measure_export(con, f)).row(0, named=True)
    assert row["Bodies, full names (role)"] == (
        "State Administration for Market Regulation (SAMR), lead; Ministry of Agriculture "
        "and Rural Affairs (MARA), participant; Ministry of Commerce (MOFCOM), participant"
    )
    plans = export.readable_measures(queries.measure_export(con, MeasureFilter(years=(2022,))))
    assert set(plans["Plan"]) == {"2021–2022"}
    assert plans.height == 115


def test_the_export_holds_the_same_measures_as_the_table(con):
    for f in (
        MeasureFilter(),
        MeasureFilter(agencies=("cnipa",), role="not_lead", successor=True),
        MeasureFilter(query="patent", themes=("judicial", "enforcement")),
    ):
        shown = queries.filtered_measures(con, f)
        exported = queries.measure_export(con, f)
        assert exported["measure_id"].to_list() == shown["measure_id"].to_list()
        assert exported.select("agencies", "text", "start_offset").equals(
            shown.select("agencies", "text", "start_offset")
        )


def test_a_csv_download_is_a_zip_of_the_table_its_dictionary_and_a_readme(con, built_db, tmp_path):
    out = tmp_path / "m.zip"
    result = run_cli(
        "export", "--db", str(built_db), "--year", "2012", "--theme", "judicial",
        "--format", "csv", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    info = queries.build_info(con).row(0, named=True)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [
            "ipdash-measures-2012-judicial.csv",
            "ipdash-measures-2012-judicial-dictionary.csv",
            "README.txt",
        ]
        table = _csv(archive.read("ipdash-measures-2012-judicial.csv"))
        dictionary = _csv(archive.read("ipdash-measures-2012-judicial-dictionary.csv"))
        readme = archive.read("README.txt").decode("utf-8")
        dated = {i.date_time for i in archive.infolist()}
    assert table[0] == HEADERS
    assert [r[0] for r in table[1:]] == ["2012-029", "2012-030", "2012-041", "2012-042", "2012-077"]
    assert dictionary[0] == ["column", "meaning", "from the database"]
    assert [r[0] for r in dictionary[1:]] == HEADERS
    assert dictionary[12] == [
        "Bodies, full names (role)",
        "the same bodies with their official names: 'Ministry of Education (MOE), participant'",
        "agencies.name, measure_agency_links.role",
    ]
    built: datetime = info["built_at"]
    assert dated == {built.replace(second=built.second - built.second % 2).timetuple()[:6]}
    assert readme.split("\r\n") == [
        "Measures of China's national IP-strategy promotion plans",
        "========================================================",
        "",
        "filters:      2012 · themes: Judicial protection · agencies as named at the time",
        "rows:         5",
        f"data version: {info['data_version']} (database build {info['build_id']})",
        f"data built:   {built:%Y-%m-%d %H:%M} UTC",
        "source:       Promotion Plans for the Implementation of the National IP Strategy, "
        "2012–2022",
        "made with:    ipdash (the tables and columns are described in docs/schema.md)",
        "note:         text cells a spreadsheet could run as a formula (starting with = + - @ "
        "| % …) start with a ' in CSV and Excel files",
        "",
        "Files:",
        "  ipdash-measures-2012-judicial.csv             the table (UTF-8 with a byte-order "
        "mark, every text field quoted)",
        "  ipdash-measures-2012-judicial-dictionary.csv  what every column of the table means, "
        "and its database column",
        "  README.txt                                    this file",
        "",
    ]
    again = tmp_path / "again.zip"
    run_cli(
        "export", "--db", str(built_db), "--year", "2012", "--theme", "judicial",
        "--format", "csv", "--out", str(again),
    )  # fmt: skip
    assert again.read_bytes() == out.read_bytes()  # the same filters and data: the same file


def test_the_cli_refuses_a_csv_file_name_for_the_zip(built_db, tmp_path):
    result = run_cli(
        "export", "--db", str(built_db), "--format", "csv", "--out", str(tmp_path / "x.csv")
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --format csv writes a .zip file (the CSV, its data dictionary and a README): "
        "give --out a name ending in .zip"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_workbook_has_about_and_dictionary_sheets(built_db, tmp_path):
    out = tmp_path / "m.xlsx"
    result = run_cli(
        "export", "--db", str(built_db), "--agency", "CNIPA", "--year", "2022",
        "--format", "xlsx", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["data", "about", "dictionary"]
    assert [c.value for c in book["data"][1]] == HEADERS
    assert book["data"].max_row == 70
    about = {r[0].value: r[1].value for r in book["about"].iter_rows()}
    assert about["filters"] == "2021–2022 · agencies: CNIPA · agencies as named at the time"
    dictionary = [[c.value for c in row] for row in book["dictionary"].iter_rows()]
    assert dictionary[0] == ["column", "meaning", "from the database"]
    assert dictionary[2] == [
        "Plan",
        "the plan's period as it states it (2021–2022)",
        "plans.period_label",
    ]
    assert len(dictionary) == len(HEADERS) + 1


def test_other_tables_get_a_dictionary_from_the_glossary():
    frame = pl.DataFrame({"short_name": ["CNIPA"], "betweenness": [0.5], "mystery": [1]})
    assert export.dictionary(frame.columns).rows() == [
        ("short_name", "the body's acronym", ""),
        (
            "betweenness",
            "how often it lies on the shortest paths between other bodies, 0–1 (networkx, "
            "normalised; strong ties are short)",
            "",
        ),
        ("mystery", "(not described)", ""),
    ]


def test_a_zip_is_the_same_bytes_for_the_same_files_and_date():
    files = [("a.csv", b"x"), ("b.txt", b"y")]
    when = datetime(2026, 5, 12, 9, 30, 59)
    first = export.to_zip_bytes(files, when)
    assert first == export.to_zip_bytes(files, when)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert [(i.filename, i.date_time) for i in archive.infolist()] == [
            ("a.csv", (2026, 5, 12, 9, 30, 58)),
            ("b.txt", (2026, 5, 12, 9, 30, 58)),
        ]


def test_the_export_glossary_keeps_its_sources():
    assert export.dictionary(["Measure ID"]).row(0) == (
        "Measure ID",
        "plan year and number, e.g. 2020-021: the measure's key in every table of the full "
        "data download",
        "measures.measure_id",
    )
