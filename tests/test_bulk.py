""" "Download all data": every table as CSV and Parquet with the data dictionary and the
data version, from the app's function and `python -m ipdash export-all`."""

import csv
import io
import zipfile

import polars as pl

from ipdash.present import bulk, export
from ipdash.store import queries
from tests.conftest import run_cli


def _csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_all_data_is_every_table_as_csv_and_parquet_with_its_dictionary(q, con):
    info = q(queries.build_info).row(0, named=True)
    top = f"ipdash-data-{info['data_version']}"
    with zipfile.ZipFile(io.BytesIO(bulk.all_data_zip(q))) as archive:
        names = archive.namelist()
        files = {name: archive.read(name) for name in names}
    tables = q(queries.database_tables)["table_name"].to_list()
    assert len(tables) == 28
    assert names[:8] == [
        f"{top}/README.txt",
        f"{top}/data-dictionary.csv",
        f"{top}/tables.csv",
        f"{top}/schema.md",
        f"{top}/csv/agencies.csv",
        f"{top}/parquet/agencies.parquet",
        f"{top}/csv/agency_aliases.csv",
        f"{top}/parquet/agency_aliases.parquet",
    ]
    assert len(names) == 4 + 2 * len(tables)
    dictionary = _csv(files[f"{top}/data-dictionary.csv"])
    assert dictionary[0] == ["table", "column", "position", "type", "meaning"]
    assert [
        "plans",
        "period_label",
        "2",
        "VARCHAR",
        'the period as the plan states it ("2021–2022")',
    ] in dictionary
    assert len(dictionary) == 1 + q(queries.database_columns).height
    assert "(not described)" not in {row[4] for row in dictionary}
    listing = _csv(files[f"{top}/tables.csv"])
    assert listing[0] == ["table", "kind", "rows", "description"]
    assert [
        "measures",
        "table",
        "384",
        "One row per numbered measure of each plan, from the canonical rendering.",
    ] in listing
    readme = files[f"{top}/README.txt"].decode("utf-8").split("\r\n")
    assert readme[3] == (
        f"data version:     {info['data_version']} (a hash of every input: sources, curated "
        "data, code)"
    )
    assert "  measures                      384 rows  table" in readme
    assert "  build_info                      1 row   table" in readme
    assert files[f"{top}/schema.md"].startswith(b"# The ipdash database")
    for table in tables:
        exact = queries.whole_table(con, table)
        parquet = pl.read_parquet(io.BytesIO(files[f"{top}/parquet/{table}.parquet"]))
        assert parquet.equals(exact), table
        assert len(_csv(files[f"{top}/csv/{table}.csv"])) >= exact.height + 1, table


def test_a_name_that_is_no_table_reads_nothing(con):
    assert queries.whole_table(con, "measures; DROP TABLE plans").shape == (0, 0)
    assert queries.whole_table(con, "plans").height == 4


def test_the_cli_writes_all_data(built_db, tmp_path, con):
    version = queries.build_info(con)["data_version"][0]
    out = tmp_path / "all.zip"
    result = run_cli("export-all", "--db", str(built_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"wrote {out}: 28 tables and views as CSV and Parquet, with the data dictionary "
        f"(data version {version})"
    )
    with zipfile.ZipFile(out) as archive:
        assert f"ipdash-data-{version}/parquet/measure_facts.parquet" in archive.namelist()
    refused = run_cli("export-all", "--db", str(built_db), "--out", str(tmp_path / "all.csv"))
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "error: export-all writes a .zip file: give --out a name ending in .zip",
    )


def test_all_data_is_made_once_per_build_and_leaves_the_file_cache_alone(q, monkeypatch):
    made = []
    make = bulk._all_data_zip
    monkeypatch.setattr(bulk, "_zips", bulk.Memo(1))
    monkeypatch.setattr(bulk, "_all_data_zip", lambda *a: made.append(1) or make(*a))
    export._files.clear()
    first = bulk.all_data_zip(q)
    assert bulk.all_data_zip(q) is first
    assert made == [1]
    assert len(export._files) == 0
