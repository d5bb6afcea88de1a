"""Charts on a page: a Plotly figure at full width, its click selections, and the menu
under it that exports it (PNG, SVG, HTML) or adds it to a story."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ipdash.errors import IpdashError
from ipdash.web.context import Context
from ipdash.web.page import md_escape


def plot(
    ctx: Context,
    fig: go.Figure,
    key: str | None = None,
    on_select: Callable | str = "ignore",
    chart: str | None = None,
    params: dict[str, str] | None = None,
    height: str | int = "content",
    modebar: bool = True,
) -> Any:
    """A Plotly chart at full width; with on_select, clicking points reruns the page.
    With `chart` (its id in ipdash.present.views) and the parameters it was drawn with, a
    menu under the chart exports it (PNG, SVG, HTML) or adds it to a story. `height`:
    "content" (the figure's), "stretch" (its container's) or pixels; `modebar`: Plotly's
    zoom and pan buttons (off for presenting)."""
    config = {
        "displaylogo": False,
        "responsive": True,
        "displayModeBar": "hover" if modebar else False,
        # Images are downloaded through the menu under the chart, which adds the source,
        # filters and data version; the camera button would save a bare chart.
        "modeBarButtonsToRemove": ["toImage"],
    }
    common = {"width": "stretch", "height": height, "theme": None, "config": config, "key": key}
    if on_select == "ignore":
        event = st.plotly_chart(fig, **common)
    else:
        event = st.plotly_chart(fig, **common, on_select=on_select, selection_mode=("points",))
    if chart is not None:
        chart_actions(ctx, fig, chart, params or {}, key or chart)
    return event


def _plain_title(fig: go.Figure) -> str:
    return (
        re.sub(r"<[^<>]*>", "", re.sub(r"<br\s*/?>", " ", fig.layout.title.text or ""))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


NEW_STORY = "__new__"
# The story the Stories page opens with: the one a view was last added to.
STORY_KEY = "_last_story"


def chart_actions(
    ctx: Context, fig: go.Figure, chart: str, params: dict[str, str], key: str
) -> None:
    """Export the chart (generated only when clicked) or add it to a story. The export
    cites the page's database generation (`ctx`), the one the chart was drawn from."""
    from ipdash.present import images, stories, views

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
        slide_downloads(ctx, fig, footer, stem, key, has_browser)
        if not has_browser:
            st.caption("PNG and SVG need Chromium on the server (apt-get install chromium).")
        st.divider()
        st.markdown("**Add to a story** (for presenting and decks)")
        saved = ctx.saved_stories()
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
                ctx._run_memo.pop("saved_stories", None)  # the next menu lists it
                st.toast(f"Added to “{story_title}”. Open the Stories page to present it.")


def slide_downloads(
    ctx: Context, fig: go.Figure, footer: str, stem: str, key: str, has_browser: bool
) -> None:
    """The "slide" preset: PNG and SVG drawn for a whole 16:9 slide, every piece of type
    at least 14 pt there (made when clicked)."""
    from ipdash.present import images

    st.markdown(
        f"**For a slide** (16:9, {images.SLIDE_INCHES[0]:.2f} × {images.SLIDE_INCHES[1]:g} in, "
        f"text at least {images.SLIDE_MIN_PT} pt)"
    )
    columns = st.columns(3)
    for column, fmt in zip(columns, images.SLIDE_FORMATS, strict=False):
        mime, help_text = images.SLIDE_FORMATS[fmt]
        column.download_button(
            f"Slide {fmt.upper()}",
            data=lambda fmt=fmt: images.render_slide(
                fig, fmt, footer, browser=ctx.settings.browser_path
            ),
            file_name=f"{stem}-slide.{fmt}",
            mime=mime,
            key=f"{key}_slide_{fmt}",
            help=help_text,
            on_click="ignore",
            use_container_width=True,
            disabled=not has_browser,
        )


def selected_points(key: str) -> list[dict]:
    """The points clicked in a chart (its key), with their customdata."""
    state = st.session_state.get(key)
    if not state:
        return []
    try:
        return list(state["selection"]["points"])
    except (KeyError, TypeError):
        return []
