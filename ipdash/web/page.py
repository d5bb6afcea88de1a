"""A page's frame: setup (page config, house CSS, URL state, navigation, database),
the guard that turns failures into plain messages, and the house's ways of showing text
(document text is always shown as text, never as Markdown or HTML)."""

from __future__ import annotations

import contextlib
import html
import re
import traceback
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ipdash.errors import IpdashError
from ipdash.present import citation, export
from ipdash.present.figures import luminance
from ipdash.settings import current as current_settings
from ipdash.store.filters import (
    MeasureFilter,
)
from ipdash.web.context import (
    LOG,
    Context,
    ensure_database,
)
from ipdash.web.media_patch import _hold_made_downloads_on_this_server
from ipdash.web.share import cite_this_view, download_all_data
from ipdash.web.sidebar import clear_filters, navigation, page_of
from ipdash.web.url_state import (
    CURRENT_PAGE,
    load_url_state,
    names_choice,
)

ASSETS = Path(__file__).resolve().parent / "assets"
# The house style and the behaviour Streamlit has no setting for (ipdash/web/assets/).
CSS = (ASSETS / "house.css").read_text(encoding="utf-8")
SCRIPT = (ASSETS / "house.js").read_text(encoding="utf-8")


# The browser tab's icon, served by the app itself (a Material icon as page_icon would
# make every browser fetch it from fonts.gstatic.com).
FAVICON = str(ASSETS / "favicon.png")


def setup(title: str) -> Context:
    """Page config, house CSS, navigation and the database (built on first start)."""
    _hold_made_downloads_on_this_server()
    st.set_page_config(page_title=f"{title} · ipdash", page_icon=FAVICON, layout="wide")
    st.html(f"<style>{CSS}</style>")
    st.html(f"<script>{SCRIPT}</script>", unsafe_allow_javascript=True)
    load_url_state()
    st.session_state[CURRENT_PAGE] = page_of(title)
    navigation()
    settings = current_settings()
    ctx = Context(db=str(ensure_database(settings)), settings=settings, names=names_choice())
    cited_version_note(ctx)
    return ctx


def cited_version_note(ctx: Context) -> None:
    """When the address is a permalink cited with another data version than the one
    shown (see "Cite this view"), say so above the page."""
    cited = st.session_state.get(citation.VERSION_PARAM)
    current = str(ctx.info.get("data_version", "?"))
    if isinstance(cited, str) and cited and cited != current:
        st.info(
            f"This link was cited with data version {md_escape(cited)}; the page shows the "
            f"data as it is now, version {current}, so numbers may differ from the cited ones.",
            icon=":material/history:",
        )


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


def footer(
    ctx: Context,
    cite: str | None = None,
    f: MeasureFilter | None = None,
    all_data: bool = True,
) -> None:
    """The source and data version under every page, with "Cite this view" (when the
    page gives its title, `cite`, and its filter `f` to put in words; call it after
    write_url, so the permalink is the address as it now stands) and "Download all data"
    (unless the page offers it itself: `all_data` False)."""
    info = ctx.info
    built = info.get("built_at")
    when = built.strftime("%Y-%m-%d %H:%M UTC") if built else "?"
    st.html(
        '<div class="ipd-footer">Source: '
        + html.escape(export.SOURCE_CITATION)
        + f" · data version {html.escape(str(info.get('data_version', '?')))}"
        + f" (build {html.escape(str(info.get('build_id', '?')))}, {html.escape(when)})</div>"
    )
    if cite is None and not all_data:
        return
    # Side by side at their own width (columns cut the labels on a tablet).
    with st.container(horizontal=True):
        if cite is not None:
            cite_this_view(ctx, cite, f)
        if all_data:
            download_all_data(ctx)
