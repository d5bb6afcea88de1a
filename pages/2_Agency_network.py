"""Agency network: who shares measures with whom, who leads whom, and how it changed."""

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import views
from ipdash.store import queries
from ipdash.store.filters import file_stem

ctx = web.setup("Agency network")
f = web.filter_sidebar(ctx)
st.sidebar.markdown("### Network")
directed = web.toggle(
    st.sidebar,
    "Lead → participant arrows",
    "directed",
    help="Off: a line joins every two bodies named on the same measure. On: arrows run from "
    "the lead body to each participant (joint tasks have no lead and draw no arrow).",
)
min_weight = web.slider(
    st.sidebar,
    "Hide links shared on fewer than … measures",
    1,
    10,
    "min_links",
    1,
    help="Raise this to keep only the strong ties.",
)
compare = {}

with web.guard():
    st.title("Agency network")
    web.filters_caption(ctx, f)
    tab_net, tab_compare, tab_metrics = st.tabs(
        ["Network", "Compare two plans", "Metrics per agency"]
    )

    nodes = ctx.query(queries.agency_nodes, f)
    params = web.view_params(
        f, directed=directed, min_links=min_weight if min_weight != 1 else None
    )

    with tab_net:
        st.markdown(
            "Each circle is a government body (size: measures it is named on; colour: "
            "kind of body). Lines join bodies named on the same measures (width: how many). "
            "**Click a body or the middle of a line** to list the measures behind it."
        )
        fig = views.agency_network(ctx.query, params, ctx.view(views.network_layout, f, min_weight))
        web.plot(ctx, fig, key="net_select", on_select="rerun", chart="network", params=params)
        points = [p for p in web.selected_points("net_select") if p.get("customdata")]
        if nodes.height and points:
            kind, a, b = [*points[0]["customdata"], "", "", ""][:3]
            names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
            if kind == "node":
                sub = f.with_(agencies=(a,), role="any", all_agencies=False)
                heading = f"Measures naming {names.get(a, a)}"
            else:
                sub = f.with_(agencies=(a, b), role="any", all_agencies=True)
                heading = f"Measures naming both {names.get(a, a)} and {names.get(b, b)}"
            rows, n_rows = web.measure_rows(ctx, sub)
            st.markdown(f"#### {heading} ({n_rows:,})")
            columns = ("measure_id", "theme", "agencies", "text")
            web.measure_list(ctx, sub, rows, n_rows, columns, heading, key="net_rows")
        elif nodes.height:
            st.caption("Nothing selected yet: click a body or a line.")

    with tab_compare:
        plans = ctx.query(queries.plans).filter(pl.col("names_agencies"))
        years = [str(y) for y in plans["plan_year"]]
        labels = dict(zip(years, plans["period_label"], strict=True))
        if len(years) < 2:
            st.info("Fewer than two plans name responsible bodies: nothing to compare.")
        else:
            c1, c2 = st.columns(2)
            year_a = web.selectbox(
                c1, "First plan", years, "compare_a", years[0], format_func=labels.get
            )
            year_b = web.selectbox(
                c2, "Second plan", years, "compare_b", years[-1], format_func=labels.get
            )
            compare = {"compare_a": year_a, "compare_b": year_b}
            base = f.with_(years=(int(year_a), int(year_b)))
            compare_params = params | compare
            fig = views.network_compare(
                ctx.query, compare_params, ctx.view(views.network_layout, base, min_weight)
            )
            web.plot(ctx, fig, key="net_compare", chart="network_compare", params=compare_params)
            union_nodes = ctx.query(queries.agency_nodes, base)
            a_ids = set(ctx.query(queries.agency_nodes, f.with_(years=(int(year_a),)))["agency_id"])
            b_ids = set(ctx.query(queries.agency_nodes, f.with_(years=(int(year_b),)))["agency_id"])
            names = dict(zip(union_nodes["agency_id"], union_nodes["short_name"], strict=True))

            def only(ids: set[str]) -> str:
                return ", ".join(sorted(names[a] for a in ids)) or "none"

            st.markdown(
                f"**Only in {labels[year_a]}:** {only(a_ids - b_ids)}  \n"
                f"**Only in {labels[year_b]}:** {only(b_ids - a_ids)}"
            )
            st.caption(
                "Bodies renamed or merged in a restructuring appear under both names unless "
                "*Map agencies to today's successor* is on."
            )

    with tab_metrics:
        metrics = ctx.view(views.network_metrics, f, directed, min_weight)
        if metrics.height == 0:
            st.info(
                "No measures with named bodies match: clear a filter"
                + views.no_bodies_clause(ctx.query)
                + "."
            )
        else:
            st.markdown(
                "Computed with networkx on the network above. **Degree**: bodies it shares "
                "measures with. **Weighted degree**: shared measures summed over partners. "
                "**Betweenness**: how often it lies on the shortest paths between other bodies "
                "(strong ties are short), 0–1."
            )
            st.dataframe(
                metrics,
                hide_index=True,
                width="stretch",
                column_config={
                    "betweenness": st.column_config.ProgressColumn(
                        "betweenness", min_value=0.0, max_value=1.0, format="%.3f"
                    )
                },
            )
            web.downloads(
                ctx,
                metrics,
                file_stem(f, "network-metrics"),
                "Network metrics per agency",
                ctx.describe(f),
                key="metrics",
            )
    web.write_url(
        f,
        directed=directed,
        min_links=min_weight if min_weight != 1 else None,
        **{k: v for k, v in compare.items() if v},
    )
    web.footer(ctx)
