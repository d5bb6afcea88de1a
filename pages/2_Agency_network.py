"""Agency network: who shares measures with whom, who leads whom, and how it changed."""

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import views
from ipdash.store import queries
from ipdash.store.filters import file_stem


def _pick_from_chart() -> None:
    """A new click on a body opens its view; on a link, lists the shared measures (only a
    new click: the view may have been closed since the last one)."""
    points = [p for p in web.selected_points("net_select") if p.get("customdata")]
    kind, a, b = [*(points[0]["customdata"] if points else []), "", "", ""][:3]
    if (kind, a, b) == st.session_state.get("_net_pick"):
        return
    st.session_state["_net_pick"] = (kind, a, b)
    if kind:
        st.session_state["focus"] = a if kind == "node" else ""
        st.session_state["_link"] = (a, b) if kind == "edge" else None


def _close_focus() -> None:
    st.session_state["focus"] = ""
    st.session_state["_link"] = None


ctx = web.setup("Agency network")
f = web.filter_sidebar(ctx)
compare: dict[str, str] = {}

with web.guard():
    st.title("Agency network")  # the charts' subtitles state the filters
    nodes = ctx.query(queries.agency_nodes, f)
    names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
    tab_net, tab_compare, tab_central = st.tabs(
        ["Network", "Compare two plans", "Most central bodies"]
    )
    with tab_net:
        left, right, _ = st.columns([2, 1.6, 1.2], vertical_alignment="center")
        legacy = views.tie_choice(
            {
                "ties": st.session_state.get("ties") or "",
                "min_links": st.session_state.get("min_links") or "",
            }
        )
        ties = web.selectbox(
            left,
            "Links shown",
            list(views.TIE_CHOICES),
            "ties",
            legacy,
            label_visibility="collapsed",
            format_func=views.TIE_CHOICES.get,
            help="Each body's strongest ties draw the network's backbone; every link shows "
            "all bodies named on a measure together.",
        )
        directed = web.toggle(
            right,
            "Arrows: lead → participant",
            "directed",
            help="Off: a line joins every two bodies named on the same measure. On: arrows run "
            "from the lead body to each participant (joint tasks have no lead, no arrow).",
        )
        params = web.view_params(
            f, directed=directed, ties=ties if ties != views.DEFAULT_TIES else None
        )
        fig = views.agency_network(ctx.query, params, ctx.view(views.network_layout, f, ties))
        web.plot(ctx, fig, key="net_select", on_select="rerun", chart="network", params=params)
        _pick_from_chart()
        focus = st.session_state.get("focus") or ""
        link = st.session_state.get("_link")
        if focus in names:
            web.ego_view(ctx, f, focus, names[focus], on_close=_close_focus)
        elif link and link[0] in names and link[1] in names:
            st.button("Close the list", on_click=_close_focus, icon=":material/close:")
            a, b = link
            sub = f.with_(agencies=(a, b), role="any", all_agencies=True)
            rows, n_rows = web.measure_rows(ctx, sub)
            heading = f"Measures naming both {names[a]} and {names[b]}"
            st.markdown(f"#### {heading} ({n_rows:,})")
            columns = ("measure_id", "theme", "agencies", "text")
            web.measure_list(ctx, sub, rows, n_rows, columns, heading, key="net_rows")
        elif nodes.height:
            st.caption(
                "Hover a body to see its partners; click it for its own view, or a line for "
                "the measures behind it."
            )

    with tab_compare:
        plans = ctx.query(queries.plans).filter(pl.col("names_agencies"))
        years = [str(y) for y in plans["plan_year"]]
        labels = dict(zip(years, plans["period_label"], strict=True))
        if len(years) < 2:
            st.info("Fewer than two plans name responsible bodies: nothing to compare.")
        else:
            c1, c2, _ = st.columns([1, 1, 2])
            year_a = web.selectbox(
                c1, "Earlier plan", years, "compare_a", years[0], format_func=labels.get
            )
            year_b = web.selectbox(
                c2, "Later plan", years, "compare_b", years[-1], format_func=labels.get
            )
            compare = {
                "compare_a": year_a if year_a != years[0] else None,
                "compare_b": year_b if year_b != years[-1] else None,
            }
            base = f.with_(years=(int(year_a), int(year_b)))
            compare_params = params | {"compare_a": year_a, "compare_b": year_b}
            web.plot(
                ctx,
                views.network_compare(
                    ctx.query, compare_params, ctx.view(views.network_layout, base, ties)
                ),
                key="net_compare",
                chart="network_compare",
                params=compare_params,
            )
            web.tie_changes_table(ctx, f, compare_params, labels[year_a], labels[year_b])

    with tab_central:
        central_params = web.view_params(f)
        web.plot(
            ctx,
            views.central_bodies(ctx.query, central_params),
            key="central",
            chart="central_bodies",
            params=central_params,
        )
        metrics = ctx.view(views.network_metrics, f, directed, 1)
        if metrics.height:
            st.dataframe(
                metrics,
                hide_index=True,
                width="stretch",
                column_config={
                    "short_name": st.column_config.TextColumn("body"),
                    "degree": st.column_config.NumberColumn(
                        "works with", help="Bodies it shares measures with"
                    ),
                    "weighted_degree": st.column_config.NumberColumn(
                        "shared measures", help="Measures shared, summed over its partners"
                    ),
                    "betweenness": st.column_config.ProgressColumn(
                        "betweenness", min_value=0.0, max_value=1.0, format="%.3f"
                    ),
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
        ties=ties if ties != views.DEFAULT_TIES else None,
        focus=st.session_state.get("focus") or None,
        **{k: v for k, v in compare.items() if v},
    )
    web.footer(ctx, "Agency network", f)
