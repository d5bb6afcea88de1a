""" "Download all data": every table and view of the database as Parquet and as CSV, in
one zip with the data dictionary (generated from docs/schema.md, the documented
interface), the documentation itself and the data version. The same function serves the
app's button and `python -m ipdash export-all`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import polars as pl

from ipdash.present import export
from ipdash.present.citation import dataset_citation
from ipdash.present.memo import Memo
from ipdash.present.schema_doc import SCHEMA_DOC, TableDoc, schema_doc
from ipdash.store import queries

# Runs a query function of ipdash.store.queries: q(queries.plans) (see views.query_on).
Query = Callable[..., pl.DataFrame]

_KIND_WORDS = {"table": "table", "view": "view (computed from the tables)", "mart": "mart"}

# The zip of the current database generation, made once per server process however many
# people ask for it at once (the newest only: a generation's zip never changes).
_zips: Memo[bytes] = Memo(1)


def folder_name(data_version: str) -> str:
    """The zip's top folder and file name (without .zip): ipdash-data-<data version>."""
    return f"ipdash-data-{data_version}"


def _dictionary(
    columns: pl.DataFrame, docs: Mapping[str, TableDoc]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The column dictionary (table, column, type, meaning) and the table list (table,
    kind, rows filled in later, description) from the database's catalogue and the docs."""
    meaning = [
        docs[t].columns.get(c, export.UNDESCRIBED) if t in docs else export.UNDESCRIBED
        for t, c in zip(columns["table_name"], columns["column_name"], strict=True)
    ]
    column_rows = pl.DataFrame(
        {
            "table": columns["table_name"],
            "column": columns["column_name"],
            "position": columns["ordinal_position"],
            "type": columns["data_type"],
            "meaning": meaning,
        }
    )
    names = list(dict.fromkeys(columns["table_name"]))
    table_rows = pl.DataFrame(
        {
            "table": names,
            "kind": [docs[n].kind if n in docs else "table" for n in names],
            "description": [docs[n].description if n in docs else "" for n in names],
        }
    )
    return column_rows, table_rows


def _readme(info: Mapping[str, object], tables: pl.DataFrame, folder: str) -> bytes:
    built = info.get("built_at")
    when = built.strftime("%Y-%m-%d %H:%M UTC") if isinstance(built, datetime) else "?"
    version = str(info.get("data_version", "?"))
    facts = [
        ("data version", f"{version} (a hash of every input: sources, curated data, code)"),
        ("database build", str(info.get("build_id", "?"))),
        ("built", when),
        ("measures", str(info.get("n_measures", "?"))),
        ("source documents", str(info.get("n_documents", "?"))),
        ("source", export.SOURCE_CITATION),
        ("cite as", dataset_citation(version, built if isinstance(built, datetime) else None)),
        ("made with", f"ipdash {info.get('ipdash_version', '?')}, DuckDB "
         f"{info.get('duckdb_version', '?')}"),
        ("CSV", "UTF-8 with a byte-order mark, text quoted; " + export.FORMULA_NOTE),
        ("Parquet", "the exact values and types of the database"),
    ]  # fmt: skip
    files = [
        (f"{folder}/README.txt", "this file"),
        (f"{folder}/data-dictionary.csv", "every column of every table: type and meaning"),
        (f"{folder}/tables.csv", "every table and view: kind, rows and what it holds"),
        (f"{folder}/schema.md", "the documentation of the tables (identifiers, offsets, roles)"),
        (f"{folder}/csv/<table>.csv", "each table as CSV"),
        (f"{folder}/parquet/<table>.parquet", "each table as Parquet"),
    ]
    text = export.readme_text(
        "ipdash: every table of the database of China's IP-strategy promotion plans",
        facts,
        files,
    ).decode("utf-8")
    listing = [
        "",
        "Tables:",
        *(
            f"  {r['table']:<26}{r['rows']:>7} {'row ' if r['rows'] == 1 else 'rows'}  "
            f"{_KIND_WORDS.get(r['kind'], r['kind'])}"
            for r in tables.iter_rows(named=True)
        ),
    ]
    return (text + "\r\n".join(listing) + "\r\n").encode("utf-8")


def all_data_zip(q: Query) -> bytes:
    """The whole database in one zip (see the module's docstring), dated when the data
    was built: README.txt, data-dictionary.csv, tables.csv, schema.md, and csv/ and
    parquet/ with one file per table and view. Made once per database build."""
    info = q(queries.build_info).row(0, named=True)
    key = (str(info.get("build_id")), str(info.get("data_version")))
    return _zips.get(key, lambda: _all_data_zip(q, info))[0]


def _all_data_zip(q: Query, info: Mapping[str, object]) -> bytes:
    folder = folder_name(str(info["data_version"]))
    column_rows, table_rows = _dictionary(q(queries.database_columns), schema_doc())
    files: list[tuple[str, bytes]] = []
    counts = []
    for name in table_rows["table"]:
        frame = q(queries.whole_table, name)
        counts.append(frame.height)
        files.append((f"{folder}/csv/{name}.csv", export.to_csv_bytes(frame, remember=False)))
        files.append((f"{folder}/parquet/{name}.parquet", export.to_parquet_bytes(frame)))
    table_rows = table_rows.insert_column(2, pl.Series("rows", counts, dtype=pl.Int64))
    head = [
        (f"{folder}/README.txt", _readme(info, table_rows, folder)),
        (f"{folder}/data-dictionary.csv", export.to_csv_bytes(column_rows, remember=False)),
        (f"{folder}/tables.csv", export.to_csv_bytes(table_rows, remember=False)),
        (f"{folder}/schema.md", SCHEMA_DOC.read_bytes()),
    ]
    built = info.get("built_at")
    return export.to_zip_bytes(
        head + files, built if isinstance(built, datetime) else export.ZIP_EPOCH
    )
