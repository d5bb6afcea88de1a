"""Changing the corpus from the app: what adding or removing a plan will change, and
removing one. Removal goes through one function, `remove_plan`, which asks the one
permission function (ipdash.store.edits: IPDASH_READ_ONLY, the admin token of a shared
server) and writes the change log."""

from __future__ import annotations

import streamlit as st

from ipdash.errors import IpdashError
from ipdash.present.stories import ready_made_plans
from ipdash.store import intake, queries
from ipdash.web.context import Context
from ipdash.web.edits import change_corpus, permission
from ipdash.web.page import md_escape


def published_plans(ctx: Context) -> tuple[intake.PublishedPlan, ...]:
    """The plans in the database this page reads."""
    return intake.published_plans(ctx.query(queries.plans))


def remove_plan(ctx: Context, plan_year: int) -> intake.RemoveResult:
    """Remove a plan (its documents and manifest rows moved aside, a new database
    generation built). The one way the app removes a plan: raises EditRefusedError when
    this session may not (checked again at the click), RemovePlanError when the plan
    cannot be removed; either way the attempt is in the change log."""
    return change_corpus(
        ctx,
        "remove",
        str(plan_year),
        lambda: intake.remove_plan(
            plan_year, raw_dir=ctx.settings.raw_dir, db_dir=ctx.settings.db_dir
        ),
    )


def show_advice(advice: intake.Advice, changes_heading: str) -> None:
    """What looks wrong (warnings) and what the change will do (a list)."""
    for warning in advice.warnings:
        st.warning(md_escape(warning), icon=":material/warning:")
    if advice.changes:
        st.markdown(
            f"**{changes_heading}**\n"
            + "\n".join(f"- {md_escape(change)}" for change in advice.changes)
        )


def show_decisions(preview: intake.Preview) -> None:
    """What the parser decided about an upload (structure, numbering, numbers running on
    or restarting, the role note and so whether leads are stated or inferred, the count)
    and, as warnings, what it doubts (inferred leads, open lists, measures without bodies,
    unresolved names, a count far from the one the text states)."""
    report = preview.parsed.report()
    st.markdown(
        "**What the parser decided**\n"
        + "\n".join(f"- {md_escape(line)}" for line in report.lines())
    )
    doubts = report.doubts()
    for doubt in doubts:
        st.warning(md_escape(doubt), icon=":material/help:")
    if not doubts:
        st.caption("Nothing doubtful: every decision is stated by the text.")


def _remove(ctx: Context, plan_year: int, label: str) -> None:
    """The Remove button's callback: report the outcome on the next run."""
    st.session_state["remove_sure"] = False
    try:
        with st.spinner(f"Removing the {label} plan and building a new database generation…"):
            result = remove_plan(ctx, plan_year)
    except IpdashError as exc:
        st.session_state["_remove_error"] = md_escape(str(exc))
        return
    st.session_state["_remove_done"] = (
        f"Removed the **{md_escape(result.period_label)}** plan and built a new database in "
        f"{result.build.seconds:.1f} s. Its documents and manifest rows are in "
        f"`{result.aside.relative_to(ctx.settings.raw_dir).as_posix()}` under the raw data "
        "folder: move them back to restore it."
    )


def manage_plans(ctx: Context) -> None:
    """The Manage plans section: the plans in the corpus, and removing one (after a
    confirmation; never the last)."""
    for flag, show in (("_remove_error", st.error), ("_remove_done", st.success)):
        if flag in st.session_state:
            show(st.session_state.pop(flag))
    with st.expander("Manage plans: remove a plan", icon=":material/inventory_2:"):
        plans = published_plans(ctx)
        labels = {p.plan_year: p.period_label for p in plans}
        st.caption(
            "The plans in the corpus: "
            + md_escape(", ".join(f"{p.period_label} ({p.n_present} measures)" for p in plans))
            + ". A removed plan's documents are moved aside, not deleted."
        )
        years = list(labels)
        year = st.selectbox(
            "Plan to remove",
            years,
            index=len(years) - 1,
            key="remove_year",
            format_func=lambda y: labels[y],
        )
        advice = intake.removal_advice(year, plans, ready_made_plans())
        show_advice(advice, "Removing it will change:")
        sure = st.checkbox(
            f"Yes, remove the {labels[year]} plan", key="remove_sure", disabled=len(years) < 2
        )
        st.button(
            "Remove this plan and rebuild the database",
            icon=":material/delete:",
            disabled=not sure or len(years) < 2 or not permission(ctx, "remove"),
            on_click=_remove,
            args=(ctx, year, labels[year]),
            key="remove_plan",
        )
