"""Data quality: what the data rests on, what is missing, and how sure the themes are."""

from pathlib import Path

import polars as pl
import streamlit as st

from ipdash import web
from ipdash.present import views
from ipdash.store import checks, queries


@st.cache_data(show_spinner=False, max_entries=8)
def _check_results(db: str, raw_dir: str) -> pl.DataFrame:
    return checks.results_frame(checks.run_checks(web.Context(db).connection, Path(raw_dir)))


ctx = web.setup("Data quality")

with web.guard():
    st.title("Data quality")
    st.markdown(
        "What every number in this dashboard rests on, and what is missing or uncertain. "
        "The same checks run with `python -m ipdash check`."
    )

    st.subheader("Checks")
    results = _check_results(ctx.db, str(ctx.settings.raw_dir))
    failed = results.filter(pl.col("status") == "FAILED").height
    if failed:
        st.error(f"{failed} check(s) failed: see below.")
    else:
        st.success("All checks pass.")
    st.dataframe(results, hide_index=True, width="stretch")

    st.subheader("Sources and their renderings")
    st.dataframe(ctx.query(queries.documents), hide_index=True, width="stretch")

    st.subheader("Measures per plan against the official count")
    overview = (
        ctx.query(queries.plan_overview)
        .select(
            pl.col("period_label").alias("plan"),
            pl.col("expected_measures").alias("numbered in the plan"),
            pl.col("n_present").alias("present"),
            pl.col("n_omitted").alias("omitted in source"),
            (pl.col("n_present") + pl.col("n_omitted")).alias("rows in the database"),
            pl.col("n_attributed").alias("with responsible bodies"),
        )
        .with_columns(
            (pl.col("rows in the database") == pl.col("numbered in the plan")).alias("complete")
        )
    )
    st.dataframe(overview, hide_index=True, width="stretch")

    st.subheader("Omitted and unattributed measures")
    issues = ctx.query(queries.omitted_and_unattributed)
    st.dataframe(
        issues.group_by("issue").agg(
            pl.len().alias("measures"),
            pl.col("measure_id").first().alias("first"),
            pl.col("measure_id").last().alias("last"),
        ),
        hide_index=True,
        width="stretch",
    )

    st.subheader("Names that resolved to no registered body")
    unresolved = ctx.query(queries.unresolved_mentions)
    if unresolved.height == 0:
        st.success(
            "None: every name in every attribution resolves to a registered body "
            "or a generic group."
        )
    else:
        st.dataframe(unresolved, hide_index=True, width="stretch")
    with st.expander("Names followed through a restructuring"):
        st.caption(
            "Where a plan uses a body's old name after it was renamed or merged, the name is "
            "resolved to the body that existed on the plan's date."
        )
        st.dataframe(ctx.query(queries.lineage_resolutions), hide_index=True, width="stretch")

    st.subheader("Where renderings of one plan disagree")
    st.dataframe(
        ctx.query(queries.rendering_disagreements).select(
            "measure_id", "doc_id", "other_doc_id", "aspect", "detail"
        ),
        hide_index=True,
        width="stretch",
    )
    warnings = ctx.query(queries.parse_warnings)
    with st.expander(f"Parser notes ({warnings.height})"):
        st.dataframe(warnings, hide_index=True, width="stretch")

    st.subheader("How sure the themes are")
    web.plot(
        ctx,
        views.theme_confidence(ctx.query, {}),
        key="confidence",
        chart="theme_confidence",
        params={},
    )
    manual = ctx.query(queries.manual_theme_decisions)
    present = int(ctx.query(queries.plan_overview)["n_present"].sum())
    st.markdown(
        f"**Manual theme decisions: {manual.height} of {present} measures** "
        f"(at most 5% are allowed; every other theme comes from the rules)."
    )
    if manual.height:
        st.dataframe(manual, hide_index=True, width="stretch")
    with st.expander("The least certain themes"):
        st.dataframe(ctx.query(queries.low_confidence_themes, 50), hide_index=True, width="stretch")
    st.caption(
        "The rules are validated against blind hand labels of a 120-measure sample; the "
        "agreement, its confusion matrix and the disagreements are in docs/themes.md and "
        "re-checked by the tests."
    )
    web.footer(ctx, "Data quality")
