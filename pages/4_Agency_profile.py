"""Agency profile: one body's measures, themes, partners and lineage across reforms."""

import html

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import views
from ipdash.store import queries
from ipdash.web import lineage as web_lineage

ctx = web.setup("Agency profile")
f = web.filter_sidebar(ctx, agencies=False)

with web.guard():
    st.title("Agency profile")
    options = ctx.query(queries.agency_options, f.successor)
    if options.height == 0:
        web.empty_state("No body is named on any measure.")
        st.stop()
    names = {
        a: f"{s} — {n}" for a, s, n in options.select("agency_id", "short_name", "name").iter_rows()
    }
    if not st.session_state.get("profile") and f.agencies:
        st.session_state["profile"] = f.agencies[0]  # arriving with an agency filter
    if st.session_state.get("profile"):
        # A body merged or renamed shows as the body carrying its work today.
        st.session_state["profile"] = views.profile_agency(
            ctx.query, st.session_state["profile"], f.successor
        )
    agency_id = web.selectbox(
        st,
        "Body",
        list(names),
        "profile",
        options["agency_id"][0],
        format_func=names.get,
        help="Bodies named on at least one measure, most active first.",
    )
    web.write_url(f, profile=agency_id)
    lineage = ctx.query(queries.agency_lineage, agency_id)
    me = lineage.filter(pl.col("is_selected")).row(0, named=True)
    kinds = ctx.query(queries.agency_kinds)
    kind_label = dict(zip(kinds["kind"], kinds["label"], strict=True))
    kind_colour = dict(zip(kinds["kind"], kinds["colour"], strict=True))

    st.html(
        f"<h2 style='margin-bottom:0'>{html.escape(me['name'])} "
        f"({html.escape(me['short_name'])})</h2>"
    )
    st.html(
        web.chip(kind_label.get(me["kind"], me["kind"]), kind_colour.get(me["kind"], "#777"))
        + f" <span class='ipd-small'>{html.escape(me['name_zh'] or '')}"
        + (f" · from {me['valid_from']}" if me["valid_from"] else "")
        + (f" · until {me['valid_to']}" if me["valid_to"] else " · exists today")
        + "</span>"
    )
    if f.successor:
        st.caption(
            "Counting this body together with every predecessor it took over "
            "(*Map agencies to today's successor* is on)."
        )
    if me["note"]:
        web.show_text(me["note"], "ipd-small")

    st.subheader("Lineage across the restructurings")
    line = lineage.with_columns(
        pl.col("valid_from").cast(pl.String).fill_null("…"),
        pl.col("valid_to").cast(pl.String).fill_null("today"),
        pl.col("reform").fill_null("—"),
    ).select(
        pl.when(pl.col("is_selected")).then(pl.lit("▶")).otherwise(pl.lit("")).alias(" "),
        pl.col("short_name").alias("body"),
        "name",
        pl.col("valid_from").alias("from"),
        pl.col("valid_to").alias("until"),
        pl.col("reform").alias("reform that made its successor"),
    )
    if line.height == 1:
        st.caption(
            "No predecessor or successor: the body kept its name and remit through the "
            "2013, 2018 and 2023 restructurings."
        )
    st.dataframe(line, hide_index=True, width="stretch")

    params = web.view_params(f, profile=agency_id)
    # One chart to a row: at half width on a laptop or tablet their labels collide.
    web.plot(
        ctx, views.agency_roles(ctx.query, params), key="roles", chart="agency_roles", params=params
    )
    web.plot(
        ctx,
        views.agency_themes(ctx.query, params),
        key="themes",
        chart="agency_themes",
        params=params,
    )
    web.plot(
        ctx,
        views.agency_partners(ctx.query, params),
        key="partners",
        chart="agency_partners",
        params=params,
    )

    web_lineage.handovers_section(ctx, agency_id, f)

    sub = f.with_(agencies=(agency_id,), role="any")
    rows, n_rows = web.measure_rows(ctx, sub)
    st.subheader(f"Its measures ({n_rows:,})")
    if n_rows == 0:
        web.empty_state("This body is named on no measure that matches the filters.")
    else:
        web.measure_list(
            ctx,
            sub,
            rows,
            n_rows,
            ("plan_year", "measure_no", "theme", "agencies", "text"),
            f"Measures naming {me['short_name']}",
            key="profile_rows",
        )
    web.footer(ctx, f"Agency profile: {names[agency_id]}", f)
