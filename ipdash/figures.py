"""Figure builders: Polars frames in, Plotly figures out. They never call Streamlit, so
the same figure goes to the page, to PNG/SVG/HTML exports and to the deck.

Every figure states what it shows in its title, the filters in its subtitle and what
is normalised by what in a note; themes keep their codebook colour and agency kinds
their registry colour on every chart (muted, colour-blind-considerate palettes), and
no chart relies on colour alone: lines and points carry text labels.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK = "#222222"
MUTED = "#767676"  # 4.5:1 on white: readable secondary text
GRID = "#E5E5E5"
# The canvas every chart is designed for (also the export size: 16:9 slide).
WIDTH, HEIGHT = 1600, 900


def style(
    fig: go.Figure, title: str, subtitle: str = "", note: str = "", height: int | None = None
) -> go.Figure:
    """The house style: left-aligned title and subtitle, a note under the plot area,
    white background, light grid, readable fonts."""
    fig.update_layout(
        title={
            "text": f"<b>{_escape(title)}</b>",
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": 22, "color": INK},
            "subtitle": {"text": _escape(subtitle), "font": {"size": 14, "color": MUTED}},
        },
        font={"family": FONT, "size": 14, "color": INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 20, "r": 30, "t": 110, "b": 90 if note else 50},
        hoverlabel={"font": {"family": FONT, "size": 14}, "bgcolor": "white"},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0,
            "font": {"size": 13},
            "title": {"text": ""},
        },
    )
    if height:
        fig.update_layout(height=height)
    if note:
        fig.add_annotation(
            text=_escape(note),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-70,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": 12, "color": MUTED},
        )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, linecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zeroline=False, linecolor=GRID, automargin=True)
    return fig


def _luminance(hex_colour: str) -> float:
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
        if 1.05 / (_luminance(colour) + 0.05) >= min_contrast:
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
    # The change, written right of the pair whichever way it moved.
    fig.add_trace(
        go.Scatter(
            x=[max(xa, xb) for xa, xb in zip(a, b, strict=True)],
            y=labels,
            mode="text",
            text=[f"   {cp:+.1f} pt" for cp in rows["change_pp"]],
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
        title_text="share of the plan's measures (%)", ticksuffix="%", range=[0, xmax * 1.18 + 1]
    )
    fig.update_yaxes(title_text="", categoryorder="array", categoryarray=labels)
    note = (
        f"Share = measures whose primary theme is the theme ÷ the plan's present measures "
        f"that match the filters ({label_a}: {change['n_plan_a'][0]}, "
        f"{label_b}: {change['n_plan_b'][0]}). Points = percentage points."
    )
    return style(fig, title, subtitle, note, height=max(520, 60 * len(labels) + 200))


def theme_trends(
    counts: pl.DataFrame, highlight: tuple[str, ...] = (), subtitle: str = ""
) -> go.Figure:
    """Share of measures per theme across all plans, one line per theme, labelled at its
    end. `highlight` colours only those themes and greys the rest (for a talk)."""
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
        positions = spread_labels([v for v, _, _ in end_labels], min_gap=top * 0.045)
        for (_, label, colour), ypos in zip(end_labels, positions, strict=True):
            fig.add_annotation(
                x=years[-1],
                y=ypos,
                text=label,
                xanchor="left",
                showarrow=False,
                xshift=12,
                font={"size": 13, "color": text_colour(colour)},
            )
    fig.update_xaxes(
        tickvals=years,
        ticktext=[_plan_label(y, periods[y]) for y in years],
        range=[years[0] - 0.5, years[-1] + 4.2],
    )
    fig.update_yaxes(
        title_text="share of the plan's measures (%)", ticksuffix="%", rangemode="tozero"
    )
    note = (
        "Share = measures with the theme ÷ the plan's present measures that match the "
        "filters. Lines join successive plans (there are no plans in between); 2014 counts "
        "its 70 present measures, 55–63 being omitted in the source."
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
            row_t.append("" if n_plan == 0 else f"{n} · {_pct(share)}")
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
            textfont={"size": 14},
            hovertext=hover,
            hoverinfo="text",
            customdata=custom,
            colorscale="Blues",
            xgap=3,
            ygap=3,
            colorbar={
                "title": {"text": "% of plan" if value == "share" else "measures"},
                "ticksuffix": "%" if value == "share" else "",
            },
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="top", showgrid=False)
    note = (
        "Each cell: measures with the theme · their share of the plan's present measures "
        "that match the filters. Colour shows the "
        f"{'share' if value == 'share' else 'count'}."
    )
    return style(fig, title, subtitle, note, height=max(560, 44 * len(themes) + 220))
