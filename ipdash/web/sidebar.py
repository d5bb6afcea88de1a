"""The sidebar: the page list (links carry the shared filters) and the filters."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ipdash.present.names import LANGUAGES
from ipdash.store import queries
from ipdash.store.filters import (
    ROLE_LABELS,
    ROLES,
    MeasureFilter,
    clean_query,
)
from ipdash.web.context import Context
from ipdash.web.url_state import NAMES, page_link_params
from ipdash.web.widgets import multiselect, segmented, text, toggle

# The pages in the order and with the names users see (the file names order them too),
# with the address parameters that are each page's own choices.
PAGES = (
    ("app.py", "Overview", ":material/home:", ()),
    ("pages/1_Measures.py", "Measures", ":material/list_alt:", ("measure",)),
    (
        "pages/2_Agency_network.py",
        "Agency network",
        ":material/hub:",
        ("directed", "min_links", "ties", "compare_a", "compare_b", "focus"),
    ),
    (
        "pages/3_Theme_shifts.py",
        "Theme shifts",
        ":material/trending_up:",
        ("from", "to", "highlight", "heat_value", "lead_theme"),
    ),
    ("pages/4_Agency_profile.py", "Agency profile", ":material/account_balance:", ("profile",)),
    ("pages/5_Data_quality.py", "Data quality", ":material/fact_check:", ()),
    ("pages/6_Stories.py", "Stories", ":material/slideshow:", ("story",)),
    ("pages/7_Add_a_plan.py", "Add a plan", ":material/upload_file:", ()),
)


def page_link(where: Any, title: str, help: str | None = None) -> None:
    """A link to the page called `title` in `where` (a column, the page), carrying the
    filters and the page's own choices as the sidebar's links do."""
    path, label, icon, own = next(page for page in PAGES if page[1] == title)
    where.page_link(
        path, label=label, icon=icon, help=help, query_params=page_link_params(path, own)
    )


def page_of(title: str) -> str:
    """The page file of a page title ("Agency network" → pages/2_Agency_network.py)."""
    return next((path for path, label, _, _ in PAGES if label == title), "")


def navigation() -> None:
    """The page list at the top of the sidebar. The shared filters travel with the
    links, so the same selection opens on every page, and each link brings back the
    page's own choices as they were left."""
    for path, label, icon, own in PAGES:
        st.sidebar.page_link(path, label=label, icon=icon, query_params=page_link_params(path, own))
    segmented(
        st.sidebar,
        "Names of bodies",
        list(LANGUAGES),
        NAMES,
        "en",
        format_func=LANGUAGES.get,
        help="Bodies in charts, tables and downloads by their English short names (CNIPA) "
        "or the Chinese short forms the plans write (国家知识产权局).",
    )
    st.sidebar.divider()


# ---------------------------------------------------------------------------------------
# Filters


def _plan_label(year: int, period: str) -> str:
    return period if period != str(year) else str(year)


def _map_agencies_to_successors(ctx: Context) -> None:
    """When the successor view is switched, keep the chosen bodies: map each to its
    successor (or back to the bodies it succeeded that appear in the data)."""
    from ipdash.present.views import agencies_in_view

    chosen = st.session_state.get("agency") or []
    if chosen:
        successor = bool(st.session_state.get("successor"))
        st.session_state["agency"] = agencies_in_view(ctx.query, chosen, successor)


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
    plans = ctx.query(queries.plans)
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
            help="Leave empty for all plans.",
        )
    chosen_themes: list[str] = list(st.session_state.get("theme") or [])
    if themes:
        theme_rows = ctx.query(queries.themes)
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
        plan_years = tuple(int(y) for y in chosen_years if str(y).isdigit())
        options = ctx.query(queries.agency_options, successor, plan_years)
        names = {
            a: f"{s} ({c}) — {n}"
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
            help="Measures naming any of these bodies. In brackets: its measures in the plans "
            "chosen above (all plans when none is chosen).",
        )
        role = segmented(
            side,
            "…in the role",
            list(ROLES),
            "role",
            "any",
            format_func=lambda r: ROLE_LABELS[r],
            # Never disabled: a control switched on by the previous choice swallowed its
            # first click. Without an agency chosen the role has nothing to apply to.
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
