"""Streamlit helpers shared by the pages: the cached read-only connection, building the
database on first start, and page setup. Pages stay thin: setup -> filters -> cached
query -> figure -> render."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from ipdash import paths
from ipdash.db import connect_read_only, current_db_path


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One read-only connection per database generation; queries run on cursors.
    return connect_read_only(Path(path))


def ensure_database() -> Path:
    """The current database, building it first if none exists yet."""
    path = current_db_path(paths.DB_DIR)
    if path is None:
        from ipdash.build import build_database

        with st.spinner("Building the database from the plans (first start only)…"):
            build_database()
        path = current_db_path(paths.DB_DIR)
    if path is None:
        st.error("The database could not be built. Run `python -m ipdash build` to see why.")
        st.stop()
    return path


def connection() -> tuple[duckdb.DuckDBPyConnection, str]:
    """The connection to the current generation and its path (the cache key for results)."""
    path = ensure_database()
    return _connection(str(path)), str(path)
