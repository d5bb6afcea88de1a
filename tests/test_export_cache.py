"""Files made recently are reused only for exactly the same table and inputs
(present/export.py): the same bytes for the same table, other bytes when any cell, the
about-sheet or the notes differ, and the cache stays bounded."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pytest

from ipdash.present import export

ABOUT = [("contents", "measures"), ("exported", "2026-11-26 12:00 UTC")]


@pytest.fixture(autouse=True)
def empty_cache():
    export._files.clear()
    yield
    export._files.clear()


def frame(text: str = "=cmd") -> pl.DataFrame:
    return pl.DataFrame({"measure_id": ["2012-001", "2012-002"], "n": [1, 2], "text": ["a", text]})


def test_the_same_table_gives_the_same_file_made_once():
    first = export.to_xlsx_bytes(frame(), ABOUT)
    assert export.to_xlsx_bytes(frame(), ABOUT) is first
    assert export.to_csv_bytes(frame()) is export.to_csv_bytes(frame())
    assert len(export._files) == 2


def test_any_difference_makes_another_file():
    base = export.to_csv_bytes(frame())
    changed = export.to_csv_bytes(frame("other"))
    assert changed != base
    assert b'"other"' in changed
    assert b'"\'=cmd"' in base  # still neutralised
    xlsx = export.to_xlsx_bytes(frame(), ABOUT)
    later = export.to_xlsx_bytes(frame(), [("contents", "measures"), ("exported", "12:01")])
    noted = export.to_xlsx_bytes(frame(), ABOUT, column_notes={"n": "a number"})
    assert len({id(xlsx), id(later), id(noted)}) == 3
    sheet = openpyxl.load_workbook(io.BytesIO(later))["about"]
    assert sheet["B2"].value == "12:01"
    retyped = frame().with_columns(pl.col("n").cast(pl.Float64))
    assert export.to_csv_bytes(retyped) != base


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(export._files, "entries", 3)
    for n in range(5):
        export.to_csv_bytes(frame(f"text {n}"))
    assert len(export._files) == 3
    monkeypatch.setattr(export._files, "limit", 1)
    export.to_csv_bytes(frame("last"))
    assert len(export._files) == 1  # the newest is always kept
