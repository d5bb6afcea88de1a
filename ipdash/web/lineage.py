"""Measure lineage on the pages (Streamlit only): what is new, carried over and dropped
between two plans with the flows of themes and the persistent commitments (Theme
shifts), a measure's predecessors and successors with the wording differences marked
(Measures), and the tasks that changed hands (Agency profile). The pages call one
function each; the data come from ipdash.store.queries, the charts from
ipdash.present.views, the redlines from ipdash.present.redline."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

from ipdash.present import export, redline, views
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter, file_stem
from ipdash.web.charts import plot
from ipdash.web.context import Context
from ipdash.web.page import md_escape, show_text
from ipdash.web.tables import downloads
from ipdash.web.url_state import view_params
from ipdash.web.widgets import selectbox

DOC = "docs/lineage.md"
# The blind tests of the links, all three sets together (docs/lineage.md;
# tests/test_lineage.py checks these are the measured figures).
TEST_DECISIONS = 390
TEST_AGREED = 278
ABOUT = (
    "A measure **continues** an earlier one when both commit to the same concrete activity "
    "or object (a law being amended, a named programme, campaign, system or database, a "
    "specific task), whatever the rewording or the body responsible. The links are found "
    "automatically from shared named objects and distinctive wording; each comes with its "
    "evidence and a score. **Read them as candidates to check:** in blind tests of "
    f"{TEST_DECISIONS} decisions they agreed with careful human judgement on {TEST_AGREED} "
    f"({TEST_AGREED / TEST_DECISIONS:.0%}; each pair of plans has its own figure under the "
    "plan pickers); most disagreements are continuations reworded so much that the method calls "
    f"them new. Every error case: `{DOC}`."
)
LIST_COLUMNS = {
    "carried over": (
        "earlier_measure_id",
        "measure_id",
        "theme",
        "lead_agency",
        "score",
        "evidence",
        "text",
    ),
    "new": ("measure_id", "theme", "lead_agency", "continues", "evidence", "text"),
    "dropped": ("measure_id", "theme", "lead_agency", "text"),
}
COLUMN_LABELS = {
    "earlier_measure_id": st.column_config.TextColumn("continues", width="small"),
    "measure_id": st.column_config.TextColumn("measure", width="small"),
    "theme": st.column_config.TextColumn("theme", width="small"),
    "lead_agency": st.column_config.TextColumn("leads", width="small"),
    "score": st.column_config.NumberColumn(
        "score (0–1)",
        format="%.2f",
        width="small",
        help="The model's score of the link, 0 to 1: a candidate is a link from the "
        "calibrated threshold on (the evidence of a new measure names it). It ranks "
        "candidates; it is no probability (docs: lineage)",
    ),
    "continues": st.column_config.TextColumn(
        "continues another plan",
        width="small",
        help="New against the earlier plan picked, but continuing a measure of another "
        "earlier plan (the most recent first)",
    ),
    "evidence": st.column_config.TextColumn("evidence", width="medium"),
    "text": st.column_config.TextColumn("text", width="large"),
}


def _plan_labels(ctx: Context) -> dict[int, str]:
    plans = ctx.query(queries.plans)
    return dict(zip(plans["plan_year"], plans["period_label"], strict=True))


def _choose_plans(ctx: Context, labels: dict[int, str]) -> tuple[int, int] | None:
    """The earlier and later plan (lin_from, lin_to), among the pairs compared."""
    pairs = ctx.query(queries.lineage_plan_pairs).filter(pl.col("compared"))
    if pairs.height == 0:
        st.info("No two plans are compared: the corpus needs two plans in one language.")
        return None
    default_a, default_b = views.lineage_plans(ctx.query, {})
    later = sorted(set(pairs["plan_year"].to_list()))
    c1, c2, _ = st.columns([1, 1, 2])
    year_b = selectbox(
        c2, "Later plan", later, "lin_to", default_b, format_func=lambda y: labels.get(y, y)
    )
    earlier = sorted(pairs.filter(pl.col("plan_year") == year_b)["earlier_plan_year"].to_list())
    year_a = selectbox(
        c1,
        "Earlier plan",
        earlier,
        "lin_from",
        default_a if default_a in earlier else earlier[-1],
        format_func=lambda y: labels.get(y, y),
        help="Each plan is compared with the three most recent earlier plans.",
    )
    _trust_note(ctx, labels, year_a, year_b)
    return year_a, year_b


def _trust_note(ctx: Context, labels: dict[int, str], year_a: int, year_b: int) -> None:
    """How far the links of this pair were tested, and measures the pair cannot link."""
    tested = ctx.query(queries.lineage_tested, year_a, year_b)
    pair = f"{labels.get(year_a, year_a)} → {labels.get(year_b, year_b)}"
    if tested.height:
        row = tested.row(0, named=True)
        note = (
            f"Blind test of {pair}: the links agreed with careful human judgement on "
            f"{row['agreed']} of {row['decisions']} decisions "
            f"({row['agreed'] / row['decisions']:.0%})."
        )
    else:
        note = f"{pair} was not in a blind test: read its links with their evidence."
    plans = ctx.query(queries.plans)
    omitted = plans.filter(pl.col("plan_year").is_in([year_a, year_b]) & (pl.col("n_omitted") > 0))
    for row in omitted.iter_rows(named=True):
        note += (
            f" The {row['period_label']} plan has {row['n_omitted']} measures omitted in the "
            "source (Data quality): they can be neither continued nor dropped."
        )
    st.caption(note)


def _side_by_side(earlier_id: str, earlier_text: str, later_id: str, later_text: str) -> None:
    """The earlier text, and the later one with the differences marked (every piece of
    document text HTML-escaped by ipdash.present.redline)."""
    left, right = st.columns(2, gap="large")
    with left:
        st.html(f"<b>{html.escape(earlier_id)}</b> (earlier)")
        show_text(earlier_text)
    with right:
        st.html(
            f"<b>{html.escape(later_id)}</b>: "
            + redline.DELETED.format("removed")
            + " and "
            + redline.INSERTED.format("added")
            + " wording"
        )
        st.html(f'<div class="ipd-text">{redline.redline_html(earlier_text, later_text)}</div>')


def _change_list(
    ctx: Context,
    f: MeasureFilter,
    rows: pl.DataFrame,
    change: str,
    what: str,
    years: tuple[int, int],
) -> None:
    """One tab's list (the measures carried over, new or dropped between the plans
    `years`, earlier first), its downloads and, for the carried over, the redline."""
    key = change.replace(" ", "-")
    shown = rows.filter(pl.col("change") == change)
    if shown.height == 0:
        st.caption("None for these filters.")
        return
    columns = LIST_COLUMNS[change]
    if change == "new":
        others = ctx.query(queries.other_links, *years)
        shown = shown.join(others, on="measure_id", how="left", maintain_order="left")
        n_other = shown["continues"].drop_nulls().len()
        if n_other:
            st.caption(
                f"{n_other} of them continue a measure of another earlier plan (column "
                "“continues another plan”): they are new only against the plan picked."
            )
        shown = shown.with_columns(pl.col("continues").fill_null("–"))
    shown = shown.with_columns(pl.col("lead_agency").fill_null("not named"))
    st.dataframe(
        shown.select(columns),
        hide_index=True,
        width="stretch",
        height=min(500, 38 + 35 * shown.height),
        column_config={c: COLUMN_LABELS[c] for c in columns},
    )
    downloads(
        ctx,
        shown.select(queries.LINEAGE_COLUMNS),
        file_stem(f.with_(years=years), f"lineage-{key}"),
        what,
        ctx.describe(f.with_(years=years)),
        export.LINEAGE_COLUMN_NOTES,
        key=f"lineage_{key}",
    )
    if change == "carried over":
        ids = shown["measure_id"].to_list()
        picked = selectbox(
            st,
            "Compare the wording of",
            ids,
            "lin_compare",
            ids[0],
            format_func=lambda m: (
                f"{m} ← {shown.filter(pl.col('measure_id') == m)['earlier_measure_id'][0]}"
            ),
        )
        row = shown.filter(pl.col("measure_id") == picked).row(0, named=True)
        _side_by_side(
            row["earlier_measure_id"], row["earlier_text"], row["measure_id"], row["text"]
        )


def whats_new_section(ctx: Context, f: MeasureFilter) -> dict[str, str]:
    """What's new, carried over and dropped between two plans: counts per theme, the
    flows of themes, the lists (downloadable) with a redline, and the persistent
    commitments. Returns the section's address parameters (for the page's write_url)."""
    st.subheader("What's new, carried over and dropped")
    st.markdown(ABOUT)
    labels = _plan_labels(ctx)
    chosen = _choose_plans(ctx, labels)
    if chosen is None:
        return {}
    year_a, year_b = chosen
    params = view_params(f, lin_from=year_a, lin_to=year_b)
    plot(
        ctx,
        views.lineage_changes(ctx.query, params),
        key="lineage_changes",
        chart="lineage_changes",
        params=params,
    )
    plot(
        ctx,
        views.lineage_flows(ctx.query, params),
        key="lineage_flows",
        chart="lineage_flows",
        params=params,
    )
    rows = ctx.query(queries.lineage_changes, year_a, year_b, f)
    a, b = labels[year_a], labels[year_b]
    counts = {c: rows.filter(pl.col("change") == c).height for c in LIST_COLUMNS}
    tabs = st.tabs(
        [
            f"Carried over from {a} ({counts['carried over']})",
            f"New against {a} ({counts['new']})",
            f"Dropped after {a} ({counts['dropped']})",
        ]
    )
    what = {
        "carried over": f"Measures of the {b} plan carrying over a measure of {a}",
        "new": f"Measures of the {b} plan continuing no measure of {a}",
        "dropped": f"Measures of the {a} plan no measure of {b} continues",
    }
    for tab, change in zip(tabs, LIST_COLUMNS, strict=True):
        with tab:
            _change_list(ctx, f, rows, change, what[change], (year_a, year_b))
    persistent_section(ctx, f)
    defaults = views.lineage_plans(ctx.query, {})
    return {} if (year_a, year_b) == defaults else {"lin_from": str(year_a), "lin_to": str(year_b)}


def persistent_section(ctx: Context, f: MeasureFilter) -> None:
    """Commitments followed through three or more plans, with their themes and leads."""
    st.subheader("Persistent commitments")
    chains = ctx.query(queries.persistent_commitments, f, 3)
    st.markdown(
        f"**{chains.height}** commitments run through three or more plans, each followed from "
        "its latest measure back through the measure it continues in the plan before "
        "(the filters apply to the latest measure)."
    )
    if chains.height == 0:
        return
    st.dataframe(
        chains.select("measures", "plans", "themes", "leads", "text"),
        hide_index=True,
        width="stretch",
        height=min(500, 38 + 35 * chains.height),
        column_config={
            "measures": st.column_config.TextColumn("measures", width="large"),
            "themes": st.column_config.TextColumn("themes", width="large"),
            "text": st.column_config.TextColumn("latest text", width="large"),
        },
    )
    downloads(
        ctx,
        chains.select("measures", "plans", "n_plans", "themes", "leads", "text"),
        file_stem(f.with_(years=()), "persistent-commitments"),
        "Commitments followed through three or more plans",
        ctx.describe(f.with_(years=())),
        export.PERSISTENT_COLUMN_NOTES,
        key="lineage_chains",
    )


def measure_lineage_section(ctx: Context, measure_id: str) -> None:
    """A measure's predecessors (per earlier plan) and successors, with the wording
    differences marked."""
    st.markdown("**Earlier and later plans**")
    before = ctx.query(queries.measure_predecessors, measure_id)
    after = ctx.query(queries.measure_successors, measure_id)
    if before.height == 0 and after.height == 0:
        st.caption("No earlier or later plan is compared with this measure's plan.")
        return
    detail = ctx.query(queries.measure_detail, measure_id)
    text = detail["text"][0] if detail.height else ""
    threshold = ctx.query(queries.build_info)["lineage_threshold"][0]
    for row in before.iter_rows(named=True):
        label = f"the {row['earlier_period']} plan"
        if row["status"] == "continued":
            with st.expander(
                f"Continues {row['earlier_measure_id']} of {label} "
                f"({_strength(row['score'], threshold)})"
            ):
                st.caption(md_escape(row["evidence"]))
                if row["alternatives"]:
                    st.caption(md_escape(f"Also qualifying: {row['alternatives']}"))
                _side_by_side(row["earlier_measure_id"], row["earlier_text"], measure_id, text)
        elif row["status"] == "new":
            st.caption(md_escape(f"New against {label}: {row['evidence']}"))
        else:
            st.caption(md_escape(f"{label}: {row['evidence']}"))
    for row in after.iter_rows(named=True):
        title = f"Continued by {row['measure_id']} of the {row['period_label']} plan"
        with st.expander(f"{title} ({_strength(row['score'], threshold)})"):
            st.caption(md_escape(row["evidence"]))
            _side_by_side(measure_id, text, row["measure_id"], row["text"])


def _strength(score: float, threshold: float) -> str:
    """A link's score with where links start: "link score 0.30; links start at 0.275".
    (The score is no probability: on the blind tests links scoring under 0.5 were right
    about as often as those above, docs/lineage.md.)"""
    return f"link score {score:.2f}; links start at {threshold:g}"


def handovers_section(ctx: Context, agency_id: str, f: MeasureFilter) -> None:
    """Continued measures whose lead body changed, to or from this body: after a
    restructuring (the new lead took over the old one's work) or a real handover."""
    st.subheader("Tasks that changed hands")
    rows = ctx.query(queries.agency_handovers, agency_id, f.successor)
    if rows.height == 0:
        st.caption(
            "No measure this body leads continues one led by another body, or the reverse"
            + (
                " (restructurings count as the same body in the successor view)."
                if f.successor
                else "."
            )
        )
        return
    kinds = rows.group_by("kind").len()
    n = dict(zip(kinds["kind"], kinds["len"], strict=True))
    handovers, restructurings = n.get("handover", 0), n.get("restructuring", 0)
    st.markdown(
        f"**{handovers}** {'handover' if handovers == 1 else 'handovers'} to or from another "
        f"body and **{restructurings}** "
        f"{'change' if restructurings == 1 else 'changes'} of lead that follow a "
        "restructuring (the new lead took over the old one's work, e.g. SIPO → CNIPA): "
        "continued measures whose lead body changed. Read a link's evidence before calling "
        "it a handover: the score ranks candidates, it is no probability."
    )
    st.dataframe(
        rows.select(
            "kind",
            "direction",
            "earlier_measure_id",
            "earlier_lead",
            "measure_id",
            "lead",
            "score",
            "evidence",
            "text",
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "kind": st.column_config.TextColumn(
                "why",
                width="small",
                help="restructuring: the new lead took over the old one's work; handover: "
                "another body took the task",
            ),
            "direction": st.column_config.TextColumn("this body", width="small"),
            "earlier_measure_id": st.column_config.TextColumn("earlier", width="small"),
            "earlier_lead": st.column_config.TextColumn(
                "led then by (today's successor)" if f.successor else "led then by",
                width="small",
            ),
            "measure_id": st.column_config.TextColumn("later", width="small"),
            "lead": st.column_config.TextColumn("led now by", width="small"),
            "score": COLUMN_LABELS["score"],
            "evidence": COLUMN_LABELS["evidence"],
            "text": COLUMN_LABELS["text"],
        },
    )
    downloads(
        ctx,
        rows,
        file_stem(f.with_(agencies=(agency_id,), years=()), "handovers"),
        "Continued measures whose lead body changed",
        ctx.describe(f.with_(agencies=(agency_id,), years=())),
        export.HANDOVER_COLUMN_NOTES,
        key="lineage_handovers",
    )
