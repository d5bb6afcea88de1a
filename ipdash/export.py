"""The one export module: CSV and XLSX files of any table, safe to open in a spreadsheet.

Spreadsheet formula injection (OWASP "CSV injection", ASVS 5.3.10): a text cell that a
spreadsheet would read as a formula is neutralised by prefixing a single quote. A cell
counts as dangerous when it starts with = + - @ | % tab, CR, LF or NUL, also after
leading spaces or quotes. Numbers stay numbers (numeric columns are never touched, nor a
text cell that is just a negative number). In XLSX, text is always written as a string
cell, never as a formula or link.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import polars as pl
import xlsxwriter

# The characters that make a spreadsheet treat a cell as a formula or command.
TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\n", "\0")
# Characters a payload may hide behind: the check looks past them.
_PADDING = " \"'"
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
SOURCE_CITATION = "Promotion Plans for the Implementation of the National IP Strategy, 2012–2022"


def neutralise(value: str) -> str:
    """The text as a spreadsheet can only show it: a leading quote is added when the
    text would start a formula ("=cmd", " +1+1", "'=x", "\\t=x"); plain numbers such as
    "-5" are left as they are."""
    if not value or _PLAIN_NUMBER.match(value):
        return value
    stripped = value.lstrip(_PADDING)
    if value[0] in TRIGGERS or (stripped and stripped[0] in TRIGGERS):
        return "'" + value
    return value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    return str(value)


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def safe_rows(frame: pl.DataFrame) -> tuple[list[str], list[list[object]]]:
    """Headers and rows with every text cell neutralised; numbers kept as numbers."""
    headers = [neutralise(str(c)) for c in frame.columns]
    numeric = [_is_numeric(dtype) for dtype in frame.dtypes]
    rows = []
    for row in frame.iter_rows():
        out: list[object] = []
        for value, is_number in zip(row, numeric, strict=True):
            if value is None:
                out.append(None)
            elif is_number and not isinstance(value, bool):
                out.append(value)
            else:
                out.append(neutralise(_text(value)))
        rows.append(out)
    return headers, rows


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese names and dashes right),
    every field quoted when needed, formula triggers neutralised."""
    headers, rows = safe_rows(frame)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx_bytes(
    frame: pl.DataFrame,
    about: Sequence[tuple[str, str]] = (),
    sheet_name: str = "data",
    column_notes: Mapping[str, str] | None = None,
) -> bytes:
    """An XLSX workbook: the table on the first sheet, and an "about" sheet with the
    filters, data version, export date and source (pairs of label and value). Text is
    always written as text: no formulas, no links, no numbers guessed from strings."""
    headers, rows = safe_rows(frame)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet(sheet_name[:31])
    numeric = [_is_numeric(dtype) for dtype in frame.dtypes]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if numeric[c] and isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value), wrap if len(str(value)) > 60 else None)
    for col, name in enumerate(frame.columns):
        longest = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200).to_list()])
        sheet.set_column(col, col, min(80, max(8, longest + 2)))
    sheet.freeze_panes(1, 0)
    if frame.width:
        sheet.autofilter(0, 0, max(1, len(rows)), frame.width - 1)

    info = workbook.add_worksheet("about")
    info.set_column(0, 0, 22)
    info.set_column(1, 1, 110)
    line = 0
    for label, value in about:
        info.write_string(line, 0, neutralise(label), bold)
        info.write_string(line, 1, neutralise(value), wrap)
        line += 1
    if column_notes:
        line += 1
        info.write_string(line, 0, "column", bold)
        info.write_string(line, 1, "meaning", bold)
        for name, note in column_notes.items():
            line += 1
            info.write_string(line, 0, neutralise(name))
            info.write_string(line, 1, neutralise(note), wrap)
    workbook.close()
    return buffer.getvalue()


def about_rows(
    what: str,
    filters: str,
    data_version: str,
    build_id: str,
    rows: int,
    exported_at: datetime | None = None,
) -> list[tuple[str, str]]:
    """The facts every export states about itself."""
    when = (exported_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return [
        ("contents", what),
        ("filters", filters),
        ("rows", str(rows)),
        ("data version", f"{data_version} (database build {build_id})"),
        ("exported", when),
        ("source", SOURCE_CITATION),
        ("made with", "ipdash (the tables and columns are described in docs/schema.md)"),
    ]


# What each exported column of the measures table means (the XLSX "about" sheet).
MEASURE_COLUMN_NOTES = {
    "plan_year": "the plan (2022 = the 2021–2022 plan)",
    "measure_no": "the measure's number in the plan",
    "measure_id": "plan year and number, e.g. 2020-021",
    "theme": "primary theme from the codebook (docs/themes.md)",
    "theme_confidence": "high / medium / low: the classifier's score margin",
    "section_path": "the plan's headings above the measure",
    "lead_agency": "the body that leads (empty when the bodies share the task jointly)",
    "agencies": "every body with its role (lead, participant, joint)",
    "generic_groups": "unnamed groups such as 'relevant departments' (not counted as agencies)",
    "text": "the measure's clean text",
    "attribution_raw": "the attribution exactly as in the source",
    "source_file": "the source document in data/raw/",
    "start_offset": "character offset of the measure in the source file",
    "end_offset": "character offset just after the measure",
}
