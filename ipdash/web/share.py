"""Taking the data away: "Download all data" (the whole database in one zip) and "Cite
this view" (a permalink with the data version, as plain text, BibTeX and RIS)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath

import streamlit as st

from ipdash.present import bulk, citation, views
from ipdash.store.filters import MeasureFilter
from ipdash.web.context import Context
from ipdash.web.url_state import CURRENT_PAGE

# Where the app is when the browser does not say (tests; the address of ./run app).
DEFAULT_ADDRESS = "http://localhost:8501/"


def download_all_data(ctx: Context, key: str = "all_data") -> None:
    """A button that downloads the whole database: every table and view as CSV and
    Parquet, the data dictionary, the documentation and the data version, in one zip
    (made when clicked, about a second; held for the session by hold_made_downloads)."""
    version = str(ctx.info.get("data_version", "?"))
    con = ctx.connection
    st.download_button(
        "Download all data (.zip)",
        data=lambda: bulk.all_data_zip(views.query_on(con)),
        file_name=f"{bulk.folder_name(version)}.zip",
        mime="application/zip",
        icon=":material/database:",
        key=key,
        help="Every table of the database as CSV and as Parquet, with the data dictionary "
        f"(every column's type and meaning), the documentation and the data version {version}.",
        on_click="ignore",
        width="content",
    )


def page_address() -> str:
    """The page's address without its parameters, as the browser has it; when there is
    no browser (AppTest, bare mode), DEFAULT_ADDRESS with the page's path as Streamlit
    names it (pages/2_Agency_network.py → Agency_network)."""
    if st.context.url:
        return st.context.url
    page = str(st.session_state.get(CURRENT_PAGE) or "")
    name = re.sub(r"^\d+_", "", PurePosixPath(page).stem) if page.startswith("pages/") else ""
    return DEFAULT_ADDRESS + name


def _current_params() -> dict[str, str]:
    """The page address's parameters as they stand (lists joined by commas)."""
    return {
        key: ",".join(st.query_params.get_all(key))
        for key in st.query_params
        if key != citation.VERSION_PARAM
    }


def cite_this_view(
    ctx: Context,
    page_title: str,
    f: MeasureFilter | None = None,
    params: Mapping[str, str] | None = None,
    key: str = "cite",
) -> None:
    """A "Cite this view" popover: the permalink of the page (its address with
    `params`, by default the address's parameters as they stand, so call it after
    write_url; and the data version) and its citation as plain text, BibTeX and RIS,
    each to copy or download. The title is `page_title`, with the filters in words when
    `f` is given."""
    title = f"{page_title}: {ctx.describe(f)}" if f is not None else page_title
    address = page_address()
    wanted = dict(params) if params is not None else _current_params()
    version = str(ctx.info.get("data_version", "?"))
    cited = citation.citations(address, wanted, title, version, datetime.now(UTC).date())
    with st.popover("Cite this view", icon=":material/format_quote:"):
        st.markdown("**Permalink** (this view, with the data version it shows)")
        st.code(cited["url"], language=None, wrap_lines=True)
        text, bibtex, ris = st.tabs(["Text", "BibTeX", "RIS"])
        text.code(cited["text"], language=None, wrap_lines=True)
        bibtex.code(cited["bibtex"], language="latex", wrap_lines=True)
        bibtex.download_button(
            "Download .bib",
            cited["bibtex"].encode("utf-8"),
            file_name="ipdash-view.bib",
            mime="application/x-bibtex",
            key=f"{key}_bib",
            on_click="ignore",
        )
        ris.code(cited["ris"], language=None, wrap_lines=True)
        ris.download_button(
            "Download .ris",
            cited["ris"].encode("utf-8"),
            file_name="ipdash-view.ris",
            mime="application/x-research-info-systems",
            key=f"{key}_ris",
            on_click="ignore",
        )
        st.caption(
            "The data version identifies the data the view was drawn from; opening the "
            "link later shows the data as it is then."
        )
