"""Figure builders: Polars frames in, Plotly figures out. They never call Streamlit, so
the same figure goes to the page, to PNG/SVG/HTML exports and to the deck.

Every figure states what it shows in its title, the filters in its subtitle and what
is normalised by what in a note; themes keep their codebook colour and agency kinds
their registry colour on every chart (muted, colour-blind-considerate palettes), and
no chart relies on colour alone: lines and points carry text labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#222222"
MUTED = "#767676"  # 4.5:1 on white: readable secondary text
GRID = "#E5E5E5"
# The canvas every chart is designed for (also the export size: 16:9 slide).
WIDTH, HEIGHT = 1600, 900


# Charts are drawn at whatever width the screen gives them, from a tablet held upright
# (about 700 pixels of chart) to a 1920-pixel projector, and exported at 1600 x 900.
# Plotly does not wrap text, so titles, subtitles and notes are wrapped here at what fits
# the narrowest of these widths (Liberation Sans: about 0.56 x the font size per
# character; bold titles about 0.6).
NARROWEST_CHART_PX = 680
TITLE_SIZE, SUBTITLE_SIZE, NOTE_SIZE = 22, 14, 12


def chars_per_line(font_px: float, width_px: float = NARROWEST_CHART_PX, bold: bool = False) -> int:
    """How many characters of this font size fit on a line of `width_px` pixels."""
    return int(width_px / (font_px * (0.6 if bold else 0.56)))


def style(
    fig: go.Figure,
    title: str,
    subtitle: str = "",
    note: str = "",
    height: int | None = None,
    panels: bool = False,
    legend: str = "right",
    x_axis: bool = True,
) -> go.Figure:
    """The house style: left-aligned title and subtitle, a note under the plot area,
    white background, light grid, readable fonts; title, subtitle and note wrapped to
    fit the narrowest chart (NARROWEST_CHART_PX). `panels`: the figure has subplot
    titles (more room above the plot). `legend`: "right" (a vertical legend right of the
    plot, for short entries) or "top" (one row above the plot that wraps, for long
    entries that would squeeze a narrow plot). `x_axis`: False for charts without one
    (a network): the note then sits right under the plot."""
    title_lines = wrap(title, chars_per_line(TITLE_SIZE, bold=True)) or [""]
    subtitle_lines = wrap(subtitle, chars_per_line(SUBTITLE_SIZE))
    # The title block: 20 px above the title, 28 per title line, 20 per subtitle line.
    title_block = 20 + 28 * len(title_lines) + 20 * max(1, len(subtitle_lines)) + 12
    top = title_block + (32 if panels else 0) + 18
    fig.update_layout(
        title={
            "text": "<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines),
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": TITLE_SIZE, "color": INK},
            "subtitle": {
                "text": "<br>".join(_escape(line) for line in subtitle_lines),
                "font": {"size": SUBTITLE_SIZE, "color": MUTED},
            },
        },
        font={"family": FONT, "size": 14, "color": INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 20, "r": 40, "t": top, "b": 50},
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"},
        legend=_legend(legend, title_block, height),
        # What untitled() needs to take the title block away (and the page's script to
        # recognise a chart: see meta "kind").
        meta={**_meta(fig), "title_block": title_block},
    )
    if height:
        fig.update_layout(height=height)
    if legend == "top":
        fig.update_layout(margin={"t": top + LEGEND_ROOM})
    if note:
        note_lines = wrap(note, chars_per_line(NOTE_SIZE))
        room_below = 70 if x_axis else 6  # the x-axis and its title, or nothing
        fig.update_layout(margin={"b": room_below + 14 + 17 * len(note_lines)})
        fig.add_annotation(
            text="<br>".join(_escape(line) for line in note_lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-room_below,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": NOTE_SIZE, "color": MUTED},
            name="note",  # re-wrapped when the type is scaled (scaled_text)
        )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, linecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zeroline=False, linecolor=GRID, automargin=True)
    return fig


# Room a legend above the plot takes: two rows of entries (a narrow chart wraps them).
LEGEND_ROOM = 56


def _meta(fig: go.Figure) -> dict:
    """The figure's ipdash notes (layout.meta), a dict."""
    meta = fig.layout.meta
    return dict(meta) if isinstance(meta, dict) else {}


def _legend(where: str, title_block: int, height: int | None) -> dict:
    if where == "top":
        # Right under the title block, in the figure's own coordinates (not the plot's:
        # subplot titles sit right above the plot); wrapped by Plotly when narrow.
        return {
            "orientation": "h",
            "yref": "container",
            "yanchor": "top",
            "y": 1 - title_block / (height or 450),
            "xanchor": "left",
            "x": 0,
            "font": {"size": 13},
            "title": {"text": ""},
        }
    # A vertical legend right of the plot never collides with titles; Plotly widens the
    # right margin to fit it.
    return {
        "orientation": "v",
        "yanchor": "top",
        "y": 1.0,
        "xanchor": "left",
        "x": 1.01,
        "font": {"size": 13},
        "title": {"text": ""},
    }


# Room the title and subtitle take above the plot (see style()).
TITLE_ROOM = 80


def without_note(fig: go.Figure) -> go.Figure:
    """A copy without the note under the plot (and without the room it took)."""
    out = go.Figure(fig)
    notes = [a for a in out.layout.annotations if a.name == "note"]
    if notes:
        out.layout.annotations = [a for a in out.layout.annotations if a.name != "note"]
        below = -(notes[0].yshift or 0)
        out.update_layout(margin={"b": round(below + 10)})
    return out


def untitled(fig: go.Figure, height: int | None = None) -> go.Figure:
    """A copy without title and subtitle, for a slide or a screen that states them in its
    own larger type; the plot (and a legend above it) moves up into their room."""
    out = go.Figure(fig)
    top = out.layout.margin.t if out.layout.margin.t is not None else 110
    block = _meta(out).get("title_block", TITLE_ROOM)
    out.update_layout(
        title={"text": "", "subtitle": {"text": ""}}, margin={"t": max(24, top - block + 8)}
    )
    if out.layout.legend.yref == "container":  # a legend above the plot: to the top
        out.update_layout(legend={"y": 0.995})
    if height:
        out.update_layout(height=height)
    return out


_FONT_KEYS = {"font", "textfont", "tickfont", "insidetextfont", "outsidetextfont"}


def _scale_fonts(node: object, factor: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict) and "size" in value:
                size = value["size"]
                if isinstance(size, int | float):
                    value["size"] = round(size * factor, 1)
            _scale_fonts(value, factor)
    elif isinstance(node, list):
        for item in node:
            _scale_fonts(item, factor)


def scale_geometry(layout: dict, factor: float) -> None:
    """Grow a figure dict's layout margins and annotation offsets by `factor` (with its
    type: text grown by a factor needs that much more room)."""
    margin = layout.setdefault("margin", {})
    for side in ("t", "b", "l", "r"):
        if isinstance(margin.get(side), int | float):
            margin[side] = round(margin[side] * factor)
    for annotation in layout.get("annotations", []):
        for shift in ("xshift", "yshift"):
            if isinstance(annotation.get(shift), int | float):
                annotation[shift] = annotation[shift] * factor


def scaled_text(fig: go.Figure, factor: float) -> go.Figure:
    """A copy with every font (titles, labels, ticks, legend, notes) `factor` times
    larger and the margins grown to match: the same chart, readable from the back of a
    room."""
    data = fig.to_dict()
    layout = data.setdefault("layout", {})
    layout.setdefault("font", {}).setdefault("size", 14)
    _scale_fonts(data, factor)
    scale_geometry(layout, factor)
    margin = layout["margin"]
    for annotation in layout.get("annotations", []):
        if annotation.get("name") == "note":  # larger type: fewer characters per line
            size = annotation.get("font", {}).get("size", NOTE_SIZE)
            words = re.sub(r"<br>", " ", annotation.get("text", ""))
            lines = wrap(words, chars_per_line(size))
            annotation["text"] = "<br>".join(lines)
            below = -annotation.get("yshift", 0)
            margin["b"] = round(below + 14 + 1.4 * size * len(lines))
    return go.Figure(data)


def wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most `width` characters at spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def text_colour(hex_colour: str, min_contrast: float = 4.5) -> str:
    """The colour darkened until text in it reads on white (WCAG contrast >= 4.5:1), so
    pale theme colours (sand, cyan) still label their lines legibly."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    for _ in range(40):
        colour = f"#{r:02X}{g:02X}{b:02X}"
        if 1.05 / (luminance(colour) + 0.05) >= min_contrast:
            return colour
        r, g, b = int(r * 0.9), int(g * 0.9), int(b * 0.9)
    return INK


def _escape(text: str) -> str:
    """Plotly renders a few HTML tags in text; source text must show literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def empty_figure(title: str, message: str, subtitle: str = "") -> go.Figure:
    """A figure that explains why there is nothing to show."""
    fig = go.Figure()
    fig.add_annotation(
        text=_escape(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 18, "color": MUTED},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title, subtitle, height=420)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def spread_labels(values: list[float], min_gap: float) -> list[float]:
    """Positions for labels at `values` so that no two are closer than `min_gap`: labels
    that would collide form a cluster centred on their mean value (order is kept)."""
    clusters: list[tuple[list[int], float]] = []  # (indices bottom-up, first position)
    for index in sorted(range(len(values)), key=lambda i: values[i]):
        clusters.append(([index], values[index]))
        while len(clusters) > 1:
            (low, low_pos), (high, high_pos) = clusters[-2], clusters[-1]
            if low_pos + len(low) * min_gap <= high_pos:
                break
            items = low + high
            mean = sum(values[i] for i in items) / len(items)
            clusters[-2:] = [(items, mean - (len(items) - 1) * min_gap / 2)]
    out = [0.0] * len(values)
    for items, first in clusters:
        for k, index in enumerate(items):
            out[index] = first + k * min_gap
    return out


def _plan_label(year: int, period: str) -> str:
    return period if period and period != str(year) else str(year)


# ---------------------------------------------------------------------------------------
# Theme shifts


def theme_dumbbell(
    change: pl.DataFrame, label_a: str, label_b: str, subtitle: str = ""
) -> go.Figure:
    """Share of measures per theme in two plans, one row per theme, sorted by change.

    `change` comes from queries.theme_change. An open circle marks the first plan, a
    filled one the second; the change in percentage points is written at the right."""
    title = f"How priorities moved: share of measures by theme, {label_a} vs {label_b}"
    if (
        change.height == 0
        or change["n_plan_a"].max() in (None, 0)
        or change["n_plan_b"].max() in (None, 0)
    ):
        return empty_figure(
            title, "No measures match in one of the two plans: clear a filter.", subtitle
        )
    rows = change.sort(["change_pp", "precedence"], descending=[False, True])
    labels = rows["label"].to_list()
    a = [(v or 0) * 100 for v in rows["share_a"].to_list()]
    b = [(v or 0) * 100 for v in rows["share_b"].to_list()]
    colours = rows["colour"].to_list()
    hover = [
        f"<b>{lab}</b><br>{label_a}: {na} of {pa} measures ({sa:.1f}%)<br>"
        f"{label_b}: {nb} of {pb} measures ({sb:.1f}%)<br>change: {cp:+.1f} points"
        for lab, na, pa, sa, nb, pb, sb, cp in zip(
            labels,
            rows["n_a"],
            rows["n_plan_a"],
            a,
            rows["n_b"],
            rows["n_plan_b"],
            b,
            rows["change_pp"],
            strict=True,
        )
    ]
    fig = go.Figure()
    for lab, xa, xb, colour in zip(labels, a, b, colours, strict=True):
        fig.add_trace(
            go.Scatter(
                x=[xa, xb],
                y=[lab, lab],
                mode="lines",
                line={"color": colour, "width": 4},
                opacity=0.55,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=a,
            y=labels,
            mode="markers",
            name=label_a,
            showlegend=False,
            marker={"size": 15, "color": "white", "line": {"color": colours, "width": 3}},
            customdata=[[lab, label_a] for lab in labels],
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=b,
            y=labels,
            mode="markers",
            name=label_b,
            showlegend=False,
            marker={"size": 15, "color": colours, "line": {"color": INK, "width": 1}},
            customdata=[[lab, label_b] for lab in labels],
            hovertext=hover,
            hoverinfo="text",
        )
    )
    # Both levels and the change, written right of the pair whichever way it moved: the
    # numbers an executive quotes ("from 12% to 20%") are on the chart, not only on hover.
    fig.add_trace(
        go.Scatter(
            x=[max(xa, xb) for xa, xb in zip(a, b, strict=True)],
            y=labels,
            mode="text",
            text=[
                f"   {xa:.0f}% → {xb:.0f}% ({cp:+.1f} pt)"
                for xa, xb, cp in zip(a, b, rows["change_pp"], strict=True)
            ],
            textposition="middle right",
            textfont={"size": 13, "color": INK},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    # Legend entries in neutral ink: the shape, not the colour, tells the plans apart.
    for name, fill in ((label_a, "white"), (label_b, MUTED)):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker={"size": 13, "color": fill, "line": {"color": INK, "width": 2}},
            )
        )
    xmax = max(a + b) if a or b else 1
    fig.update_xaxes(
        title_text="share of the plan's measures (%)", ticksuffix="%", range=[0, xmax * 1.8 + 2]
    )
    fig.update_yaxes(title_text="", categoryorder="array", categoryarray=labels)
    note = (
        f"Share = measures whose primary theme is the theme ÷ the plan's present measures "
        f"that match the filters ({label_a}: {change['n_plan_a'][0]}, "
        f"{label_b}: {change['n_plan_b'][0]}). Open circle: {label_a}; filled: {label_b}; "
        "pt = percentage points."
    )
    return style(fig, title, subtitle, note, height=max(520, 60 * len(labels) + 200))


# Theme names at the end of their lines wrap at this many characters (two lines for the
# longest), so they fit beside the last plan on a tablet.
END_LABEL_CHARS = 20


def theme_trends(
    counts: pl.DataFrame,
    highlight: tuple[str, ...] = (),
    subtitle: str = "",
    omitted: str = "",
) -> go.Figure:
    """Share of measures per theme across all plans, one line per theme, labelled at its
    end. `highlight` colours only those themes and greys the rest (for a talk);
    `omitted` says which plans omit measures in the source (for the note)."""
    title = "Share of measures by theme in each plan"
    if counts.height == 0 or (counts["n_plan"].max() or 0) == 0:
        return empty_figure(title, "No measures match: clear a filter.", subtitle)
    fig = go.Figure()
    years = sorted(set(counts["plan_year"].to_list()))
    periods = dict(zip(counts["plan_year"], counts["period_label"], strict=True))
    end_labels: list[tuple[float, str, str]] = []
    for theme_id in counts.sort("precedence")["theme_id"].unique(maintain_order=True).to_list():
        rows = counts.filter(pl.col("theme_id") == theme_id).sort("plan_year")
        label = rows["label"][0]
        on = not highlight or theme_id in highlight
        colour = rows["colour"][0] if on else "#CFCFCF"
        y = [None if s is None else s * 100 for s in rows["share"].to_list()]
        hover = [
            f"<b>{label}</b><br>{_plan_label(yr, periods[yr])}: {n} of {p} measures ({_pct(s)})"
            for yr, n, p, s in zip(
                rows["plan_year"], rows["n"], rows["n_plan"], rows["share"], strict=True
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["plan_year"].to_list(),
                y=y,
                mode="lines+markers",
                name=label,
                line={"color": colour, "width": 3.5 if on else 1.5},
                marker={"size": 9 if on else 5, "color": colour},
                hovertext=hover,
                hoverinfo="text",
                customdata=[[theme_id, yr] for yr in rows["plan_year"]],
                showlegend=False,
                legendgroup=theme_id,
            )
        )
        last = next((v for v in reversed(y) if v is not None), None)
        if last is not None and on:
            end_labels.append((last, label, colour))
    if end_labels:
        top = max(v for v, _, _ in end_labels) or 1.0
        lines = [wrap(label, END_LABEL_CHARS) for _, label, _ in end_labels]
        gap = top * 0.042 * max(len(x) for x in lines)
        positions = spread_labels([v for v, _, _ in end_labels], min_gap=gap)
        for (_, _, colour), text, ypos in zip(end_labels, lines, positions, strict=True):
            fig.add_annotation(
                x=years[-1],
                y=ypos,
                text="<br>".join(_escape(t) for t in text),
                align="left",
                xanchor="left",
                showarrow=False,
                xshift=12,
                font={"size": 13, "color": text_colour(colour)},
            )
    fig.update_xaxes(
        tickvals=years,
        ticktext=[_plan_label(y, periods[y]) for y in years],
        range=[years[0] - 0.5, years[-1] + max(2.0, 0.42 * (years[-1] - years[0]))],
    )
    fig.update_yaxes(
        title_text="share of the plan's measures (%)", ticksuffix="%", rangemode="tozero"
    )
    note = (
        "Share = measures with the theme ÷ the plan's present measures that match the "
        "filters. Lines join successive plans (there are no plans in between)"
        + (f"; {omitted}." if omitted else ".")
    )
    return style(fig, title, subtitle, note, height=700)


def theme_heatmap(counts: pl.DataFrame, value: str = "share", subtitle: str = "") -> go.Figure:
    """Themes x plans: colour = share (or count); every cell says both."""
    title = f"Measures by theme and plan ({'share of the plan' if value == 'share' else 'count'})"
    if counts.height == 0 or (counts["n_plan"].max() or 0) == 0:
        return empty_figure(title, "No measures match: clear a filter.", subtitle)
    themes = counts.sort("precedence")["label"].unique(maintain_order=True).to_list()
    theme_ids = counts.sort("precedence")["theme_id"].unique(maintain_order=True).to_list()
    years = sorted(set(counts["plan_year"].to_list()))
    periods = dict(zip(counts["plan_year"], counts["period_label"], strict=True))
    columns = [_plan_label(y, periods[y]) for y in years]
    z, text, hover, custom = [], [], [], []
    for theme_id, label in zip(theme_ids, themes, strict=True):
        row_z, row_t, row_h, row_c = [], [], [], []
        for y in years:
            cell = counts.filter((pl.col("theme_id") == theme_id) & (pl.col("plan_year") == y))
            n, n_plan, share = cell["n"][0], cell["n_plan"][0], cell["share"][0]
            row_z.append(None if n_plan == 0 else ((share or 0) * 100 if value == "share" else n))
            row_t.append("" if n_plan == 0 else f"{n}<br>{_pct(share)}")
            row_h.append(
                f"<b>{label}</b><br>{_plan_label(y, periods[y])}: {n} of {n_plan} "
                f"measures ({_pct(share)})"
            )
            row_c.append([theme_id, y])
        z.append(row_z)
        text.append(row_t)
        hover.append(row_h)
        custom.append(row_c)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=themes,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13},
            hovertext=hover,
            hoverinfo="text",
            customdata=custom,
            colorscale="Blues",
            xgap=3,
            ygap=3,
            colorbar={
                # No colour-bar title (Plotly draws it over the tick labels): the ticks
                # carry the unit and the note says what the colour shows.
                "ticksuffix": "%" if value == "share" else " measures",
            },
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="top", showgrid=False, type="category")
    note = (
        "Each cell: measures with the theme, and their share of the plan's present measures "
        "that match the filters. Colour shows the "
        f"{'share' if value == 'share' else 'count'}."
    )
    fig = style(fig, title, subtitle, note, height=max(560, 44 * len(themes) + 250))
    # The plan labels sit on top of the cells: room for them under the subtitle.
    return fig.update_layout(margin={"t": fig.layout.margin.t + 30})


# ---------------------------------------------------------------------------------------
# Agencies

# Roles are told apart by lightness as well as hue (lead darkest), colour-blind safe.
ROLE_COLOURS = {"lead": "#33415C", "participant": "#8DA0CB", "joint": "#E6AB02"}
ROLE_LABELS = {"lead": "leads", "participant": "participates", "joint": "shares jointly"}


def no_bodies_clause(without_bodies: Sequence[str]) -> str:
    """ " (the 2014 plan names none)" for the plans naming no bodies, or nothing."""
    if not without_bodies:
        return ""
    if len(without_bodies) == 1:
        return f" (the {without_bodies[0]} plan names none)"
    return f" (the {', '.join(without_bodies)} plans name none)"


# Small multiples go in rows of at most this many panels: at tablet width two panels of
# five bodies each are still readable, four are not.
PANELS_PER_ROW = 2


def panel_grid(n: int, per_row: int = PANELS_PER_ROW) -> tuple[int, int]:
    """(rows, columns) for n panels, at most `per_row` to a row."""
    cols = max(1, min(n, per_row))
    return -(-n // cols), cols


def top_leads(
    top: pl.DataFrame,
    kinds: pl.DataFrame,
    subtitle: str = "",
    without_bodies: Sequence[str] = (),
    per_row: int = PANELS_PER_ROW,
) -> go.Figure:
    """Per plan, the bodies leading most measures: one panel per plan (at most `per_row`
    to a row), bars coloured by agency kind and labelled with the count and the share of
    the plan's measures. `without_bodies`: labels of plans that name no bodies (the note)."""
    from plotly.subplots import make_subplots

    title = "Who leads most: measures led per body, top five in each plan"
    if top.height == 0:
        return empty_figure(title, "No plan names responsible bodies for these filters.", subtitle)
    years = sorted(set(top["plan_year"].to_list()))
    colours = dict(zip(kinds["kind"], kinds["colour"], strict=True))
    # The legend's short kind names keep it to one line.
    label_column = "short_label" if "short_label" in kinds.columns else "label"
    labels = dict(zip(kinds["kind"], kinds[label_column], strict=True))
    periods = dict(zip(top["plan_year"], top["period_label"], strict=True))
    rows, cols = panel_grid(len(years), per_row)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{_plan_label(y, periods[y])} plan" for y in years],
        horizontal_spacing=0.16,
        vertical_spacing=min(0.3, 0.55 / rows),
    )
    shown_kinds: set[str] = set()
    # Room right of the longest bar for its label (narrower panels need more of theirs).
    headroom = top["n_led"].max() * (1.7 if cols <= 2 else 2.1)
    for index, year in enumerate(years):
        row, col = divmod(index, cols)
        plan = top.filter(pl.col("plan_year") == year).sort("rank", descending=True)
        for r in plan.iter_rows(named=True):
            kind = r["kind"]
            fig.add_trace(
                go.Bar(
                    x=[r["n_led"]],
                    y=[r["short_name"]],
                    orientation="h",
                    marker={"color": colours.get(kind, MUTED)},
                    name=labels.get(kind, kind),
                    legendgroup=kind,
                    showlegend=kind not in shown_kinds,
                    text=[f"{r['n_led']} · {r['share_led'] * 100:.0f}%"],
                    textposition="outside",
                    cliponaxis=False,
                    hovertext=[
                        f"<b>{r['name']} ({r['short_name']})</b><br>"
                        f"{_plan_label(year, periods[year])} plan: leads "
                        f"{_measures(r['n_led'])}, {r['share_led'] * 100:.0f}% of the plan"
                    ],
                    hoverinfo="text",
                    customdata=[[r["agency_id"], year]],
                ),
                row=row + 1,
                col=col + 1,
            )
            shown_kinds.add(kind)
        fig.update_xaxes(range=[0, headroom], row=row + 1, col=col + 1, showticklabels=False)
    fig.update_yaxes(dtick=1)  # every body's name, never every other one
    note = (
        "Measures each body leads, and their share of the plan's measures (the first-listed "
        "body leads; measures whose bodies share the task jointly have no lead)."
    )
    if without_bodies:
        names = ", ".join(without_bodies)
        note += (
            f" The {names} plan names no bodies and is not shown."
            if len(without_bodies) == 1
            else f" The {names} plans name no bodies and are not shown."
        )
    return style(fig, title, subtitle, note, height=180 + 230 * rows, panels=True, legend="top")


def _measures(n: int) -> str:
    """ "1 measure", "2 measures"."""
    return f"{n} measure{'' if n == 1 else 's'}"


def agency_roles(profile: pl.DataFrame, name: str, subtitle: str = "") -> go.Figure:
    """A body's measures per plan, stacked by role."""
    title = f"{name}: measures per plan, by role"
    if profile.height == 0 or profile["n_measures"].sum() == 0:
        return empty_figure(title, "This body is named on no measure for these filters.", subtitle)
    labels = [
        _plan_label(y, p)
        for y, p in zip(profile["plan_year"], profile["period_label"], strict=True)
    ]
    fig = go.Figure()
    for role, column in (
        ("lead", "n_led"),
        ("participant", "n_participated"),
        ("joint", "n_joint"),
    ):
        values = profile[column].to_list()
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=ROLE_LABELS[role],
                marker={"color": ROLE_COLOURS[role]},
                text=[v if v else "" for v in values],
                textposition="inside",
                textangle=0,  # a count on a thin segment stays level (smaller, not turned)
                hovertext=[
                    f"{lab}: {ROLE_LABELS[role]} in {_measures(v)}"
                    for lab, v in zip(labels, values, strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="measures")
    fig.update_xaxes(type="category")
    no_bodies = [
        lab for lab, named in zip(labels, profile["names_agencies"], strict=True) if not named
    ]
    note = (
        "Roles as the plans state them: the first-listed body leads; "
        '"jointly" = the text assigns no lead.'
    )
    if no_bodies:
        note += f" {', '.join(no_bodies)}: the plan names no responsible bodies."
    return style(fig, title, subtitle, note, height=440)


def agency_themes(
    themes: pl.DataFrame, all_themes: pl.DataFrame, name: str, subtitle: str = ""
) -> go.Figure:
    """A body's measures per plan and primary theme (stacked, in theme colours)."""
    title = f"{name}: its measures by theme"
    if themes.height == 0:
        return empty_figure(title, "This body is named on no measure for these filters.", subtitle)
    years = sorted(set(themes["plan_year"].to_list()))
    periods = dict(zip(themes["plan_year"], themes["period_label"], strict=False))
    columns = [_plan_label(y, periods[y]) for y in years]
    fig = go.Figure()
    # One aggregation, not a filter per theme and plan (2,500 filters for 105 plans).
    totals = themes.group_by("theme_id", "plan_year").agg(
        pl.col("n").sum().alias("all"),
        pl.col("n").filter(pl.col("involvement") == "leads").sum().alias("led"),
    )
    counts = {(t, y): (int(a), int(b)) for t, y, a, b in totals.iter_rows()}
    for row in all_themes.iter_rows(named=True):
        if row["theme_id"] not in {t for t, _ in counts}:
            continue
        values = [counts.get((row["theme_id"], y), (0, 0))[0] for y in years]
        led = [counts.get((row["theme_id"], y), (0, 0))[1] for y in years]
        fig.add_trace(
            go.Bar(
                x=columns,
                y=values,
                name=row["label"],
                marker={"color": row["colour"]},
                hovertext=[
                    f"<b>{row['label']}</b><br>{c}: {_measures(v)} (leads {lv})"
                    for c, v, lv in zip(columns, values, led, strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="measures")
    return style(
        fig,
        title,
        subtitle,
        "Each measure counts once, under its primary theme.",
        height=460,
    )


def confidence_bars(rows: pl.DataFrame, subtitle: str = "") -> go.Figure:
    """How sure the theme classifier is, per plan."""
    title = "Theme classifier confidence per plan"
    if rows.height == 0:
        return empty_figure(title, "No classified measures.", subtitle)
    bands = [("high", "#33415C"), ("medium", "#8DA0CB"), ("low", "#E6AB02"), ("manual", "#CC6677")]
    years = sorted(set(rows["plan_year"].to_list()))
    periods = dict(zip(rows["plan_year"], rows["period_label"], strict=True))
    fig = go.Figure()
    for band, colour in bands:
        values = [
            int(rows.filter((pl.col("plan_year") == y) & (pl.col("confidence") == band))["n"].sum())
            for y in years
        ]
        if any(values):
            fig.add_trace(
                go.Bar(
                    x=[_plan_label(y, periods[y]) for y in years],
                    y=values,
                    name=band,
                    marker={"color": colour},
                    text=[v or "" for v in values],
                    textposition="inside",
                )
            )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="measures")
    note = (
        "Confidence = score margin between the top two themes: "
        "high >= 0.5, medium >= 0.2, else low."
    )
    return style(fig, title, subtitle, note, height=380)


def measures_by_theme(
    counts: pl.DataFrame, themes: tuple[str, ...] = (), subtitle: str = ""
) -> go.Figure:
    """The filtered measures per plan, stacked by primary theme (only the chosen themes
    when a theme filter is set)."""
    title = "Measures by plan and theme"
    shown = counts.filter(pl.col("theme_id").is_in(list(themes))) if themes else counts
    if shown.height == 0 or shown["n"].sum() == 0:
        return empty_figure(title, "No measures match: clear a filter.", subtitle)
    years = sorted(set(shown["plan_year"].to_list()))
    periods = dict(zip(shown["plan_year"], shown["period_label"], strict=False))
    columns = [_plan_label(y, periods[y]) for y in years]
    fig = go.Figure()
    # One pass over the rows, not a filter per theme (a tenth of a page's rerun time).
    by_theme = shown.sort("precedence", "plan_year", maintain_order=True).partition_by(
        "theme_id", maintain_order=True
    )
    for rows in by_theme:
        theme_id, label, colour = rows["theme_id"][0], rows["label"][0], rows["colour"][0]
        fig.add_trace(
            go.Bar(
                x=columns,
                y=rows["n"].to_list(),
                name=label,
                marker={"color": colour},
                hovertext=[
                    f"<b>{label}</b><br>{c}: {n} of {p} measures ({_pct(s)})"
                    for c, n, p, s in zip(
                        columns, rows["n"], rows["n_plan"], rows["share"], strict=True
                    )
                ],
                hoverinfo="text",
                customdata=[[theme_id, y] for y in years],
            )
        )
    totals = shown.group_by("plan_year").agg(pl.col("n").sum()).sort("plan_year")["n"].to_list()
    fig.add_trace(
        go.Scatter(
            x=columns,
            y=totals,
            mode="text",
            text=[f"<b>{t}</b>" for t in totals],
            textposition="top center",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="measures", range=[0, max(totals) * 1.15])
    note = "Each measure counts once, under its primary theme; the number above a bar is its total."
    return style(fig, title, subtitle, note, height=520)


# ---------------------------------------------------------------------------------------
# Lineage: what changed between two plans

# The three kinds of change, each with its colour (Okabe–Ito: blue, orange, grey).
CHANGE_COLOURS = {"carried over": "#0072B2", "new": "#E69F00", "dropped": "#999999"}
LINEAGE_NOTE = (
    "A measure is carried over when it commits to the same concrete activity or object as a "
    "measure of the earlier plan (the same law, programme, campaign, system or task), whatever "
    "the rewording or the body; dropped: a measure of the earlier plan no later measure "
    "continues. Links are found automatically and checked against hand labels: docs/lineage.md."
)


def lineage_changes(
    counts: pl.DataFrame, label_a: str, label_b: str, subtitle: str = ""
) -> go.Figure:
    """Per theme, one row: right of zero the measures of plan B, carried over from plan A
    and new in B (stacked: together, B's measures of the theme); left of zero the
    measures of A that nothing in B continues (dropped). Themes with most of B's
    measures on top."""
    title = f"What changed from {label_a} to {label_b}"
    if (
        counts.height == 0
        or (counts["n_new"] + counts["n_carried"] + counts["n_dropped"]).sum() == 0
    ):
        return empty_figure(title, "No measures match: clear a filter.", subtitle)
    rows = counts.with_columns((pl.col("n_carried") + pl.col("n_new")).alias("_in_b")).sort(
        ["_in_b", "precedence"], descending=[False, True]
    )
    themes = rows["label"].to_list()
    fig = go.Figure()
    series = (
        ("carried over", "n_carried", f"carried over into {label_b}", 1),
        ("new", "n_new", f"new in {label_b}", 1),
        ("dropped", "n_dropped", f"dropped: in {label_a}, not continued", -1),
    )
    for change, column, name, side in series:
        values = rows[column].to_list()
        fig.add_trace(
            go.Bar(
                y=themes,
                x=[side * v for v in values],
                orientation="h",
                name=name,
                marker={"color": CHANGE_COLOURS[change], "line": {"color": "white", "width": 1}},
                text=[str(v) if v else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "white" if change != "dropped" else INK},
                hovertext=[
                    f"<b>{t}</b><br>{name}: {_measures(v)}"
                    for t, v in zip(themes, values, strict=True)
                ],
                hoverinfo="text",
                customdata=[[tid, change] for tid in rows["theme_id"].to_list()],
            )
        )
    _two_sided_axis(fig, int(rows["n_dropped"].max()), int(rows["_in_b"].max()))
    # Bars thick enough for their counts at 11 px when the chart fits a 720 px window.
    fig.update_layout(barmode="relative", bargap=0.12, uniformtext={"minsize": 11, "mode": "hide"})
    totals = {c: int(counts[col].sum()) for c, col, _, _ in series}
    note = (
        f"In all: {totals['carried over']} carried over, {totals['new']} new, "
        f"{totals['dropped']} dropped. Right of the line: the measures of {label_b}; left: "
        f"the measures of {label_a} nothing continues. " + LINEAGE_NOTE
    )
    return style(fig, title, subtitle, note, height=620, legend="top")


def _nice_step(largest: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving about four ticks up to
    `largest`."""
    step = 1
    while largest / step > 5:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step


def _two_sided_axis(fig: go.Figure, left: int, right: int) -> None:
    """An x axis counting measures both ways from zero (ticks without a minus sign)."""
    step = _nice_step(max(left, right, 1))
    ticks = list(range(-((left + step - 1) // step) * step, right + step, step))
    fig.update_xaxes(
        title_text="measures",
        tickvals=ticks,
        ticktext=[str(abs(t)) for t in ticks],
        zeroline=True,
        zerolinecolor=INK,
        zerolinewidth=1.5,
    )


def lineage_flows(flows: pl.DataFrame, label_a: str, label_b: str, subtitle: str = "") -> go.Figure:
    """A Sankey diagram: themes of plan A (left) to themes of plan B (right) through the
    carried-over measures, with the new measures of B flowing from their own band and
    the dropped measures of A into theirs."""
    title = f"How themes flow from {label_a} to {label_b} through carried-over measures"
    if flows.height == 0:
        return empty_figure(title, "No measures match: clear a filter.", subtitle)
    new_band, dropped_band = f"new in {label_b}", f"dropped after {label_a}"
    left = flows.filter(pl.col("from_theme").is_not_null()).sort("from_precedence")
    right = flows.filter(pl.col("to_theme").is_not_null()).sort("to_precedence")
    left_nodes = [*dict.fromkeys(left["from_theme"].to_list()), new_band]
    right_nodes = [*dict.fromkeys(right["to_theme"].to_list()), dropped_band]
    colour = {}
    for row in flows.iter_rows(named=True):
        colour.setdefault(row["from_theme"] or row["to_theme"], row["colour"])
        colour.setdefault(row["to_theme"] or row["from_theme"], row["colour"])
    colour[new_band], colour[dropped_band] = CHANGE_COLOURS["new"], CHANGE_COLOURS["dropped"]
    index = {("L", n): i for i, n in enumerate(left_nodes)}
    index |= {("R", n): len(left_nodes) + i for i, n in enumerate(right_nodes)}
    sources, targets, values, link_colours, hover = [], [], [], [], []
    for row in flows.iter_rows(named=True):
        src = row["from_theme"] or new_band
        dst = row["to_theme"] or dropped_band
        sources.append(index[("L", src)])
        targets.append(index[("R", dst)])
        values.append(row["n"])
        base = colour[dst] if row["to_theme"] is None else colour[src]
        link_colours.append(_rgba(base, 0.45))
        hover.append(f"{src} → {dst}: {row['n']} measure{'s' if row['n'] != 1 else ''}")
    nodes = left_nodes + right_nodes
    size = [0] * len(nodes)
    for src, dst, value in zip(sources, targets, values, strict=True):
        size[src] += value
        size[dst] += value
    # Nodes at least a label's height apart (about 18 px of the ~560 px plot), so that
    # the labels of small themes never overlap.
    ys = _stacked_centres(size[: len(left_nodes)], SANKEY_GAP) + _stacked_centres(
        size[len(left_nodes) :], SANKEY_GAP
    )
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": [f"{n} ({size[i]})" for i, n in enumerate(nodes)],
                "color": [colour.get(n, MUTED) for n in nodes],
                "x": [0.001] * len(left_nodes) + [0.999] * len(right_nodes),
                "y": ys,
                "pad": 12,
                "thickness": 18,
                "line": {"color": "white", "width": 0.5},
            },
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "color": link_colours,
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            textfont={"family": FONT, "size": 13, "color": INK},
        )
    )
    note = (
        f"Left: the measures of {label_a} by theme, and (bottom) the new measures of {label_b}; "
        f"right: the measures of {label_b} by theme, and (bottom) those of {label_a} no later "
        "measure continues. A band's width is a number of measures. " + LINEAGE_NOTE
    )
    return style(fig, title, subtitle, note, height=760)


SANKEY_GAP = 0.034


def _stacked_centres(sizes: list[int], gap: float = 0.02) -> list[float]:
    """Vertical centres (0 top, 1 bottom) of nodes stacked in order, each as tall as its
    size, with a small gap between them (Plotly places Sankey nodes by their centre)."""
    total = sum(sizes) or 1
    room = 1 - gap * (len(sizes) - 1)
    out, top = [], 0.0
    for size in sizes:
        height = room * size / total
        out.append(min(0.999, max(0.001, top + height / 2)))
        top += height + gap
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"
