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
    web.show_table(results)

    st.subheader("Sources and their renderings")
    web.show_table(ctx.query(queries.documents))

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
    web.show_table(overview)

    st.subheader("Omitted and unattributed measures")
    issues = ctx.query(queries.omitted_and_unattributed)
    web.show_table(
        issues.group_by("issue").agg(
            pl.len().alias("measures"),
            pl.col("measure_id").first().alias("first"),
            pl.col("measure_id").last().alias("last"),
        ),
    )

    st.subheader("Names that resolved to no registered body")
    unresolved = ctx.query(queries.unresolved_mentions)
    if unresolved.height == 0:
        st.success(
            "None: every name in every attribution resolves to a registered body "
            "or a generic group."
        )
    else:
        web.show_table(unresolved)
    with st.expander("Names followed through a restructuring"):
        st.caption(
            "Where a plan uses a body's old name after it was renamed or merged, the name is "
            "resolved to the body that existed on the plan's date."
        )
        web.show_table(ctx.query(queries.lineage_resolutions))

    st.subheader("Where renderings of one plan disagree")
    web.show_table(
        ctx.query(queries.rendering_disagreements).select(
            "measure_id", "doc_id", "other_doc_id", "aspect", "detail"
        ),
    )
    st.subheader("Where a translation disagrees with the text that prevails")
    decisions = ctx.query(queries.parse_decisions)
    both = (
        decisions.group_by("plan_year")
        .agg(pl.col("language").n_unique().alias("languages"))
        .filter(pl.col("languages") > 1)
        .height
    )
    translations = ctx.query(queries.translation_disagreements)
    if translations.height:
        st.caption(
            "Where a plan has a Chinese original and an English rendering, the Chinese text "
            "prevails; the rendering is aligned by measure number and confirmed by the bodies "
            "it names. Different bodies or roles, a measure missing in one, different counts:"
        )
        web.show_table(translations)
    elif both:
        st.success(
            f"None: in the {both} plan{'s' if both > 1 else ''} with texts in two languages, "
            "every rendering numbers the same measures and names the same bodies in the same "
            "roles as the text that prevails."
        )
    else:
        st.caption("No plan has texts in two languages (a Chinese original and a rendering).")

    st.subheader("What the parser decided, per document")
    st.caption(
        "Which numbers carry the measures, whether they run on or restart in each part, "
        "whether a role note states that the first-listed body leads (else leads are "
        "inferred), and what a reader should check."
    )
    web.show_table(
        decisions.select(
            pl.col("doc_id").alias("document"),
            pl.col("language"),
            pl.format(
                "{}, {}, {}",
                "numbering_style",
                pl.when("numbers_run_on")
                .then(pl.lit("running on"))
                .otherwise(pl.lit("restarting")),
                "measure_level",
            ).alias("measures numbered"),
            pl.when("role_note_found")
            .then(pl.lit("stated (role note)"))
            .otherwise(pl.lit("inferred (no role note)"))
            .alias("leads"),
            pl.col("n_measures").alias("measures found"),
            pl.col("stated_count").fill_null("not stated").alias("count stated"),
            pl.col("open_list_measures").alias("open lists"),
            pl.col("unattributed_measures").alias("without bodies"),
            pl.col("unresolved_names").alias("unresolved names"),
            pl.col("doubts").fill_null("none"),
        ),
        column_config={"doubts": st.column_config.TextColumn(width="large")},
    )
    warnings = ctx.query(queries.parse_warnings)
    with st.expander(f"Parser notes ({warnings.height})"):
        web.show_table(warnings)

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
        web.show_table(manual)
    with st.expander("The least certain themes"):
        web.show_table(ctx.query(queries.low_confidence_themes, 50))
    st.caption(
        "The rules are validated against blind hand labels of a 120-measure sample; the "
        "agreement, its confusion matrix and the disagreements are in docs/themes.md and "
        "re-checked by the tests."
    )
    web.footer(ctx, "Data quality")
