"""The database is safe to serve: values reach SQL only as bound parameters, so
injection payloads in any filter, search or address parameter are just values that match
nothing; nothing is changed and no database error reaches the user."""

from __future__ import annotations

import ast
import hashlib
import inspect

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ipdash import paths, web
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter
from tests.conftest import TEST_SETTINGS

PAYLOADS = [
    "' OR 1=1 --",
    "x'); DROP TABLE measures; --",
    "2012) OR (1=1",
    "' UNION SELECT * FROM read_csv('/etc/passwd') --",
    "$query",
    "\\'; SELECT pg_sleep(5); --",
    "%' OR '%'='",
    "1; ATTACH '/tmp/evil.duckdb' AS evil; --",
]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _argument(name: str, annotation: object, payload: str) -> object:
    text = str(annotation)
    if "MeasureFilter" in text:
        return MeasureFilter(
            themes=(payload,), agencies=(payload,), role="any", query=payload, successor=True
        )
    if text in ("bool", "<class 'bool'>"):
        return True
    if text in ("int", "<class 'int'>"):
        return 5
    if "tuple[int" in text or "Sequence[int]" in text:
        return (2012, 2022)
    return payload


QUERY_FUNCTIONS = [
    (name, fn)
    for name, fn in inspect.getmembers(queries, inspect.isfunction)
    if fn.__module__ == queries.__name__
    and not name.startswith("_")
    and next(iter(inspect.signature(fn).parameters), "") == "con"
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_query_treats_payloads_as_plain_values(con, built_db, payload):
    before = digest(built_db)
    for name, fn in QUERY_FUNCTIONS:
        params = list(inspect.signature(fn).parameters.values())[1:]
        args = [_argument(p.name, p.annotation, payload) for p in params]
        try:
            fn(con, *args)
        except Exception as exc:  # any error is a failure: a payload must be a plain value
            pytest.fail(f"queries.{name} failed on {payload!r}: {exc}")
    assert digest(built_db) == before
    assert con.execute("SELECT count(*) FROM measures").fetchall() == [(384,)]


def test_the_query_functions_are_all_covered():
    assert len(QUERY_FUNCTIONS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_the_search_matches_nothing_rather_than_everything(con, payload):
    assert queries.filtered_measures(con, MeasureFilter(query=payload)).height == 0
    assert queries.find_agencies(con, payload).height == 0
    assert queries.measure_detail(con, payload).height == 0


def test_sql_values_are_never_spliced_into_query_text():
    """The only f-strings in the query module splice SQL fragments defined in the module
    (constants such as _FILTERED), never a value."""
    tree = ast.parse(inspect.getsource(queries))
    constants = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.lstrip("_").isupper()
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    assert isinstance(part.value, ast.Name), ast.unparse(part)
                    assert part.value.id in constants, ast.unparse(part)


def test_a_query_cannot_read_files_or_change_the_database(con, tmp_path):
    for sql in (
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'",
        "SET lock_configuration = false",
        "CREATE TABLE evil AS SELECT 1",
        "LOAD httpfs",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    assert not (tmp_path / "x.csv").exists()


PAGES = ["app.py", *(p for p, _, _, _ in web.PAGES if p != "app.py")]


@pytest.mark.parametrize("payload", PAYLOADS[:4])
@pytest.mark.parametrize("page", PAGES)
def test_payloads_in_every_address_parameter_open_the_page_without_harm(page, payload):
    from ipdash.store.db import current_db_path

    at = AppTest.from_file(str(paths.ROOT / "app.py"), default_timeout=60)
    at.run()  # builds the database on first use
    db = current_db_path(TEST_SETTINGS.db_dir)
    before = digest(db)
    for key in web.URL_PARAMS:
        at.query_params[key] = payload
    at.run()
    if page != "app.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(str(e.value) for e in [*at.error, *at.warning])
    for leak in ("Binder Error", "Parser Error", "Catalog Error", "duckdb", "Traceback"):
        assert leak not in shown
    assert digest(db) == before
