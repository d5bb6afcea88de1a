"""Presentation mode: one view of a story per screen, for a projector or a shared screen.
Every part of a view (title, chart, caption, Previous/Next and "3 / 8") fits the window:
the chart takes the height the rest leaves (CSS from the lengths of the title and
caption); the keys move between views (ipdash/web/assets/house.js)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from ipdash.present import figures, stories, views
from ipdash.store import queries
from ipdash.web.charts import plot
from ipdash.web.context import Context

CSS = (Path(__file__).resolve().parent / "assets" / "present.css").read_text(encoding="utf-8")
# Type on the chart is this much larger than on the pages (read from the back of a room).
TEXT_SCALE = 1.15
PRESENT_PANELS_PER_ROW = 4
# Estimated characters per line of the view's title and caption, on a wide screen (the
# view is about 1200 pixels wide at 1280) and on a narrow one (a tablet, about 760).
TITLE_CHARS = {"wide": 58, "narrow": 40}
CAPTION_CHARS = {"wide": 100, "narrow": 62}
# The view's fixed parts in pixels: padding, the top line, the filter line, the buttons
# and the gaps between them; then per line of title and of caption.
FIXED_PX = 190
TITLE_LINE_PX = {"wide": 41, "narrow": 35}
CAPTION_LINE_PX = {"wide": 30, "narrow": 28}


def chrome_height(title: str, caption: str, screen: str) -> int:
    """Pixels the view's title, caption, buttons and lines take on a wide or narrow
    screen (estimated from their lengths): the chart gets the rest of the window."""
    title_lines = max(1, math.ceil(len(title) / TITLE_CHARS[screen]))
    caption_lines = math.ceil(len(caption) / CAPTION_CHARS[screen]) if caption else 0
    filter_lines = 1 if screen == "wide" else 2
    return (
        FIXED_PX
        + title_lines * TITLE_LINE_PX[screen]
        + caption_lines * CAPTION_LINE_PX[screen]
        + (filter_lines - 1) * 18
    )


def presentation_figure(fig: go.Figure) -> go.Figure:
    """A view's chart for the screen: no title (the view states it larger), no small
    print (the view states its filters; pages and exports keep the note), heatmap cells
    with their share only, type enlarged, the height left to the window."""
    out = figures.untitled(figures.without_note(fig))
    for trace in out.data:
        if trace.type == "heatmap" and trace.text is not None:
            trace.text = [[cell.split("<br>")[-1] for cell in row] for row in trace.text]
    out = figures.scaled_text(out, TEXT_SCALE)
    out.update_layout(height=None, autosize=True)
    return out


def show_view(
    ctx: Context,
    facts: dict[str, str],
    story: stories.Story,
    index: int,
    go_to: Callable[[int], None],
    stop: Callable[[], None],
) -> None:
    """One view per screen: the story and "3 / 8", the view's title, its chart, its
    caption, the filters it shows, and Previous / Next / Exit."""
    count = len(story.views)
    view = stories.resolved(story.views[index], facts)
    wide = chrome_height(view.title, view.caption, "wide")
    narrow = chrome_height(view.title, view.caption, "narrow")
    st.html(
        f"<style>{CSS}:root {{ --ipd-chrome: {wide}px; --ipd-chrome-narrow: {narrow}px; }}</style>"
    )
    st.html(
        f"<div class='ipd-present-top'><span>{html.escape(stories.title_of(story, facts))}"
        f"</span><span class='ipd-present-position'>{index + 1} / {count}</span></div>"
        f"<div class='ipd-present-title'>{html.escape(view.title)}</div>"
    )
    plans = ctx.query(queries.plans)
    labels = dict(zip(plans["plan_year"], plans["period_label"], strict=True))
    missing = stories.view_plans(view, set(labels), labels)
    if missing.note:
        st.info(missing.note)
    if missing.drawable:
        # A projector is wide: small multiples side by side, as tall as the screen allows.
        params = {**view.params, "per_row": str(PRESENT_PANELS_PER_ROW)}
        figure = presentation_figure(views.build(view.chart, ctx.query, params))
        with st.container(key="ipd_present_chart"):
            plot(
                ctx,
                figure,
                key=f"present_{story.story_id}_{index}",
                height="stretch",
                modebar=False,
            )
    if view.caption:
        st.html(f"<div class='ipd-present-caption'>{html.escape(view.caption)}</div>")
    described = views.describe_view(view.chart, ctx.query, view.params)
    st.html(f"<div class='ipd-present-filters'>{html.escape(described)}</div>")
    _buttons(index, count, go_to, stop)


def _buttons(
    index: int, count: int, go_to: Callable[[int], None], stop: Callable[[], None]
) -> None:
    back, position, forward, _, leave = st.columns(
        [1.2, 0.7, 1.2, 2.4, 1.5], vertical_alignment="center"
    )
    back.button(
        "Previous",
        icon=":material/arrow_back:",
        on_click=go_to,
        args=(index - 1,),
        disabled=index == 0,
        width="stretch",
        key="present_previous",
        help="Previous view (←, Page Up)",
    )
    position.markdown(f"**{index + 1} / {count}**")
    forward.button(
        "Next",
        icon=":material/arrow_forward:",
        on_click=go_to,
        args=(index + 1,),
        disabled=index >= count - 1,
        type="primary",
        width="stretch",
        key="present_next",
        help="Next view (→, Page Down, space)",
    )
    leave.button(
        "Exit",
        icon=":material/close_fullscreen:",
        on_click=stop,
        width="stretch",
        key="present_exit",
        help="Back to the story's list of views (Esc)",
    )
