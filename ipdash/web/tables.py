"""Tables of measures and the downloads of exactly what a page shows (CSV and Excel)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import polars as pl
import streamlit as st

from ipdash.present import export, provenance
from ipdash.store import queries
from ipdash.store.filters import (
    MeasureFilter,
    file_stem,
)
from ipdash.web.context import Context
from ipdash.web.share import download_all_data


def downloads(
    ctx: Context,
    frame: pl.DataFrame | Callable[[], pl.DataFrame],
    stem: str,
    what: str,
    filters: str,
    column_notes: Mapping[str, str] | None = None,
    key: str = "dl",
    all_data: bool = False,
) -> None:
    """CSV and Excel downloads of exactly this frame, named after what was filtered. The
    CSV comes in a zip with its data dictionary and a README (what, filters, data
    version); the Excel file has them as sheets. For a callable (a large result, see
    all_measures) the files are made when clicked, not on every rerun (an Excel file of
    100,000 measures takes seconds). With `all_data`, "Download all data" (the whole
    database) stands beside them."""
    info = ctx.info

    def rows() -> pl.DataFrame:
        return frame() if callable(frame) else frame

    def csv() -> bytes:
        return export.csv_zip_bytes(rows(), stem, what, filters, info, column_notes)

    def xlsx() -> bytes:
        data = rows()
        about = export.about_rows(
            what,
            filters,
            info.get("data_version", "?"),
            info.get("build_id", "?"),
            data.height,
            datetime.now(UTC),
        )
        return export.to_xlsx_bytes(data, about, column_notes=column_notes)

    # Side by side at their own width (columns cut the labels on a tablet).
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV (zip)",
        csv if callable(frame) else csv(),
        icon=":material/download:",
        file_name=f"{stem}.zip",
        mime="application/zip",
        key=f"{key}_csv",
        help="The table as CSV, with its data dictionary (what every column means) and a "
        "README (what it is, the filters, the data version, the source) in one zip.",
        on_click="ignore",
    )
    row.download_button(
        "Download Excel",
        xlsx if callable(frame) else xlsx(),
        icon=":material/table_view:",
        file_name=f"{stem}.xlsx",
        key=f"{key}_xlsx",
        help="The table, an about sheet (what, filters, data version) and a dictionary sheet.",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    if all_data:
        with row:
            download_all_data(ctx)


# Measures a table shows (and the Measures page offers to pick); the downloads hold every
# measure that matches. A browser table of 100,000 measures took seconds to send.
TABLE_ROWS = 1000


def measure_rows(ctx: Context, f: MeasureFilter) -> tuple[pl.DataFrame, int]:
    """The first TABLE_ROWS measures matching a filter, and how many match."""
    return ctx.query(queries.first_measures, f, TABLE_ROWS), ctx.query(queries.count_measures, f)


def all_measures(
    ctx: Context, f: MeasureFilter, shown: pl.DataFrame, total: int
) -> pl.DataFrame | Callable[[], pl.DataFrame]:
    """What a download of every measure matching a filter holds (readable headers, see
    export.MEASURE_EXPORT): made with the page when the table shows them all (the files
    are then held for the session like any other), else a query run on click (a file
    made on click is kept for the session by hold_made_downloads; see
    docs/reliability.md)."""
    if total <= shown.height:
        return export.readable_measures(ctx.query(queries.measure_export, f))
    con = ctx.connection
    return lambda: export.readable_measures(ctx.named(queries.measure_export(con, f)))


MEASURE_COLUMNS = {
    "plan_year": st.column_config.NumberColumn("plan", format="%d", width="small"),
    "measure_no": st.column_config.NumberColumn("no.", format="%d", width="small"),
    "measure_id": st.column_config.TextColumn("id", width="small"),
    "theme": st.column_config.TextColumn("theme", width="medium"),
    "lead_agency": st.column_config.TextColumn("leads", width="small"),
    "agencies": st.column_config.TextColumn("agencies (role)", width="medium"),
    "text": st.column_config.TextColumn("text", width="large"),
    "match": st.column_config.TextColumn(
        "where it matches", width="medium", help="The search term in its sentence"
    ),
}


def with_matches(rows: pl.DataFrame, term: str) -> pl.DataFrame:
    """The rows with a "match" column: the searched term in its context (or where else
    the measure matched: its bodies or its id)."""
    found = [provenance.snippet(t, term) or "(in its bodies or id)" for t in rows["text"]]
    return rows.with_columns(pl.Series("match", found, dtype=pl.String))


# Readable headers for the "Who leads a theme" table (its download keeps the names the
# data dictionary explains).
THEME_LEAD_COLUMNS = {
    "plan": st.column_config.TextColumn("plan", width="small"),
    "rank": st.column_config.NumberColumn("rank", width="small"),
    "short_name": st.column_config.TextColumn("body", width="small"),
    "name": st.column_config.TextColumn("full name", width="large"),
    "n_led": st.column_config.NumberColumn("measures it leads", format="%d"),
    "n_theme": st.column_config.NumberColumn("measures of the theme", format="%d"),
    "% of the theme's measures": st.column_config.NumberColumn(
        "share of the theme's measures", format="%d%%"
    ),
}


# Header words for tables shown as they are queried (Data quality): the rest is the
# column's name with spaces ("n_measures" → "measures").
HEADER_WORDS = {
    "plan_year": "plan",
    "doc_id": "document",
    "other_doc_id": "other document",
    "is_canonical": "canonical",
    "n_chars": "characters",
    "source_file": "file",
    "agency_id": "body id",
    "short_name": "body",
    "measure_id": "measure",
    "measure_no": "no.",
}


def readable_header(column: str) -> str:
    """A column name as a header: "plan_year" → "plan", "n_measures" → "measures"."""
    if column in HEADER_WORDS:
        return HEADER_WORDS[column]
    return column.removeprefix("n_").replace("_", " ")


def readable_table(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame for reading: readable headers (where no other column has that header),
    and an empty text, number, flag or date cell as "–" (not "None")."""

    def shown(column: str, dtype: pl.DataType) -> pl.Expr:
        if not frame[column].null_count():
            return pl.col(column)
        if dtype == pl.String:
            return pl.col(column).fill_null("–")
        if dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean:
            return pl.col(column).cast(pl.String).fill_null("–")
        return pl.col(column)

    out = frame.with_columns(shown(c, dtype) for c, dtype in frame.schema.items())
    taken = set(out.columns)
    renames = {}
    for column in out.columns:
        header = readable_header(column)
        if header != column and header not in taken:
            renames[column] = header
            taken.add(header)
    return out.rename(renames)


def show_table(frame: pl.DataFrame, **options: Any) -> Any:
    """st.dataframe of readable_table(frame), as wide as the page, without the index."""
    return st.dataframe(readable_table(frame), hide_index=True, width="stretch", **options)


def readable_gaps(rows: pl.DataFrame) -> pl.DataFrame:
    """Empty lead and body cells in words: a plan that names no bodies, a task the
    bodies share jointly (no lead)."""
    if "agencies" not in rows.columns:
        return rows
    named = pl.col("agencies").is_not_null() & (pl.col("agencies") != "")
    changes = [pl.when(named).then(pl.col("agencies")).otherwise(pl.lit("not named in the plan"))]
    if "lead_agency" in rows.columns:
        changes.append(
            pl.when(pl.col("lead_agency").is_not_null())
            .then(pl.col("lead_agency"))
            .when(named)
            .then(pl.lit("none: joint"))
            .otherwise(pl.lit("not named"))
            .alias("lead_agency")
        )
    return rows.with_columns(changes)


def measure_table(
    rows: pl.DataFrame,
    columns: tuple[str, ...] = (
        "plan_year",
        "measure_no",
        "theme",
        "lead_agency",
        "agencies",
        "text",
    ),
    key: str | None = None,
    selectable: bool = False,
    total: int | None = None,
) -> Any:
    """A table of measures with readable headers (text shown as text); with
    `selectable`, one row can be clicked and the selection is returned. With `total`
    (how many match, when `rows` are the first TABLE_ROWS), says what is not shown."""
    if total is not None and total > rows.height:
        st.caption(
            f"Showing the first {rows.height:,} of {total:,} measures: narrow the filters, "
            "or download them all."
        )
    height = min(600, 38 + 35 * max(1, rows.height))
    config = {c: MEASURE_COLUMNS[c] for c in columns if c in MEASURE_COLUMNS}
    rows = readable_gaps(rows)
    if selectable:
        return st.dataframe(
            rows.select(columns),
            hide_index=True,
            width="stretch",
            height=height,
            column_config=config,
            key=key,
            on_select="rerun",
            selection_mode="single-row",
        )
    return st.dataframe(
        rows.select(columns),
        hide_index=True,
        width="stretch",
        height=height,
        column_config=config,
        key=key,
    )


def measure_list(
    ctx: Context,
    f: MeasureFilter,
    rows: pl.DataFrame,
    total: int,
    columns: tuple[str, ...],
    what: str,
    key: str,
) -> None:
    """The measures behind a click or a choice (`rows`: the first of `total` matching
    `f`, see measure_rows): their table, and CSV and Excel downloads of all of them."""
    measure_table(rows, columns, total=total)
    downloads(
        ctx,
        all_measures(ctx, f, rows, total),
        file_stem(f),
        what,
        ctx.describe(f),
        export.MEASURE_COLUMN_NOTES,
        key=key,
    )
