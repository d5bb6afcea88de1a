"""The web layer: everything that calls Streamlit, so that pages stay thin scripts
(setup → filters → query → figure → render). Pages use it as `from ipdash import web`.

- context: the read-only connection per database generation, cached queries, Context
- url_state: every filter and view choice in the page address
- widgets: widgets kept valid against their options
- sidebar: the page list and the filters
- page: setup, the guard, showing text, the footer
- charts: a chart with its export-or-save menu
- tables: measure tables and downloads
- share: "Download all data" and "Cite this view"
- media_patch: the patch of Streamlit's download manager (version-specific)
- plans: what adding or removing a plan changes, and removing one (one guarded function)
- edits: who may add or remove plans (the admin token of a shared server), the change log
"""

from ipdash.web.charts import NEW_STORY, STORY_KEY, chart_actions, plot, selected_points
from ipdash.web.context import Context, ensure_database
from ipdash.web.edits import change_corpus, edits_allowed
from ipdash.web.measure_detail import show_measure
from ipdash.web.media_patch import hold_made_downloads
from ipdash.web.network import ego_view, tie_changes_table
from ipdash.web.page import (
    chip,
    empty_state,
    filters_caption,
    footer,
    guard,
    md_escape,
    setup,
    show_text,
    text_on,
)
from ipdash.web.plans import (
    manage_plans,
    published_plans,
    ready_made_plans,
    remove_plan,
    show_advice,
    show_decisions,
)
from ipdash.web.presenting import show_view
from ipdash.web.share import cite_this_view, download_all_data
from ipdash.web.sidebar import PAGES, clear_filters, filter_sidebar, navigation, page_link
from ipdash.web.tables import (
    MEASURE_COLUMNS,
    TABLE_ROWS,
    THEME_LEAD_COLUMNS,
    all_measures,
    downloads,
    measure_list,
    measure_rows,
    measure_table,
    readable_table,
    show_table,
    with_matches,
)
from ipdash.web.url_state import (
    FILTER_PARAMS,
    URL_PARAMS,
    load_url_state,
    shared_filter_params,
    view_params,
    with_names,
    write_url,
)
from ipdash.web.widgets import multiselect, segmented, selectbox, slider, text, toggle

__all__ = [
    "FILTER_PARAMS",
    "MEASURE_COLUMNS",
    "NEW_STORY",
    "PAGES",
    "STORY_KEY",
    "TABLE_ROWS",
    "THEME_LEAD_COLUMNS",
    "URL_PARAMS",
    "Context",
    "all_measures",
    "change_corpus",
    "chart_actions",
    "chip",
    "cite_this_view",
    "clear_filters",
    "download_all_data",
    "downloads",
    "edits_allowed",
    "ego_view",
    "empty_state",
    "ensure_database",
    "filter_sidebar",
    "filters_caption",
    "footer",
    "guard",
    "hold_made_downloads",
    "load_url_state",
    "manage_plans",
    "md_escape",
    "measure_list",
    "measure_rows",
    "measure_table",
    "multiselect",
    "navigation",
    "page_link",
    "plot",
    "published_plans",
    "readable_table",
    "ready_made_plans",
    "remove_plan",
    "segmented",
    "selectbox",
    "selected_points",
    "setup",
    "shared_filter_params",
    "show_advice",
    "show_decisions",
    "show_measure",
    "show_table",
    "show_text",
    "show_view",
    "slider",
    "text",
    "text_on",
    "tie_changes_table",
    "toggle",
    "view_params",
    "with_matches",
    "with_names",
    "write_url",
]
