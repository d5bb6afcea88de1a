"""The Agency network page's parts that are more than a chart: one body's own view (the
ego view) and the ranked list of ties that changed between two plans."""

from __future__ import annotations

import html
from collections.abc import Callable

import polars as pl
import streamlit as st

from ipdash.present import views
from ipdash.store.filters import MeasureFilter, file_stem
from ipdash.web.charts import plot
from ipdash.web.context import Context
from ipdash.web.tables import downloads, measure_list, measure_rows
from ipdash.web.url_state import view_params, with_names

# Ties listed under the comparison: the largest changes.
CHANGED_TIES_SHOWN = 15


def ego_view(
    ctx: Context, f: MeasureFilter, agency_id: str, name: str, on_close: Callable[[], None]
) -> None:
    """A body clicked on the network: it in the centre with its partners, its partners
    ranked by the measures they share (split by who leads), a link to its profile and
    its measures."""
    # The page's script scrolls to this when the view opens (house.js).
    st.html(f"<div class='ipd-focus-anchor' data-focus='{html.escape(agency_id)}'></div>")
    with st.container(border=True, key="ego_view"):
        head, back = st.columns([3, 1], vertical_alignment="center")
        head.markdown(f"#### {name} and the bodies it works with")
        back.button(
            "Close", on_click=on_close, icon=":material/close:", help="Back to the whole network"
        )
        params = view_params(f, focus=agency_id)
        plot(
            ctx, views.agency_ego(ctx.query, params), key="ego", chart="network_ego", params=params
        )
        profile = view_params(f.with_(agencies=()), profile=agency_id)
        plot(
            ctx,
            views.agency_partners(ctx.query, profile),
            key="ego_partners",
            chart="agency_partners",
            params=profile,
        )
        st.page_link(
            "pages/4_Agency_profile.py",
            label=f"Open {name}'s profile",
            icon=":material/account_balance:",
            query_params=with_names(dict(profile)),
        )
        sub = f.with_(agencies=(agency_id,), role="any", all_agencies=False)
        rows, n_rows = measure_rows(ctx, sub)
        with st.expander(f"The {n_rows:,} measures naming {name}"):
            columns = ("measure_id", "theme", "agencies", "text")
            measure_list(ctx, sub, rows, n_rows, columns, f"Measures naming {name}", key="ego_rows")


def tie_changes_table(
    ctx: Context, f: MeasureFilter, params: dict[str, str], label_a: str, label_b: str
) -> None:
    """The ties that changed most between two plans, largest first, with a download of
    every tie of either plan."""
    changes = ctx.view(views.tie_changes, params)
    if changes.height == 0:
        return
    table = changes.select(
        (pl.col("source_name") + " – " + pl.col("target_name")).alias("tie"),
        pl.col("weight_a").alias(f"shared in {label_a}"),
        pl.col("weight_b").alias(f"shared in {label_b}"),
        pl.col("change"),
        pl.col("status").alias("what happened"),
    )
    st.markdown(f"**The ties that changed most, {label_a} → {label_b}**")
    st.dataframe(
        table.head(CHANGED_TIES_SHOWN),
        hide_index=True,
        width="stretch",
        column_config={"change": st.column_config.NumberColumn(format="%+d")},
    )
    downloads(
        ctx,
        table,
        file_stem(f.with_(years=()), f"tie-changes-{label_a}-{label_b}"),
        f"Ties between bodies, {label_a} and {label_b}",
        ctx.describe(f),
        key="tie_changes",
    )
