"""Measures: filter, read, trace to the source, download."""

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import export, views
from ipdash.store import queries
from ipdash.store.filters import file_stem

ctx = web.setup("Measures")
f = web.filter_sidebar(ctx)

with web.guard():
    st.title("Measures")
    rows, n_rows = web.measure_rows(ctx, f)
    stem = file_stem(f)
    web.filters_caption(ctx, f)

    if n_rows == 0:
        web.write_url(f)
        web.empty_state("No measures match these filters: clear a filter or change the search.")
        st.stop()

    st.markdown(
        f"**{n_rows:,} measure{'s' if n_rows != 1 else ''}** match "
        f"({'of all plans' if not f.years else 'in the chosen plans'}). "
        "Click a row to read the measure in full below."
    )
    web.downloads(
        ctx,
        web.all_measures(ctx, f, rows, n_rows),
        stem,
        "Measures of China's national IP-strategy promotion plans",
        ctx.describe(f),
        export.MEASURE_COLUMN_NOTES,
        key="measures",
    )

    with st.expander("Chart: these measures by plan and theme", icon=":material/bar_chart:"):
        chart_params = web.view_params(f)
        web.plot(
            ctx,
            views.measures_by_theme(ctx.query, chart_params),
            key="measures_chart",
            chart="measures_by_theme",
            params=chart_params,
        )

    event = web.measure_table(
        rows,
        ("plan_year", "measure_no", "theme", "lead_agency", "agencies", "text", "measure_id"),
        key="measure_table",
        selectable=True,
        total=n_rows,
    )
    ids = rows["measure_id"].to_list()
    picked = event.selection.rows if event and event.selection else []
    # A click in the table chooses the measure (only a new click: the selectbox below may
    # have chosen another since).
    clicked = ids[picked[0]] if picked and picked[0] < len(ids) else None
    if clicked and clicked != st.session_state.get("_table_pick"):
        st.session_state["measure"] = clicked
    st.session_state["_table_pick"] = clicked

    st.divider()
    texts = dict(zip(rows["measure_id"], rows["text"], strict=True))
    wanted = st.session_state.get("measure")
    if n_rows > len(ids) and not f.query and isinstance(wanted, str) and wanted not in texts:
        # A measure beyond the rows shown (from a link): offer it if it matches.
        extra = ctx.query(queries.first_measures, f.with_(query=wanted), 1)
        if extra.height and extra["measure_id"][0] == wanted:
            ids.append(wanted)
            texts[wanted] = extra["text"][0]
    measure_id = web.selectbox(
        st,
        "Measure",
        ids,
        "measure",
        ids[0],
        format_func=lambda m: f"{m} — {texts[m][:90]}{'…' if len(texts[m]) > 90 else ''}",
        help="The measure shown below; its id is in the page address, so a link opens it.",
    )
    web.write_url(f, measure=measure_id)

    detail = ctx.query(queries.measure_detail, measure_id)
    if detail.height == 0:
        st.warning("This measure is not in the database.")
        st.stop()
    d = detail.row(0, named=True)
    st.subheader(f"Measure {d['measure_no']} of the {d['period_label']} plan ({d['measure_id']})")
    web.show_text(d["text"])

    st.markdown("**Responsible bodies**")
    mentions = ctx.query(queries.measure_mentions, measure_id)
    if mentions.height == 0:
        st.caption("The plan names no responsible body for this measure.")
    else:
        table = mentions.select(
            pl.col("position").alias("#"),
            pl.col("raw_name").alias("as written"),
            pl.when(pl.col("mention_kind") == "agency")
            .then(pl.col("short_name") + " — " + pl.col("name"))
            .when(pl.col("mention_kind") == "generic_group")
            .then("group: " + pl.col("group_label"))
            .otherwise(pl.lit("unresolved"))
            .alias("body at the time"),
            pl.col("role"),
            pl.col("lineage").alias("line to today"),
            pl.col("resolution"),
        )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "#": st.column_config.NumberColumn(width="small"),
                "role": st.column_config.TextColumn(width="small"),
                "resolution": st.column_config.TextColumn(
                    width="small",
                    help="name / alias: matched the registry; lineage: an old name followed "
                    "through a restructuring to the body existing on the plan's date",
                ),
            },
        )
        if d["role_convention"] == "joint":
            st.caption(
                "The text says these bodies act according to their division of "
                "responsibilities: none leads, all share the task jointly."
            )

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**Where in the plan**")
        web.show_text(d["section_path"] or "(no heading above this measure)", "ipd-small")
        st.markdown("**Attribution exactly as in the source**")
        st.code(d["attribution_raw"] or "(none)", language=None, wrap_lines=True)
        st.markdown("**Source**")
        st.markdown(
            f"`{d['source_file']}`, characters {d['start_offset']}–{d['end_offset']} "
            f"(document `{d['doc_id']}`)"
        )
    with right:
        st.markdown("**Theme**")
        ranking = ctx.query(queries.measure_theme_ranking, measure_id)
        chips = " ".join(web.chip(r["label"], r["colour"]) for r in ranking.iter_rows(named=True))
        st.html(chips)
        st.caption(
            f"Primary theme first, then secondary themes. Confidence: "
            f"{d['theme_confidence']} (score margin {d['theme_margin']})."
        )
        st.markdown("**Why this theme**")
        web.show_text(d["theme_evidence"] or "", "ipd-small")
    renderings = ctx.query(queries.measure_renderings, measure_id)
    if renderings.height > 1:
        with st.expander(f"This plan has {renderings.height} renderings: compare them"):
            for r in renderings.iter_rows(named=True):
                st.markdown(
                    f"**{r['doc_id']}** ({r['rendering']}"
                    f"{', canonical' if r['is_canonical'] else ''}), "
                    f"`{r['source_file']}` {r['start_offset']}–{r['end_offset']}"
                )
                web.show_text(r["text"], "ipd-small")
    st.caption(
        f"All {len(queries.EXPORT_COLUMNS)} columns of the table, including the source "
        "offsets, are in the downloads."
    )
    web.footer(ctx)
