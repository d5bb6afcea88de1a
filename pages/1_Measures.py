"""Measures: filter, read, trace to the source, download."""

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
        all_data=True,
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

    columns = ("plan_year", "measure_no", "theme", "lead_agency", "agencies", "text", "measure_id")
    if f.query:
        rows = web.with_matches(rows, f.query)
        columns = ("plan_year", "measure_no", "match", *columns[2:])
    event = web.measure_table(
        rows,
        columns,
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
    web.show_measure(ctx, detail.row(0, named=True), f.query)
    st.caption(
        f"The downloads hold {len(queries.MEASURE_EXPORT_COLUMNS)} columns per measure, the "
        "bodies' full names and the source offsets included; *Download all data* gives "
        "every table of the database."
    )
    web.footer(ctx, "Measures", f, all_data=False)
