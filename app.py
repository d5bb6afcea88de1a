"""Overview: the plans at a glance, who leads most, how to read the dashboard."""

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import notes, views
from ipdash.store import queries

ctx = web.setup("Overview")
f = web.filter_sidebar(ctx, years=False, themes=False, agencies=False, search=False)

with web.guard():
    overview = ctx.query(queries.plan_overview, f.successor)
    first, last = overview["period_label"][0], overview["period_label"][-1]
    span = first.split("–")[0] + "–" + last.split("–")[-1]
    st.title(f"China's national IP-strategy promotion plans, {span}")
    st.markdown(
        "Every year the State Council's inter-ministerial joint meeting lists about a hundred "
        "numbered measures to implement the national IP strategy, and after each measure the "
        "government bodies responsible for it — **the first listed leads**. This dashboard "
        f"turns {overview.height} of these plans into data: who does what, with whom, and how "
        "priorities moved."
    )

    top = ctx.query(queries.top_lead_agencies, f.successor, 1)
    omitted = views.omitted_in_source(ctx.query)
    leader = {r["plan_year"]: r for r in top.iter_rows(named=True)}
    cards = overview.tail(views.MAX_PLAN_PANELS)
    if cards.height < overview.height:
        st.caption(
            f"The {cards.height} most recent of {overview.height} plans; all of them are in "
            "the table below."
        )
    cols = st.columns(cards.height)
    for col, row in zip(cols, cards.iter_rows(named=True), strict=True):
        with col, st.container(border=True):
            st.markdown(f"#### {row['period_label']} plan")
            st.metric(
                "Measures",
                f"{row['n_present']}",
                help="Measures whose text is in the source"
                + (
                    f"; {row['n_omitted']} more are marked omitted in the source"
                    if row["n_omitted"]
                    else ""
                ),
            )
            if row["names_agencies"]:
                share = row["share_multi_agency"] or 0
                st.metric("Agencies involved", row["n_agencies"])
                st.metric(
                    "Shared",
                    f"{share:.0%}",
                    help="Share of measures naming more than one responsible body",
                )
                lead = leader.get(row["plan_year"])
                if lead:
                    st.caption(
                        f"Leads most: **{lead['short_name']}**, {lead['n_led']} "
                        f"measure{'s' if lead['n_led'] != 1 else ''} "
                        f"({lead['share_led']:.0%})"
                    )
            else:
                st.metric("Agencies involved", "–", help="The plan names no responsible bodies")
                numbers = omitted.get(row["plan_year"])
                st.caption(
                    "This plan names no responsible bodies"
                    + (f"; measures {numbers} are omitted in the source." if numbers else ".")
                )

    params = web.view_params(f)
    web.plot(
        ctx, views.top_leads(ctx.query, params), key="top_leads", chart="top_leads", params=params
    )

    st.subheader("Plans at a glance")
    table = overview.select(
        pl.col("period_label").alias("plan"),
        pl.col("n_present").alias("measures"),
        pl.col("n_omitted").alias("omitted in source"),
        pl.when(pl.col("names_agencies"))
        .then(pl.col("n_agencies").cast(pl.String))
        .otherwise(pl.lit("none named"))
        .alias("agencies named"),
        pl.when(pl.col("names_agencies"))
        .then((pl.col("share_multi_agency") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
        .otherwise(pl.lit("no bodies named"))
        .alias("with several agencies"),
        pl.col("n_renderings").alias("source renderings"),
        pl.col("title"),
    )
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader("Explore")
    links = st.columns(3)
    web.page_link(
        links[0], "Measures", help="Filter and read the measures; download what you filtered"
    )
    links[0].caption("Every measure with its bodies, roles, theme and source; CSV and Excel.")
    web.page_link(links[1], "Agency network")
    links[1].caption("Who shares measures with whom; who leads whom; 2012 vs 2022 side by side.")
    web.page_link(links[2], "Theme shifts")
    links[2].caption("How priorities moved between plans, theme by theme.")
    web.page_link(links[0], "Agency profile")
    links[0].caption("One body: its measures, themes, partners and lineage across reforms.")
    web.page_link(links[1], "Data quality")
    links[1].caption("Sources, counts, omissions, rendering differences, theme confidence.")
    web.page_link(links[2], "Stories")
    links[2].caption("Present a sequence of views in a workshop; download it as a deck.")

    with st.expander("How to read this", expanded=False):
        st.markdown(
            f"""
- **Measure**: one numbered item of a plan. {notes.measures_per_plan(ctx.query)}.
- **Roles**: the plans state that the first-listed body *leads* and the others
  *participate*. Where the text says the bodies act "in accordance with the division of
  responsibilities" or are "respectively responsible", no body leads: all *share jointly*.
- **Agencies as named at the time vs today's successor**: bodies were merged and renamed in
  the 2013, 2018 and 2023 State Council restructurings (SIPO became CNIPA, SAIC and AQSIQ
  became SAMR). Switch *Map agencies to today's successor* in the sidebar of any page to
  count a body together with its predecessors.
- **Themes**: every measure has one primary theme from a codebook of twelve, assigned by
  transparent rules; each measure's page shows why. Shares are of the plan's measures.
- **Filters** are in the page address: copy it to share exactly what you see.
"""
        )
    with st.expander("What is missing or uncertain", expanded=False):
        caveats = notes.caveats(ctx.query)
        st.markdown("\n".join(f"- {c}" for c in caveats) or "Nothing known.")
    web.write_url(f)
    web.footer(ctx, "Overview", f)
