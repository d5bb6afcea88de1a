"""Theme shifts: how priorities moved between plans, and who leads each theme."""

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import notes, views
from ipdash.store import queries
from ipdash.store.filters import file_stem
from ipdash.web import lineage as web_lineage


def _remember_click(key: str) -> None:
    """Keep the last clicked (theme, plan) from any chart for the drill-down below."""
    points = web.selected_points(key)
    for point in points:
        data = point.get("customdata")
        if data and len(data) >= 2:
            st.session_state["drill"] = (str(data[0]), int(data[1]))
            return


ctx = web.setup("Theme shifts")
f = web.filter_sidebar(ctx, themes=False)

with web.guard():
    st.title("Theme shifts")
    web.filters_caption(ctx, f, " · shares are of each plan's measures that match these filters")
    themes = ctx.query(queries.themes)
    theme_labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
    plans = ctx.query(queries.plans)
    plan_labels = dict(zip(plans["plan_year"], plans["period_label"], strict=True))
    counts = ctx.query(queries.theme_counts_by_year, f)
    years = sorted(set(counts["plan_year"].to_list())) if counts.height else []

    if not years or counts["n"].sum() == 0:
        web.write_url(f)
        web.empty_state("No measures match these filters: clear a filter.")
        st.stop()

    st.subheader("Between two plans")
    options = [str(y) for y in years]
    if len(years) < 2:
        st.info(
            f"Comparing needs two plans: the plan filter keeps only {plan_labels[years[0]]}. "
            "Add another plan in the sidebar, or clear the filter."
        )
        year_a = year_b = str(years[0])
    else:
        c1, c2, _ = st.columns([1, 1, 2])
        year_a = web.selectbox(
            c1, "From", options, "from", options[0], format_func=lambda y: plan_labels[int(y)]
        )
        year_b = web.selectbox(
            c2, "To", options, "to", options[-1], format_func=lambda y: plan_labels[int(y)]
        )
        change = ctx.query(queries.theme_change, int(year_a), int(year_b), f)
        dumbbell_params = web.view_params(f, **{"from": year_a, "to": year_b})
        web.plot(
            ctx,
            views.theme_dumbbell(ctx.query, dumbbell_params),
            key="dumbbell",
            on_select=lambda: _remember_click("dumbbell"),
            chart="theme_dumbbell",
            params=dumbbell_params,
        )
        moves = notes.largest_moves(change)
        if moves:
            st.markdown(
                f"Largest moves from {plan_labels[int(year_a)]} to "
                f"{plan_labels[int(year_b)]}: {moves}."
            )

    st.subheader("Across all plans")
    highlight = web.multiselect(
        st,
        "Highlight themes",
        list(theme_labels),
        "highlight",
        format_func=theme_labels.get,
        placeholder="All themes in colour",
        help="Colour only these themes and grey the others, to follow a few lines in a talk.",
    )
    trends_params = web.view_params(f, highlight=highlight)
    web.plot(
        ctx,
        views.theme_trends(ctx.query, trends_params),
        key="trends",
        on_select=lambda: _remember_click("trends"),
        chart="theme_trends",
        params=trends_params,
    )

    st.subheader("Theme × plan")
    value = web.segmented(
        st,
        "Colour by",
        ["share", "count"],
        "heat_value",
        "share",
        format_func=lambda v: "share of the plan" if v == "share" else "count",
    )
    heatmap_params = web.view_params(f, heat_value=value if value == "count" else None)
    web.plot(
        ctx,
        views.theme_heatmap(ctx.query, heatmap_params),
        key="heatmap",
        on_select=lambda: _remember_click("heatmap"),
        chart="theme_heatmap",
        params=heatmap_params,
    )

    drill = st.session_state.get("drill")
    if drill and drill[0] in theme_labels and drill[1] in plan_labels:
        theme_id, year = drill
        sub = f.with_(themes=(theme_id,), years=(year,))
        rows, n_rows = web.measure_rows(ctx, sub)
        st.markdown(
            f"#### {theme_labels[theme_id]} in the {plan_labels[year]} plan: "
            f"{n_rows:,} measure{'s' if n_rows != 1 else ''}"
        )
        web.measure_list(
            ctx,
            sub,
            rows,
            n_rows,
            ("measure_id", "lead_agency", "agencies", "text"),
            f"{theme_labels[theme_id]} measures, {plan_labels[year]}",
            key="drill",
        )
    else:
        st.caption("Click a point or a cell in the charts above to list its measures here.")

    st.subheader("Who leads a theme")
    chosen = web.selectbox(
        st, "Theme", list(theme_labels), "lead_theme", "enforcement", format_func=theme_labels.get
    )
    leads = ctx.query(queries.theme_lead_agencies, chosen, f, 5)
    if leads.height == 0:
        st.info(
            "No measure of this theme names a lead body for these filters"
            + views.no_bodies_clause(ctx.query)
            + "."
        )
    else:
        table = leads.with_columns(
            pl.col("plan_year").replace_strict(plan_labels, return_dtype=pl.String).alias("plan"),
            (pl.col("share_of_theme") * 100).round(0).alias("% of the theme's measures"),
        ).select(
            "plan", "rank", "short_name", "name", "n_led", "n_theme", "% of the theme's measures"
        )
        st.dataframe(table, hide_index=True, width="stretch", column_config=web.THEME_LEAD_COLUMNS)
        st.caption(
            "Measures of the theme: the plan's measures of this theme that match the filters; "
            "a measure whose bodies share the task jointly has no lead."
        )
        web.downloads(
            ctx,
            table,
            file_stem(f.with_(themes=(chosen,)), "theme-leads"),
            f"Bodies leading {theme_labels[chosen]} measures, top five per plan",
            ctx.describe(f),
            key="theme_leads",
        )

    lineage_params = web_lineage.whats_new_section(ctx, f)

    with st.expander("The codebook: themes, definitions and decision rules"):
        st.dataframe(
            themes.select("precedence", "label", "kind", "definition"),
            hide_index=True,
            width="stretch",
        )
        rules = ctx.query(queries.theme_decision_rules)
        for r in rules.iter_rows(named=True):
            st.markdown(f"**{r['rule_id']}** {r['rule']}")
    web.write_url(
        f,
        **{
            "from": year_a if year_a != options[0] else None,
            "to": year_b if year_b != options[-1] else None,
        },
        highlight=highlight,
        heat_value=value if value != "share" else None,
        lead_theme=chosen if chosen != "enforcement" else None,
        **lineage_params,
    )
    web.footer(ctx, "Theme shifts", f)
