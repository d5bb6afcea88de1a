"""The one export module: CSV and XLSX files of any table, safe to open in a spreadsheet.
Every CSV or XLSX file the app or the command line writes is made here
(tests/test_export.py checks that no other code writes one).

Spreadsheet formula injection (OWASP "CSV injection", ASVS 5.3.10): a text cell or header
that a spreadsheet would read as a formula is neutralised by prefixing a single quote.
A cell counts as dangerous when it starts with = + - @ | % tab, CR, LF or NUL (| and %
as Apache Superset also treats them), also after leading spaces, quotes or invisible
characters, and also in full-width or other compatibility forms (＝1+1, ﹦1+1: a
spreadsheet does not run those today, but an import that normalises text would).
Numbers stay numbers: numeric columns are never touched, nor a text cell that is just a
negative number ("-5"). In CSV every text field is quoted, so a spreadsheet that splits
on another delimiter (";" in many locales) cannot cut a payload out of a field. In XLSX
text is always written as a string cell, never as a formula, link or number; dates are
dates.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import xlsxwriter

from ipdash.present.memo import Memo

# The characters that make a spreadsheet treat a cell as a formula or command.
TRIGGERS = frozenset("=+-@|%\t\r\n\0")
# Quotes a payload may hide behind (the check looks past them, as past spaces).
_QUOTES = frozenset("\"'")
# A text cell that is just a number: left as it is ("-5" is a number, not a formula).
_PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# Characters Excel does not allow in a sheet name.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel's limit on the length of a sheet name.
_SHEET_NAME_MAX = 31
# Dates and times in XLSX cells (ISO order, as in the CSV).
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SOURCE_CITATION = "Promotion Plans for the Implementation of the National IP Strategy, 2012–2022"
MADE_WITH = "ipdash (the tables and columns are described in docs/schema.md)"


def is_dangerous(value: str) -> bool:
    """True if a spreadsheet could read the text as a formula: its first character that
    is not a space, quote or invisible character is a trigger (compatibility forms such
    as full-width ＝ count as the character they stand for). Plain numbers are safe."""
    if not value or _PLAIN_NUMBER.fullmatch(value):
        return False
    for ch in value:
        if ch in TRIGGERS or unicodedata.normalize("NFKC", ch)[:1] in TRIGGERS:
            return True
        if not (
            ch.isspace()
            or ch in _QUOTES
            or unicodedata.normalize("NFKC", ch) in _QUOTES
            or unicodedata.category(ch) == "Cf"  # zero-width, bidi marks, BOM
        ):
            return False
    return False


def neutralise(value: str) -> str:
    """The text as a spreadsheet can only show it: a leading quote is added when the
    text would start a formula ("=cmd", " +1+1", "'=x", "\\t=x", "＝1+1"); plain numbers
    such as "-5" are left as they are."""
    return "'" + value if is_dangerous(value) else value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    return str(value)


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def _is_temporal(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Date | pl.Datetime)


def safe_rows(frame: pl.DataFrame) -> tuple[list[str], list[list[object]]]:
    """Headers and rows with every text cell neutralised; numbers kept as numbers and
    dates as dates."""
    headers = [neutralise(str(c)) for c in frame.columns]
    kept = [_is_numeric(dtype) or _is_temporal(dtype) for dtype in frame.dtypes]
    rows = []
    for row in frame.iter_rows():
        out: list[object] = []
        for value, keep in zip(row, kept, strict=True):
            if value is None:
                out.append(None)
            elif isinstance(value, float) and not math.isfinite(value):
                # No spreadsheet number: NaN is missing, infinity is written as text.
                out.append(None if math.isnan(value) else neutralise(str(value)))
            elif keep and not isinstance(value, bool | str):
                out.append(value)
            else:
                out.append(neutralise(_text(value)))
        rows.append(out)
    return headers, rows


def _csv_field(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return '"' + str(value).replace('"', '""') + '"'


# Files made recently, by what they hold: a page that offers its table as CSV and Excel
# makes both on every run, and a room of people opening the same page at once asks for
# the same files (an Excel file of 375 measures takes about 50 ms of CPU). Kept by
# count and size; a key is the SHA-256 of the frame's contents and every other input,
# so a file is only ever reused for exactly the same table and about-sheet (whose
# export time is to the minute).
FILE_CACHE_ENTRIES = 64
FILE_CACHE_BYTES = 32 * 1024 * 1024
_files: Memo[bytes] = Memo(FILE_CACHE_ENTRIES, len, FILE_CACHE_BYTES)


def _digest(frame: pl.DataFrame) -> str | None:
    buffer = io.BytesIO()
    try:
        frame.write_ipc(buffer)
    except Exception:  # a column Arrow cannot hold: made afresh every time
        return None
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _remembered(frame: pl.DataFrame, inputs: tuple, make: Callable[[], bytes]) -> bytes:
    digest = _digest(frame)
    if digest is None:
        return make()
    return _files.get((digest, *inputs), make)[0]


def to_csv_bytes(frame: pl.DataFrame, remember: bool = True) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese names and dashes right),
    every text field quoted, numbers bare, formula triggers neutralised. With `remember`
    False the file is not kept in the file cache (the tables of the full data download,
    kept whole in its own)."""
    if not remember:
        return _csv_bytes(frame)
    return _remembered(frame, ("csv",), lambda: _csv_bytes(frame))


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    headers, rows = safe_rows(frame)
    lines = [",".join(_csv_field(h) for h in headers)]
    lines += [",".join(_csv_field(v) for v in row) for row in rows]
    return ("\ufeff" + "".join(line + "\r\n" for line in lines)).encode("utf-8")


def _sheet_name(name: str) -> str:
    name = _SHEET_NAME_FORBIDDEN.sub("_", name).strip("'")[:_SHEET_NAME_MAX]
    return name if name.strip() and name.lower() not in ("about", "dictionary") else "data"


def to_xlsx_bytes(
    frame: pl.DataFrame,
    about: Sequence[tuple[str, str]] = (),
    sheet_name: str = "data",
    column_notes: Mapping[str, str] | None = None,
) -> bytes:
    """An XLSX workbook: the table on the first sheet, an "about" sheet with the
    filters, data version, export date and source (pairs of label and value), and a
    "dictionary" sheet with every column's meaning (`column_notes`, else the glossary)
    and database column. Text is always written as text: no formulas, no links, no
    numbers guessed from strings."""
    notes = tuple((column_notes or {}).items())
    inputs = ("xlsx", tuple(map(tuple, about)), sheet_name, notes)
    return _remembered(frame, inputs, lambda: _xlsx_bytes(frame, about, sheet_name, column_notes))


def _xlsx_bytes(
    frame: pl.DataFrame,
    about: Sequence[tuple[str, str]],
    sheet_name: str,
    column_notes: Mapping[str, str] | None,
) -> bytes:
    headers, rows = safe_rows(frame)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Text is written with write_string only; these keep it so if anyone uses write().
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            # Excel has no time zones: times are written as they read.
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": _DATE_FORMAT})
    moment = workbook.add_format({"num_format": _DATETIME_FORMAT})
    sheet = workbook.add_worksheet(_sheet_name(sheet_name))
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                sheet.write_number(r, c, float(value) if isinstance(value, Decimal) else value)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
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
    for line, (label, value) in enumerate(about):
        info.write_string(line, 0, neutralise(label), bold)
        info.write_string(line, 1, neutralise(value), wrap)
    _dictionary_sheet(workbook, frame.columns, column_notes, bold, wrap)
    workbook.close()
    return buffer.getvalue()


def _dictionary_sheet(
    workbook: xlsxwriter.Workbook,
    columns: Sequence[str],
    notes: Mapping[str, str] | None,
    bold: object,
    wrap: object,
) -> None:
    """The "dictionary" sheet: every column of the table, what it means and its
    database column (see dictionary())."""
    sheet = workbook.add_worksheet("dictionary")
    for col, width in enumerate((30, 100, 45)):
        sheet.set_column(col, col, width)
    headers, rows = safe_rows(dictionary(columns, notes))
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, str(value), wrap)
    sheet.freeze_panes(1, 0)


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
        ("made with", MADE_WITH),
    ]


# ---------------------------------------------------------------------------------------
# The measures as analysts download them: readable headers, names next to acronyms, the
# plan's label and title, and the ids and offsets that trace a row to its source.


@dataclass(frozen=True)
class Column:
    """One column of a download: its name in the query, its header in the file, what it
    means and the database column(s) it comes from (docs/schema.md)."""

    name: str
    header: str
    meaning: str
    source: str = ""


MEASURE_EXPORT = (
    Column(
        "measure_id",
        "Measure ID",
        "plan year and number, e.g. 2020-021: the measure's key in every table of the "
        "full data download",
        "measures.measure_id",
    ),
    Column(
        "period_label",
        "Plan",
        "the plan's period as it states it (2021–2022)",
        "plans.period_label",
    ),
    Column(
        "plan_year",
        "Plan year",
        "the year the plan is filed under (2022 for the 2021–2022 plan)",
        "plans.plan_year",
    ),
    Column("measure_no", "Measure no.", "the measure's number in the plan", "measures.measure_no"),
    Column("plan_title", "Plan title", "the plan's title", "plans.title"),
    Column(
        "section_path",
        "Section",
        "the plan's headings above the measure, outermost first",
        "measures.section_path",
    ),
    Column("theme", "Theme", "primary theme from the codebook (docs/themes.md)", "themes.label"),
    Column(
        "theme_confidence",
        "Theme confidence",
        "high / medium / low: the classifier's score margin; manual: decided by hand",
        "measure_themes.confidence",
    ),
    Column(
        "lead_agency",
        "Lead body",
        "acronym of the body that leads; empty when the bodies share the task jointly or "
        "none is named",
        "agencies.short_name",
    ),
    Column(
        "lead_agency_name", "Lead body, full name", "the lead body's official name", "agencies.name"
    ),
    Column(
        "agencies",
        "Bodies (role)",
        "every body named, by acronym, with its role (lead, participant, joint), in the "
        "plan's order; as named at the time, or as today's successors when the filters say so",
        "measure_facts.agencies_named, measure_facts.agencies_current",
    ),
    Column(
        "agencies_full",
        "Bodies, full names (role)",
        "the same bodies with their official names: 'Ministry of Education (MOE), participant'",
        "agencies.name, measure_agency_links.role",
    ),
    Column(
        "generic_groups",
        "Unnamed groups",
        "groups named without naming a body, such as 'relevant departments' (not counted as "
        "bodies)",
        "measure_facts.generic_groups",
    ),
    Column("text", "Text", "the measure's clean text", "measures.text"),
    Column(
        "attribution_raw",
        "Attribution as in the source",
        "the list of responsible bodies exactly as the source has it, with its parentheses",
        "measures.attribution_raw",
    ),
    Column(
        "doc_id",
        "Source document ID",
        "the rendering of the plan the row is taken from; its file is documents.source_file "
        "in the full data download",
        "measures.doc_id",
    ),
    Column(
        "source_language",
        "Source language",
        "language and kind of translation of that rendering, e.g. 'en (machine translation)'",
        "documents.language",
    ),
    Column(
        "start_offset",
        "Start offset",
        "character offset of the measure in the source document's text",
        "measures.start_offset",
    ),
    Column(
        "end_offset",
        "End offset",
        "character offset just after the measure: text[start:end] is the whole measure",
        "measures.end_offset",
    ),
)
# What each column of a measures download means (the dictionary file and sheet).
MEASURE_COLUMN_NOTES = {c.header: c.meaning for c in MEASURE_EXPORT}

# What the columns of the other tables the pages download mean (network metrics, the
# leaders of a theme). A column named nowhere here is listed without a meaning.
COLUMN_GLOSSARY = {
    "agency_id": "the body's registry id (agencies.agency_id)",
    "short_name": "the body's acronym",
    "name": "the body's official name",
    "kind": "kind of body (ministry, court, party organ, …)",
    "measures": "measures naming the body",
    "led": "measures it leads",
    "participated": "measures it participates in (listed after the lead)",
    "joint": "measures it shares jointly (no body leads)",
    "degree": "bodies it shares measures with",
    "weighted_degree": "shared measures summed over its partners",
    "betweenness": "how often it lies on the shortest paths between other bodies, 0–1 "
    "(networkx, normalised; strong ties are short)",
    "plan": "the plan's period label",
    "rank": "rank within the plan (most measures led first; ties by acronym)",
    "n_led": "measures of the theme the body leads",
    "n_theme": "the plan's measures of this theme that match the filters",
    "% of the theme's measures": "n_led as a share of n_theme, in percent",
}
_SOURCES = {c.header: c.source for c in MEASURE_EXPORT}
UNDESCRIBED = "(not described)"


def readable_measures(rows: pl.DataFrame) -> pl.DataFrame:
    """The measures as downloaded (queries.measure_export): MEASURE_EXPORT's columns in
    its order, under their readable headers."""
    return rows.select(pl.col(c.name).alias(c.header) for c in MEASURE_EXPORT)


def dictionary(columns: Sequence[str], notes: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The data dictionary of a table: every column with its meaning (from `notes`, else
    the measure export's or the glossary's) and the database column it comes from, in
    the table's order."""
    notes = notes or {}
    return pl.DataFrame(
        {
            "column": list(columns),
            "meaning": [
                notes.get(c) or MEASURE_COLUMN_NOTES.get(c) or COLUMN_GLOSSARY.get(c) or UNDESCRIBED
                for c in columns
            ],
            "from the database": [_SOURCES.get(c, "") for c in columns],
        },
        schema={"column": pl.String, "meaning": pl.String, "from the database": pl.String},
    )


# ---------------------------------------------------------------------------------------
# Zip files: a CSV download with its dictionary, and the full data download.

# Entries of every zip are dated (a zip has no time zone: UTC is written).
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def to_zip_bytes(files: Sequence[tuple[str, bytes]], dated: datetime) -> bytes:
    """A zip of (name, bytes) pairs in this order, every entry dated `dated` (UTC, to
    the even second below, as a zip keeps it): the same files and date give the same
    bytes."""
    when = max(dated.astimezone(UTC) if dated.tzinfo else dated.replace(tzinfo=UTC), ZIP_EPOCH)
    # A zip keeps seconds in steps of two.
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def readme_text(
    title: str, facts: Sequence[tuple[str, str]], files: Sequence[tuple[str, str]]
) -> bytes:
    """A plain-text README (UTF-8, CRLF line ends for Windows' Notepad): the title, the
    facts (label, value) and the files with what each holds."""
    width = max([len(label) for label, _ in facts] + [0]) + 2
    lines = [title, "=" * len(title), ""]
    lines += [f"{label + ':':<{width}}{value}" for label, value in facts]
    lines += ["", "Files:"]
    name_width = max([len(name) for name, _ in files] + [0]) + 2
    lines += [f"  {name:<{name_width}}{what}" for name, what in files]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


FORMULA_NOTE = (
    "text cells a spreadsheet could run as a formula (starting with = + - @ | % …) start "
    "with a ' in CSV and Excel files"
)


def csv_zip_bytes(
    frame: pl.DataFrame,
    stem: str,
    what: str,
    filters: str,
    info: Mapping[str, object],
    column_notes: Mapping[str, str] | None = None,
) -> bytes:
    """What every "Download CSV" gives: a zip of the table as CSV, its data dictionary as
    CSV (every column, what it means, its database column) and a README.txt: what the
    table is, the filters, the rows, the data version (`info`: the build_info row) and
    the source. Nothing depends on the moment of the download (the entries are dated
    when the data was built), so the app and the command line give the same bytes for
    the same filters and data."""
    built = info.get("built_at")
    built_at = built if isinstance(built, datetime) else ZIP_EPOCH
    table, dictionary_name = f"{stem}.csv", f"{stem}-dictionary.csv"
    facts = [
        ("filters", filters),
        ("rows", str(frame.height)),
        (
            "data version",
            f"{info.get('data_version', '?')} (database build {info.get('build_id', '?')})",
        ),
        ("data built", built_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("source", SOURCE_CITATION),
        ("made with", MADE_WITH),
        ("note", FORMULA_NOTE),
    ]
    files = [
        (table, "the table (UTF-8 with a byte-order mark, every text field quoted)"),
        (dictionary_name, "what every column of the table means, and its database column"),
        ("README.txt", "this file"),
    ]
    return to_zip_bytes(
        [
            (table, to_csv_bytes(frame)),
            (dictionary_name, to_csv_bytes(dictionary(frame.columns, column_notes))),
            ("README.txt", readme_text(what, facts, files)),
        ],
        built_at,
    )


def to_parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as Parquet (zstd-compressed), exact: no cell is changed (Parquet is read
    by analysis tools, never run as a spreadsheet)."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


# What each column of a lineage list means (what changed between two plans).
LINEAGE_COLUMN_NOTES = {
    "change": "carried over (the measure continues one of the earlier plan), new (it "
    "continues none), dropped (a measure of the earlier plan no measure of the later one "
    "continues)",
    "measure_id": "the measure (of the later plan; of the earlier plan when dropped)",
    "plan_year": "its plan (2022 = the 2021–2022 plan)",
    "theme": "its primary theme",
    "lead_agency": "the body that leads it",
    "text": "its text",
    "earlier_measure_id": "the measure of the earlier plan it continues",
    "earlier_plan_year": "the earlier plan",
    "earlier_theme": "that measure's primary theme",
    "earlier_lead_agency": "the body that led it",
    "earlier_text": "that measure's text",
    "score": "0–1: the model's score of the link, a link from the calibrated threshold on "
    "(docs/lineage.md); it ranks candidates, it is no probability",
    "alternatives": "other measures of the earlier plan that also qualify, with their scores",
    "evidence": "why: shared named objects, the strongest shared terms, same lead body and theme",
}
# The persistent commitments' columns (ipdash.store.queries.persistent_commitments).
PERSISTENT_COLUMN_NOTES = {
    "measures": "the measures of the chain, oldest first; each continues the one before",
    "plans": "their plans, in the same order",
    "n_plans": "how many plans the chain runs through",
    "themes": "their primary themes, in the same order",
    "leads": "the bodies that lead them, in the same order (– where none is named)",
    "text": "the text of the latest measure of the chain",
}
# The tasks that changed hands (ipdash.store.queries.agency_handovers).
HANDOVER_COLUMN_NOTES = {
    "earlier_plan_year": "the earlier plan",
    "earlier_measure_id": "the earlier measure, which the later one continues",
    "earlier_lead": "the body that led it",
    "plan_year": "the later plan (2022 = the 2021–2022 plan)",
    "measure_id": "the later measure",
    "lead": "the body that leads it",
    "kind": "restructuring (the new lead took over the old one's work, e.g. SIPO → CNIPA) "
    "or handover (another body took the task)",
    "direction": "took over (the body of this profile leads the later measure) or handed "
    "over (it led the earlier one)",
    "earlier_lead_line": 'the earlier lead body and its successors, e.g. "SARFT → SAPPRFT → NRTA"',
    "score": LINEAGE_COLUMN_NOTES["score"],
    "evidence": LINEAGE_COLUMN_NOTES["evidence"],
    "earlier_text": "the earlier measure's text",
    "text": "the later measure's text",
}
