"""Streamlit helpers shared by the pages, so that pages stay thin scripts:
setup -> filters -> cached query -> figure -> render.

- One read-only connection per database generation (st.cache_resource); every query
  runs on its own cursor (see ipdash.store.queries) and its result is cached per database
  generation and arguments (st.cache_data).
- Filters and view choices live in the URL (`st.query_params`, ids as values): copying
  the address reproduces the view; opening it restores it, on every page.
- Text from the documents is shown as text, never as Markdown or HTML.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ipdash.errors import IpdashError
from ipdash.present import export
from ipdash.present.figures import luminance
from ipdash.settings import Settings, parse_flag
from ipdash.settings import current as current_settings
from ipdash.store import queries
from ipdash.store.db import connect_read_only, current_db_path
from ipdash.store.filters import (
    ROLE_LABELS,
    ROLES,
    Labels,
    MeasureFilter,
    clean_query,
    describe,
    file_stem,
    labels_from,
    to_params,
)

LOG = logging.getLogger("ipdash")

# Cached results kept per process: enough for many users' filter sets, bounded memory.
MAX_CACHED_RESULTS = 1024

CSS = """
<style>
  .ipd-text { font-size: 1.05rem; line-height: 1.55; white-space: pre-wrap;
              border-left: 4px solid #8DA0CB; padding: 0.4rem 0 0.4rem 0.9rem;
              margin: 0.3rem 0 0.8rem; }
  .ipd-small { color: #555; font-size: 0.9rem; }
  .ipd-chip { display: inline-block; padding: 0.05rem 0.55rem; border-radius: 0.8rem;
              font-size: 0.85rem; margin-right: 0.3rem; }
  .ipd-footer { color: #666; font-size: 0.8rem; margin-top: 2rem; border-top: 1px solid #ddd;
                padding-top: 0.5rem; }
</style>
"""


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
    from ipdash.store.build import build_database, sources_version

    current = current_db_path(Path(db_dir))
    if current is None:
        return False
    try:
        con = connect_read_only(current)
        try:
            built = con.execute("SELECT data_version FROM build_info").fetchall()[0][0]
        finally:
            con.close()
        if built == sources_version(Path(raw_dir)):
            return False
        build_database(raw_dir=Path(raw_dir), db_dir=Path(db_dir))
        LOG.info("rebuilt %s: the sources changed since %s was built", db_dir, current.name)
        return True
    except Exception as exc:  # keep serving the database we have
        LOG.error("checking or rebuilding the database failed: %s", exc)
        return False


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED_RESULTS)
def _cached_query(db: str, name: str, args: tuple) -> Any:
    return getattr(queries, name)(_connection(db), *args)


@dataclass(frozen=True)
class Context:
    """What every page needs: the database generation, the settings and lookups for
    labels."""

    db: str
    settings: Settings = field(default_factory=current_settings)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The cached read-only connection (run queries on its cursors)."""
        return _connection(self.db)

    def query(self, name: str, *args: object) -> Any:
        """Run queries.<name>(connection, *args), cached per database generation."""
        return _cached_query(self.db, name, tuple(args))

    @property
    def info(self) -> dict:
        frame = self.query("build_info")
        return frame.row(0, named=True) if frame.height else {}

    def labels(self) -> Labels:
        return labels_from(self.query("themes"), self.query("agency_labels"))

    def describe(self, f: MeasureFilter) -> str:
        return describe(f, self.labels())


# The pages in the order and with the names users see (the file names order them too).
PAGES = (
    ("app.py", "Overview", ":material/home:"),
    ("pages/1_Measures.py", "Measures", ":material/list_alt:"),
    ("pages/2_Agency_network.py", "Agency network", ":material/hub:"),
    ("pages/3_Theme_shifts.py", "Theme shifts", ":material/trending_up:"),
    ("pages/4_Agency_profile.py", "Agency profile", ":material/account_balance:"),
    ("pages/5_Data_quality.py", "Data quality", ":material/fact_check:"),
    ("pages/6_Stories.py", "Stories", ":material/slideshow:"),
    ("pages/7_Add_a_plan.py", "Add a plan", ":material/upload_file:"),
)


def navigation() -> None:
    """The page list at the top of the sidebar. The shared filters travel with the
    links, so the same selection opens on every page."""
    params = shared_filter_params()
    for path, label, icon in PAGES:
        st.sidebar.page_link(path, label=label, icon=icon, query_params=params)
    st.sidebar.divider()


# The browser tab's icon, served by the app itself (a Material icon as page_icon would
# make every browser fetch it from fonts.gstatic.com).
FAVICON = str(Path(__file__).resolve().parent / "web" / "assets" / "favicon.png")


def hold_made_downloads(manager: Any) -> bool:
    """Keep a file made when its download button is clicked (a chart image, a large
    table) until the clicking session's next run, as Streamlit keeps the files made with
    the page. Streamlit 1.67 leaves such a file to no session, so the next two script
    runs anywhere on the server delete it: with many people on one server the browser
    then fetched a deleted file ("404", 5 of 10 sessions in bench/load.py). Wraps the
    manager's execute_deferred once; returns False (and changes nothing) if the manager
    is not the one this was written for."""
    if getattr(manager, "_ipdash_holds_made", False):
        return True
    callables = getattr(manager, "_deferred_callables", None)
    by_session = getattr(manager, "_files_by_session_and_coord", None)
    lock = getattr(manager, "_lock", None)
    execute = getattr(manager, "execute_deferred", None)
    if not isinstance(callables, dict) or not isinstance(by_session, dict) or lock is None:
        return False
    if execute is None:
        return False

    def execute_and_hold(file_id: str) -> str:
        entry = callables.get(file_id)
        url = execute(file_id)
        made = url.rsplit("/", 1)[-1].split(".", 1)[0]  # /media/<file id><extension>
        if isinstance(entry, dict):
            with lock:
                files = by_session.get(entry.get("session_id"))
                if files is not None:  # the session has not started another run yet
                    files[f"{entry.get('coordinates')}:made"] = made
        return url

    manager.execute_deferred = execute_and_hold
    manager._ipdash_holds_made = True
    return True


def _hold_made_downloads_on_this_server() -> None:
    from streamlit import runtime

    if runtime.exists():
        hold_made_downloads(runtime.get_instance().media_file_mgr)


def setup(title: str) -> Context:
    """Page config, house CSS, navigation and the database (built on first start)."""
    _hold_made_downloads_on_this_server()
    st.set_page_config(page_title=f"{title} · ipdash", page_icon=FAVICON, layout="wide")
    st.html(CSS)
    load_url_state()
    navigation()
    settings = current_settings()
    return Context(db=str(ensure_database(settings)), settings=settings)


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Show a plain message instead of a traceback; log the details on the server."""
    try:
        yield
    except ScriptControlException:  # st.stop / st.rerun: not errors
        raise
    except IpdashError as exc:
        st.error(md_escape(str(exc)))  # messages quote files and input: shown as typed
    except Exception as exc:  # the last line of defence for users
        LOG.error("page failed: %s\n%s", exc, traceback.format_exc())
        st.error(
            "Something went wrong while drawing this part of the page. "
            "Try clearing a filter or reloading; the details are in the server log."
        )


# ---------------------------------------------------------------------------------------
# State in the URL
#
# Every filter and view choice lives in the page address, with ids as values
# (?year=2012,2022&theme=judicial&agency=cnipa&role=lead), so that copying the address
# reproduces the view and opening it restores it. On each run the address is compared
# with what this session last wrote: if it differs (a link was opened, the page
# changed), its values are loaded into the widgets; after the widgets, the page writes
# the current values back. Malformed values are ignored, never an error.

# URL parameter -> kind. The first six are the filters shared by every page.
URL_PARAMS: dict[str, str] = {
    "year": "list",
    "theme": "list",
    "agency": "list",
    "role": "str",
    "successor": "bool",
    "q": "str",
    "measure": "str",
    "directed": "bool",
    "min_links": "int",
    "compare_a": "str",
    "compare_b": "str",
    "from": "str",
    "to": "str",
    "highlight": "list",
    "heat_value": "str",
    "lead_theme": "str",
    "profile": "str",
    "story": "str",
    "view": "int",
    "present": "bool",
}
FILTER_PARAMS = ("year", "theme", "agency", "role", "successor", "q")
_WRITTEN = "_url_written"
# Longest text value taken from a URL.
MAX_URL_VALUE_CHARS = 200


def _parse(kind: str, values: list[str]) -> object:
    if kind == "list":
        out: list[str] = []
        for value in values:
            for part in value.split(","):
                part = part.strip()[:MAX_URL_VALUE_CHARS]
                if part and part not in out:
                    out.append(part)
        return out[:200]
    first = clean_query(values[0]) if values else ""
    if kind == "bool":
        return parse_flag(first)
    if kind == "int":
        return int(first) if first.isdigit() and len(first) < 6 else None
    return first[:MAX_URL_VALUE_CHARS]


def _url_now() -> dict[str, str]:
    return {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}


def load_url_state() -> None:
    """Put the address's values into the widgets' state when the address is new to this
    session (opened from a link, or reached through the page menu)."""
    url = _url_now()
    if st.session_state.get(_WRITTEN) == url:
        return
    for key, kind in URL_PARAMS.items():
        if key in url:
            value = _parse(kind, st.query_params.get_all(key))
            if value is not None:
                st.session_state[key] = value
        elif key in st.session_state:
            del st.session_state[key]
    st.session_state[_WRITTEN] = url


def view_params(f: MeasureFilter | None = None, **view: object) -> dict[str, str]:
    """The filters and a page's own choices as address parameters (only what differs
    from the defaults): what the address holds and what a saved view records."""
    params: dict[str, str] = dict(to_params(f)) if f is not None else {}
    for key, value in view.items():
        if value in (None, "", False, [], ()):
            continue
        if isinstance(value, list | tuple):
            params[key] = ",".join(str(v) for v in value)
        elif value is True:
            params[key] = "1"
        else:
            params[key] = str(value)
    return params


def write_url(f: MeasureFilter | None = None, **view: object) -> dict[str, str]:
    """Write the filters and the page's own choices into the address, so the address
    always reproduces what is on screen; returns the parameters."""
    params = view_params(f, **view)
    if params != _url_now():
        st.query_params.from_dict(params)
    st.session_state[_WRITTEN] = params
    return params


def shared_filter_params() -> dict[str, str]:
    """The shared filters as they stand, for links to other pages."""
    url = _url_now()
    return {k: v for k, v in url.items() if k in FILTER_PARAMS}


def _keep_valid(key: str, options: list, multi: bool, default: object) -> None:
    """Make the widget's state a valid choice before the widget is drawn (a URL may name
    an option that does not exist, e.g. a body that is not in the current view)."""
    if key not in st.session_state:
        st.session_state[key] = default
        return
    value = st.session_state[key]
    if multi:
        st.session_state[key] = [v for v in (value or []) if v in options]
    elif value not in options:
        st.session_state[key] = default


def multiselect(where: Any, label: str, options: list, key: str, **kwargs: Any) -> list:
    _keep_valid(key, options, True, [])
    return where.multiselect(label, options, key=key, **kwargs)


def selectbox(
    where: Any, label: str, options: list, key: str, default: object, **kwargs: Any
) -> Any:
    _keep_valid(
        key, options, False, default if default in options else (options[0] if options else None)
    )
    return where.selectbox(label, options, key=key, **kwargs)


def segmented(
    where: Any, label: str, options: list, key: str, default: object, **kwargs: Any
) -> Any:
    _keep_valid(key, options, False, default)
    return where.segmented_control(label, options, key=key, required=True, **kwargs) or default


def toggle(where: Any, label: str, key: str, **kwargs: Any) -> bool:
    if not isinstance(st.session_state.get(key), bool):
        st.session_state[key] = False
    return bool(where.toggle(label, key=key, **kwargs))


def slider(
    where: Any, label: str, low: int, high: int, key: str, default: int, **kwargs: Any
) -> int:
    value = st.session_state.get(key)
    if not isinstance(value, int) or not low <= value <= high:
        st.session_state[key] = default
    return int(where.slider(label, low, high, key=key, **kwargs))


def text(where: Any, label: str, key: str, **kwargs: Any) -> str:
    if not isinstance(st.session_state.get(key), str):
        st.session_state[key] = ""
    return where.text_input(label, key=key, **kwargs)


# ---------------------------------------------------------------------------------------
# Filters


def _plan_label(year: int, period: str) -> str:
    return period if period != str(year) else str(year)


def _map_agencies_to_successors(ctx: Context) -> None:
    """When the successor view is switched, keep the chosen bodies: map each to its
    successor (or back to the bodies it succeeded that appear in the data)."""
    chosen = st.session_state.get("agency") or []
    if not chosen:
        return
    lineage = ctx.query("agency_successor_map")
    to_current = dict(zip(lineage["agency_id"], lineage["successor_id"], strict=True))
    if st.session_state.get("successor"):
        st.session_state["agency"] = list(dict.fromkeys(to_current.get(a, a) for a in chosen))
    else:
        named = set(ctx.query("agency_options", False)["agency_id"])
        back = [a for a, s in to_current.items() if s in chosen and a in named]
        st.session_state["agency"] = sorted(set(back) | (set(chosen) & named))


def clear_filters() -> None:
    st.session_state["year"] = []
    st.session_state["theme"] = []
    st.session_state["agency"] = []
    st.session_state["role"] = "any"
    st.session_state["successor"] = False
    st.session_state["q"] = ""


def filter_sidebar(
    ctx: Context,
    *,
    years: bool = True,
    themes: bool = True,
    agencies: bool = True,
    search: bool = True,
) -> MeasureFilter:
    """The sidebar filters (restored from and written to the URL); returns the filter
    they describe. A filter a page does not show keeps its value (it stays in the
    address for the other pages); the page decides whether it applies."""
    side = st.sidebar
    side.markdown("### Filters")
    plans = ctx.query("plans")
    labels = {
        str(y): _plan_label(y, p)
        for y, p in zip(plans["plan_year"], plans["period_label"], strict=True)
    }
    chosen_years: list[str] = list(st.session_state.get("year") or [])
    if years:
        chosen_years = multiselect(
            side,
            "Plans",
            list(labels),
            "year",
            format_func=lambda y: labels.get(y, y),
            placeholder="All plans",
            help="Leave empty for all plans. 2022 is the 2021–2022 plan.",
        )
    chosen_themes: list[str] = list(st.session_state.get("theme") or [])
    if themes:
        theme_rows = ctx.query("themes")
        theme_labels = dict(zip(theme_rows["theme_id"], theme_rows["label"], strict=True))
        chosen_themes = multiselect(
            side,
            "Themes",
            list(theme_labels),
            "theme",
            format_func=lambda t: theme_labels.get(t, t),
            placeholder="All themes",
            help="Each measure has one primary theme from the codebook "
            "(see the Theme shifts page).",
        )
    successor = toggle(
        side,
        "Map agencies to today's successor",
        "successor",
        on_change=_map_agencies_to_successors,
        args=(ctx,),
        help="Off: bodies as the plan named them (SIPO in 2012). On: each body is replaced by "
        "the one carrying its work today (SIPO → CNIPA, SAIC → SAMR).",
    )
    chosen_agencies: list[str] = list(st.session_state.get("agency") or [])
    role = st.session_state.get("role") or "any"
    if agencies:
        options = ctx.query("agency_options", successor)
        names = {
            a: f"{s} — {n} ({c})"
            for a, s, n, c in options.select(
                "agency_id", "short_name", "name", "n_measures"
            ).iter_rows()
        }
        chosen_agencies = multiselect(
            side,
            "Agencies",
            list(names),
            "agency",
            format_func=lambda a: names.get(a, a),
            placeholder="Any agency",
            help="Measures naming any of these bodies (number of measures in brackets).",
        )
        role = segmented(
            side,
            "…in the role",
            list(ROLES),
            "role",
            "any",
            format_func=lambda r: ROLE_LABELS[r],
            disabled=not chosen_agencies,
            help="leads = listed first; participates = listed after the lead; shares jointly = "
            "the text says the bodies act according to their division of responsibilities.",
        )
    query = st.session_state.get("q") or ""
    if search:
        query = text(
            side,
            "Search the text",
            "q",
            max_chars=200,
            placeholder="e.g. trade secret",
            help="Finds measures whose text or attribution contains this, ignoring case; "
            "or a measure id such as 2020-041.",
        )
    side.button("Clear filters", on_click=clear_filters, use_container_width=True)
    return MeasureFilter(
        years=tuple(int(y) for y in chosen_years if str(y).isdigit()),
        themes=tuple(t for t in chosen_themes if isinstance(t, str)),
        agencies=tuple(a for a in chosen_agencies if isinstance(a, str)),
        role=role if chosen_agencies and role in ROLES else "any",
        successor=bool(successor),
        query=clean_query(query or ""),
    )


# ---------------------------------------------------------------------------------------
# Rendering


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!$<>|~])")


def md_escape(text: str) -> str:
    """Text made literal for Streamlit's Markdown (no links, emphasis, HTML or $math$):
    for captions that carry user input such as a search string."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text or "")


def filters_caption(ctx: Context, f: MeasureFilter, extra: str = "") -> None:
    """The filters in words under a page title (the search string shown literally)."""
    st.caption(md_escape(ctx.describe(f) + extra))


def show_text(text: str, css_class: str = "ipd-text") -> None:
    """Document text as text: escaped, so <script>, [links](…) and $…$ show literally."""
    st.html(f'<div class="{css_class}">{html.escape(text or "")}</div>')


def text_on(background: str) -> str:
    """Black or white text, whichever reads better on the background colour."""
    try:
        return "#111111" if luminance(background) > 0.35 else "#FFFFFF"
    except (ValueError, IndexError):
        return "#111111"


def chip(label: str, colour: str) -> str:
    """A coloured label (HTML) for a theme or kind; the label is escaped."""
    text = text_on(colour)
    return (
        f'<span class="ipd-chip" style="background:{html.escape(colour)};color:{text}">'
        f"{html.escape(label)}</span>"
    )


def empty_state(message: str) -> None:
    st.info(f"{message}")
    st.button("Clear all filters", on_click=clear_filters, key="empty_clear")


def plot(
    fig: go.Figure,
    key: str | None = None,
    on_select: Callable | str = "ignore",
    chart: str | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    """A Plotly chart at full width; with on_select, clicking points reruns the page.
    With `chart` (its id in ipdash.present.views) and the parameters it was drawn with, a menu
    under the chart exports it (PNG, SVG, HTML) or adds it to a story."""
    config = {
        "displaylogo": False,
        "responsive": True,
        # Images are downloaded through the menu under the chart, which adds the source,
        # filters and data version; the camera button would save a bare chart.
        "modeBarButtonsToRemove": ["toImage"],
    }
    if on_select == "ignore":
        event = st.plotly_chart(fig, width="stretch", theme=None, config=config, key=key)
    else:
        event = st.plotly_chart(
            fig,
            width="stretch",
            theme=None,
            config=config,
            key=key,
            on_select=on_select,
            selection_mode=("points",),
        )
    if chart is not None:
        chart_actions(fig, chart, params or {}, key or chart)
    return event


def _plain_title(fig: go.Figure) -> str:
    return (
        re.sub(r"<[^<>]*>", "", fig.layout.title.text or "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


NEW_STORY = "__new__"
# The story the Stories page opens with: the one a view was last added to.
STORY_KEY = "_last_story"


def chart_actions(fig: go.Figure, chart: str, params: dict[str, str], key: str) -> None:
    """Export the chart (generated only when clicked) or add it to a story."""
    from ipdash.present import images, stories, views

    ctx = Context(str(current_db_path(current_settings().db_dir)))
    footer = images.footer_text(ctx.info.get("data_version", "?"))
    stem = views.view_file_stem(chart, ctx.query, params)
    with st.popover("Export or save", icon=":material/ios_share:"):
        st.markdown("**Download this chart** (with its title, filters, source and data version)")
        has_browser = images.find_chromium(ctx.settings.browser_path) is not None
        columns = st.columns(3)
        for column, fmt, label in zip(
            columns, ("png", "svg", "html"), ("PNG", "SVG", "HTML"), strict=True
        ):
            column.download_button(
                label,
                data=lambda fmt=fmt: images.render(fig, fmt, footer, ctx.settings.browser_path),
                file_name=f"{stem}.{fmt}",
                mime=images.FORMATS[fmt][0],
                key=f"{key}_{fmt}",
                help=images.FORMATS[fmt][1],
                on_click="ignore",
                use_container_width=True,
                disabled=fmt != "html" and not has_browser,
            )
        if not has_browser:
            st.caption("PNG and SVG need Chromium on the server (apt-get install chromium).")
        st.divider()
        st.markdown("**Add to a story** (for presenting and decks)")
        saved = stories.load_saved(ctx.settings.stories_file)
        names = {s.story_id: s.title for s in saved}
        target = st.selectbox(
            "Story",
            [*reversed(names), NEW_STORY],
            key=f"{key}_story",
            format_func=lambda s: names.get(s, "➕ a new story"),
            help="Your stories (the ready-made story is read-only: copy it on the Stories page "
            "to extend it).",
        )
        new_title = ""
        if target == NEW_STORY:
            new_title = st.text_input(
                "Title of the new story",
                key=f"{key}_new_title",
                max_chars=120,
                placeholder="e.g. Workshop, 12 May",
            )
        title = st.text_input(
            "Slide title", value=_plain_title(fig), key=f"{key}_view_title", max_chars=160
        )
        caption = st.text_area(
            "Caption (optional)",
            key=f"{key}_caption",
            max_chars=600,
            placeholder="What the room should take away from this chart",
        )
        if st.button("Add this view", key=f"{key}_add", type="primary"):
            view = stories.View(
                title=title or _plain_title(fig), chart=chart, params=dict(params), caption=caption
            )
            try:
                if target == NEW_STORY:
                    story_title = new_title.strip() or "My story"
                    taken = {s.story_id for s in stories.load_stories(ctx.settings.stories_file)}
                    story_id = stories.unique_id(story_title, taken)
                else:
                    story_title, story_id = names[target], target
                stories.update_stories(
                    lambda all_: stories.add_view(all_, story_id, view, title=story_title),
                    ctx.settings.stories_file,
                )
            except IpdashError as exc:
                st.error(md_escape(str(exc)))
            else:
                st.session_state[STORY_KEY] = story_id
                st.toast(f"Added to “{story_title}”. Open the Stories page to present it.")


def selected_points(key: str) -> list[dict]:
    """The points clicked in a chart (its key), with their customdata."""
    state = st.session_state.get(key)
    if not state:
        return []
    try:
        return list(state["selection"]["points"])
    except (KeyError, TypeError):
        return []


def downloads(
    ctx: Context,
    frame: pl.DataFrame | Callable[[], pl.DataFrame],
    stem: str,
    what: str,
    filters: str,
    column_notes: dict[str, str] | None = None,
    key: str = "dl",
) -> None:
    """CSV and Excel downloads of exactly this frame, named after what was filtered. For
    a callable (a large result, see all_measures) the files are made when clicked, not on
    every rerun (an Excel file of 100,000 measures takes seconds)."""
    info = ctx.info

    def rows() -> pl.DataFrame:
        return frame() if callable(frame) else frame

    def csv() -> bytes:
        return export.to_csv_bytes(rows())

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

    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        "Download CSV",
        csv if callable(frame) else csv(),
        icon=":material/download:",
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        use_container_width=True,
        on_click="ignore",
    )
    right.download_button(
        "Download Excel",
        xlsx if callable(frame) else xlsx(),
        icon=":material/table_view:",
        file_name=f"{stem}.xlsx",
        key=f"{key}_xlsx",
        use_container_width=True,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )


# Measures a table shows (and the Measures page offers to pick); the downloads hold every
# measure that matches. A browser table of 100,000 measures took seconds to send.
TABLE_ROWS = 1000


def measure_rows(ctx: Context, f: MeasureFilter) -> tuple[pl.DataFrame, int]:
    """The first TABLE_ROWS measures matching a filter, and how many match."""
    return ctx.query("first_measures", f, TABLE_ROWS), ctx.query("count_measures", f)


def all_measures(
    ctx: Context, f: MeasureFilter, shown: pl.DataFrame, total: int
) -> pl.DataFrame | Callable[[], pl.DataFrame]:
    """What a download of every measure matching a filter holds: the rows shown when they
    are all of them (the files are then made with the page and held for the session like
    any other), else a query run on click (a file made on click is kept for the session
    by hold_made_downloads; see docs/reliability.md)."""
    if total <= shown.height:
        return shown
    con = ctx.connection
    return lambda: queries.filtered_measures(con, f)


MEASURE_COLUMNS = {
    "plan_year": st.column_config.NumberColumn("plan", format="%d", width="small"),
    "measure_no": st.column_config.NumberColumn("no.", format="%d", width="small"),
    "measure_id": st.column_config.TextColumn("id", width="small"),
    "theme": st.column_config.TextColumn("theme", width="medium"),
    "lead_agency": st.column_config.TextColumn("leads", width="small"),
    "agencies": st.column_config.TextColumn("agencies (role)", width="medium"),
    "text": st.column_config.TextColumn("text", width="large"),
}


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


def footer(ctx: Context) -> None:
    info = ctx.info
    built = info.get("built_at")
    when = built.strftime("%Y-%m-%d %H:%M UTC") if built else "?"
    st.html(
        '<div class="ipd-footer">Source: '
        + html.escape(export.SOURCE_CITATION)
        + f" · data version {html.escape(str(info.get('data_version', '?')))}"
        + f" (build {html.escape(str(info.get('build_id', '?')))}, {html.escape(when)})</div>"
    )
