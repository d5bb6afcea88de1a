"""The database behind the pages: one read-only connection per generation
(st.cache_resource), every query on its own cursor and its result cached per generation and
arguments (st.cache_data), the database built on first start, and the page Context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from ipdash.present.names import Names, load_names, relabel
from ipdash.settings import Settings
from ipdash.settings import current as current_settings
from ipdash.store import queries
from ipdash.store.db import connect_read_only, current_db_path
from ipdash.store.filters import (
    Labels,
    MeasureFilter,
    describe,
    labels_from,
)

LOG = logging.getLogger("ipdash")

# Cached results kept per process: enough for many users' filter sets, bounded memory.
MAX_CACHED_RESULTS = 1024


@st.cache_resource(show_spinner=False, max_entries=3)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One read-only connection per database generation; queries run on cursors.
    return connect_read_only(Path(path))


def ensure_database(settings: Settings) -> Path:
    """The current database generation, building it first if none exists yet (and once
    per server start if data/raw or the code changed since it was built)."""
    path = current_db_path(settings.db_dir)
    if path is None:
        from ipdash.store.build import build_database

        with st.spinner("Building the database from the plans (first start only, a few seconds)…"):
            build_database(raw_dir=settings.raw_dir, db_dir=settings.db_dir)
        path = current_db_path(settings.db_dir)
    else:
        _rebuild_if_out_of_date(str(settings.db_dir), str(settings.raw_dir))
        path = current_db_path(settings.db_dir)
    if path is None:
        st.error("The database could not be built. Run `python -m ipdash build` to see why.")
        st.stop()
    return path


@st.cache_resource(show_spinner="Updating the database: the sources changed since it was built…")
def _rebuild_if_out_of_date(db_dir: str, raw_dir: str) -> bool:
    """Once per server process: rebuild when the database's data version differs from
    what data/raw and the code give now (after an update, or a plan added by a process
    that stopped before it finished). A failed rebuild keeps the current database."""
    from ipdash.store.build import rebuild_if_out_of_date

    try:
        rebuilt = rebuild_if_out_of_date(Path(raw_dir), Path(db_dir))
        if rebuilt is not None:
            LOG.info("rebuilt %s: the sources changed since it was last built", rebuilt.path)
        return rebuilt is not None
    except Exception as exc:  # keep serving the database we have
        LOG.error("checking or rebuilding the database failed: %s", exc)
        return False


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED_RESULTS)
def _cached_query(db: str, name: str, args: tuple, _query: Callable[..., Any]) -> Any:
    # Cached per database generation, query name and arguments (`_query` itself is not
    # hashed: Streamlit skips parameters whose names start with an underscore).
    return _query(_connection(db), *args)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_view(db: str, names: str, name: str, args: tuple, _view: Callable[..., Any]) -> Any:
    # A computation over queries (a layout, network metrics), cached like a query, its
    # bodies named in the chosen language.
    return _view(Context(db, names=names).query, *args)


@st.cache_data(show_spinner=False, max_entries=4)
def _names(db: str, language: str) -> Names:
    return load_names(Context(db).query, language)


@dataclass(frozen=True)
class Context:
    """What every page needs: the database generation, the settings and lookups for
    labels."""

    db: str
    settings: Settings = field(default_factory=current_settings)
    # The names switch: bodies named in English ("en") or Chinese ("zh") in every frame
    # a query returns, so in charts, tables and downloads (ipdash.present.names).
    names: str = "en"
    # What one run of the page reads once however many charts ask (see saved_stories).
    _run_memo: dict = field(default_factory=dict, compare=False, repr=False)

    def saved_stories(self) -> list:
        """The stories users saved, read once per run of the page (every chart's menu
        offers them)."""
        from ipdash.present import stories

        if "saved_stories" not in self._run_memo:
            self._run_memo["saved_stories"] = stories.load_saved(self.settings.stories_file)
        return self._run_memo["saved_stories"]

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The cached read-only connection (run queries on its cursors)."""
        return _connection(self.db)

    def query(self, query: Callable[..., Any], *args: object) -> Any:
        """Run a function of ipdash.store.queries, `query(connection, *args)`, cached per
        database generation and arguments: `ctx.query(queries.plans)`."""
        if getattr(query, "__module__", None) != queries.__name__:
            raise TypeError(f"{query!r} is not a query of {queries.__name__}")
        result = _cached_query(self.db, query.__name__, tuple(args), query)
        return result if query is queries.agency_names else self.named(result)

    def named(self, frame: Any) -> Any:
        """A query's frame with its bodies named as the names switch says."""
        return frame if self.names == "en" else relabel(frame, _names(self.db, self.names))

    def view(self, view: Callable[..., Any], *args: object) -> Any:
        """Run a function of ipdash.present.views that takes the query runner first,
        `view(ctx.query, *args)`, cached per database generation and arguments (for
        computations such as a network layout)."""
        from ipdash.present import views

        if getattr(view, "__module__", None) != views.__name__:
            raise TypeError(f"{view!r} is not a function of {views.__name__}")
        return _cached_view(self.db, self.names, view.__name__, tuple(args), view)

    @property
    def info(self) -> dict:
        frame = self.query(queries.build_info)
        return frame.row(0, named=True) if frame.height else {}

    def labels(self) -> Labels:
        return labels_from(
            self.query(queries.themes),
            self.query(queries.agency_labels),
            self.query(queries.plans),
        )

    def describe(self, f: MeasureFilter) -> str:
        return describe(f, self.labels())
