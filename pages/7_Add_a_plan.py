"""Add a plan: upload a document, check what the parser finds and what adding it will
change, then add it to the corpus and rebuild the database (nothing is written before you
confirm). Manage plans: remove one."""

import hashlib
from datetime import UTC, date, datetime

import streamlit as st

from ipdash import web
from ipdash.corpus.sources import MAX_DOCUMENT_CHARS
from ipdash.errors import IpdashError
from ipdash.store import intake

MODE_LABELS = {
    "rendering": "Add it as another rendering of that plan (both stay; Data quality compares them)",
    "replace": "Replace that plan (its documents are moved to data/raw/replaced/, not deleted)",
}


def _extracted(upload: object) -> intake.Extracted:
    """The upload as text, read once per file (kept for this session)."""
    data = upload.getvalue()  # type: ignore[attr-defined]
    key = ("_upload", upload.name, hashlib.sha256(data).hexdigest())  # type: ignore[attr-defined]
    if st.session_state.get("_upload_key") != key:
        st.session_state["_upload_key"] = key
        st.session_state["_upload_value"] = intake.extract_text(upload.name, data)  # type: ignore[attr-defined]
    return st.session_state["_upload_value"]


def _add(extracted: intake.Extracted, metadata: intake.PlanMetadata, mode: str) -> None:
    try:
        with st.spinner("Adding the plan and building a new database generation…"):
            result = web.change_corpus(
                ctx,
                "add",
                str(metadata.plan_year),
                lambda: intake.add_plan(
                    extracted,
                    metadata,
                    mode,
                    raw_dir=ctx.settings.raw_dir,
                    db_dir=ctx.settings.db_dir,
                ),
            )
    except IpdashError as exc:
        st.session_state["_add_error"] = web.md_escape(str(exc))
        return
    st.session_state["_add_done"] = (
        f"Added **{web.md_escape(extracted.name)}** as `{result.file}` (document "
        f"`{result.doc_id}`) and built a new database in {result.build.seconds:.1f} s. "
        "Every page now shows it; sessions already open switch on their next click."
        + (f" Replaced: {', '.join(result.replaced)}." if result.replaced else "")
    )
    st.session_state["_uploads"] = st.session_state.get("_uploads", 0) + 1


ctx = web.setup("Add a plan")

with web.guard():
    st.title("Add a plan")
    allowed = web.edits_allowed(ctx, "add")  # a shared server: the admin token
    if not allowed:
        st.info(allowed.reason)
        web.footer(ctx)
        st.stop()
    st.markdown(
        "Upload next year's plan as **.txt, .md, .pdf or .docx** (up to 10 MB, and at most "
        f"{MAX_DOCUMENT_CHARS:,} characters of text: ten times the longest plan). You see what "
        "the parser finds — measures, sections, bodies with their roles, names it cannot "
        "resolve, warnings — **before anything is written**. When you confirm, the document "
        "is stored in `data/raw/` with its manifest entry and a new database generation is "
        "built and switched to; if anything fails, nothing changes."
    )
    for flag, show in (("_add_error", st.error), ("_add_done", st.success)):
        if flag in st.session_state:
            show(st.session_state.pop(flag))
    web.manage_plans(ctx)

    upload = st.file_uploader(
        "Plan document",
        type=["txt", "md", "pdf", "docx"],
        key=f"plan_upload_{st.session_state.get('_uploads', 0)}",
        help="A PDF needs a text layer (not a scan); a Word file is read paragraph by paragraph.",
    )
    if upload is None:
        st.caption(
            "The plan should number its measures (1., 2., … or one., two., …) and name the "
            "responsible bodies in brackets after each, as the published plans do. Check a "
            "file from the command line with `python -m ipdash parse FILE`."
        )
        web.footer(ctx)
        st.stop()

    try:
        extracted = _extracted(upload)
        guessed = intake.guess(extracted)
    except IpdashError as exc:
        st.error(f"This file cannot be added: {web.md_escape(str(exc))}")
        web.footer(ctx)
        st.stop()

    st.subheader("About the plan")
    st.caption(
        f"Read as: {extracted.decoded.decoding}. Pre-filled with what the text states; "
        "correct anything that is wrong."
    )
    this_year = datetime.now(UTC).year
    c1, c2, c3 = st.columns([1, 1, 3])
    year = int(
        c1.number_input(
            "Plan year",
            min_value=intake.YEARS[0],
            max_value=intake.YEARS[1],
            value=guessed.plan_year or this_year,
            step=1,
            help="The year the plan is for; a two-year plan takes its second year "
            "(2021–2022 → 2022).",
        )
    )
    period = c2.text_input(
        "Period label",
        value=guessed.period_label
        if guessed.plan_year == year and guessed.period_label
        else str(year),
        max_chars=40,
        help="A year (2023) or two (2021–2022), as the plan names its period.",
    )
    title = c3.text_input("Title", value=guessed.title or "", max_chars=300)
    c4, c5 = st.columns([3, 1])
    issuing_body = c4.text_input("Issued by (optional)", max_chars=300)
    issued = c5.text_input("Issue date (optional)", placeholder="YYYY-MM-DD", max_chars=10)
    issue_date: date | None = None
    if issued.strip():
        try:
            issue_date = date.fromisoformat(issued.strip())
        except ValueError:
            st.warning("The issue date must look like 2023-04-01; it is left out for now.")

    metadata = intake.PlanMetadata(
        year, period.strip(), title.strip(), issuing_body.strip(), issue_date
    )
    preview = intake.preview(extracted, metadata, raw_dir=ctx.settings.raw_dir)
    mode = "new"
    if preview.existing:
        first = preview.existing[0]
        st.warning(
            f"The corpus already has the **{web.md_escape(first.period_label)}** plan "
            f"({len(preview.existing)} document{'s' if len(preview.existing) > 1 else ''}: "
            + ", ".join(f"`{s.file}`" for s in preview.existing)
            + "). Choose what this upload is:"
        )
        mode = st.radio("This document is", list(MODE_LABELS), format_func=MODE_LABELS.get, index=0)
        if mode == "rendering":
            st.caption("A rendering keeps the plan's period label and title as they are.")

    st.subheader("What the parser finds")
    measures = preview.measures()
    agencies, unresolved, warnings = preview.agencies(), preview.unresolved(), preview.warnings()
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Measures", preview.n_measures)
    m2.metric("Present", preview.n_present, help="Not marked as omitted in the source")
    m3.metric("Bodies", agencies.height)
    m4.metric("Unresolved names", unresolved.height)
    m5.metric("Warnings", warnings.height)
    if unresolved.height:
        st.warning(
            f"{unresolved.height} name{'s' if unresolved.height > 1 else ''} in the attributions "
            f"match{'' if unresolved.height > 1 else 'es'} no registered body. You can add the "
            "plan anyway (they will be listed as unresolved on Data quality) or first add an "
            "alias to `data/registry/aliases.csv`."
        )
    web.show_decisions(preview)
    tabs = st.tabs(
        [
            f"Measures ({measures.height})",
            f"Sections ({preview.sections().height})",
            f"Bodies ({agencies.height})",
            f"Unresolved ({unresolved.height})",
            f"Warnings ({warnings.height})",
        ]
    )
    with tabs[0]:
        st.dataframe(
            measures,
            hide_index=True,
            width="stretch",
            column_config={"text": st.column_config.TextColumn(width="large")},
        )
    with tabs[1]:
        st.dataframe(preview.sections(), hide_index=True, width="stretch")
    with tabs[2]:
        st.dataframe(agencies, hide_index=True, width="stretch")
    with tabs[3]:
        if unresolved.height:
            st.dataframe(unresolved, hide_index=True, width="stretch")
        else:
            st.caption("Every name resolves to a registered body.")
    with tabs[4]:
        if warnings.height:
            st.dataframe(warnings, hide_index=True, width="stretch")
        else:
            st.caption("No gaps, duplicate numbers or unplaced text.")

    st.subheader("Add it")
    advice = intake.advice(preview, web.published_plans(ctx), mode, web.ready_made_plans())
    web.show_advice(advice, "Adding it will change:")
    problems = []
    try:
        intake.check_metadata(metadata)
    except IpdashError as exc:
        problems.append(str(exc))
    if problems:
        st.error(web.md_escape(problems[0]))
    verb = {"new": "Add", "rendering": "Add this rendering", "replace": "Replace the plan"}[mode]
    st.button(
        f"{verb} and rebuild the database"
        if mode != "new"
        else "Add this plan and rebuild the database",
        type="primary",
        icon=":material/library_add:",
        disabled=bool(problems),
        on_click=_add,
        args=(extracted, metadata, mode),
    )
    web.footer(ctx)
