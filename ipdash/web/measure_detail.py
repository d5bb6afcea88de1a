"""One measure in full, as a reader who must cite it needs it: its text (the search term
marked), its bodies and their roles, a citation of the plan, the passage in its document,
why it has its theme in plain words, its other renderings; the engineers' record (files,
offsets, rule codes, scores, how names were resolved) under "Technical details"."""

from __future__ import annotations

import html
from pathlib import Path

import polars as pl
import streamlit as st

from ipdash.present import provenance
from ipdash.store import queries
from ipdash.store.documents import document_text
from ipdash.web.context import Context
from ipdash.web.lineage import measure_lineage_section
from ipdash.web.page import chip

# The page's script scrolls to this marker when a different measure is shown.
ANCHOR = "<div class='ipd-detail-anchor' data-measure='{measure}'></div>"


@st.cache_data(show_spinner=False, max_entries=16)
def _document(raw_dir: str, source_file: str) -> str | None:
    return document_text(Path(raw_dir), source_file)


def show_measure(ctx: Context, d: dict, search: str) -> None:
    """The measure `d` (a row of queries.measure_detail) in full."""
    st.html(ANCHOR.format(measure=html.escape(d["measure_id"])))
    st.subheader(f"Measure {d['measure_no']} of the {d['period_label']} plan ({d['measure_id']})")
    if not _both_languages(ctx, d, search):
        st.html(f"<div class='ipd-text'>{provenance.highlight(d['text'] or '', search)}</div>")
    _bodies(ctx, d)
    st.markdown(f"**Source.** {_md(provenance.citation(d))}")
    _in_document(ctx, d)
    _theme(ctx, d)
    measure_lineage_section(ctx, d["measure_id"])
    renderings = ctx.query(queries.measure_renderings, d["measure_id"])
    if renderings.height > 1:
        with st.expander(f"This plan has {renderings.height} renderings: compare them"):
            for r in renderings.iter_rows(named=True):
                role = "the one read for the data" if r["is_canonical"] else "another rendering"
                form = provenance.RENDERINGS.get(r["rendering"], r["rendering"])
                st.markdown(f"**{_md(form)}** ({role})")
                st.html(f"<div class='ipd-text ipd-small'>{html.escape(r['text'] or '')}</div>")
    _technical(ctx, d)


LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}


def _both_languages(ctx: Context, d: dict, search: str) -> bool:
    """Where the plan has a Chinese original and a rendering in another language: both
    texts side by side, the one that prevails first. False when there is one language."""
    texts = ctx.query(queries.measure_texts, d["measure_id"])
    if texts.height < 2 or texts["language"].n_unique() < 2:
        return False
    prevailing = texts.row(0, named=True)
    other = next(r for r in texts.iter_rows(named=True) if r["language"] != prevailing["language"])
    left, right = st.columns(2)
    for column, r in ((left, prevailing), (right, other)):
        language = LANGUAGE_NAMES.get(r["language"], r["language"])
        role = "the text that prevails" if r["prevails"] else "a rendering"
        column.markdown(f"**{_md(language)}** ({role}, numbered {_md(r['number_label'] or '')})")
        column.html(
            f"<div class='ipd-text' lang='{html.escape(r['language'])}'>"
            f"{provenance.highlight(r['text'] or '', search)}</div>"
        )
        if r["attribution_raw"]:
            column.caption(_md(r["attribution_raw"]))
    st.caption(
        f"The {LANGUAGE_NAMES.get(prevailing['language'], prevailing['language'])} text "
        "prevails: the measure's bodies, roles and theme are read from it; the "
        f"{LANGUAGE_NAMES.get(other['language'], other['language'])} text is a rendering "
        "(where the two disagree, Data quality lists it)."
    )
    return True


def _md(text: str) -> str:
    """Plain text made literal for Markdown."""
    from ipdash.web.page import md_escape

    return md_escape(text)


def _bodies(ctx: Context, d: dict) -> None:
    st.markdown("**Responsible bodies**")
    mentions = ctx.query(queries.measure_mentions, d["measure_id"])
    if mentions.height == 0:
        st.caption("The plan names no responsible body for this measure.")
        return
    table = mentions.select(
        pl.col("position").alias("#"),
        pl.col("raw_name").alias("as the plan writes it"),
        pl.when(pl.col("mention_kind") == "agency")
        .then(pl.col("short_name") + " — " + pl.col("name"))
        .when(pl.col("mention_kind") == "generic_group")
        .then("group: " + pl.col("group_label"))
        .otherwise(pl.lit("not a registered body"))
        .alias("body at the time"),
        pl.col("role").replace(
            {"lead": "leads", "participant": "participates", "joint": "shares jointly"}
        ),
        pl.col("lineage").alias("the body today"),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"#": st.column_config.NumberColumn(width="small")},
    )
    if d["role_convention"] == "joint":
        st.caption(
            "The text says these bodies act according to their division of "
            "responsibilities: none leads, all share the task jointly."
        )


def _in_document(ctx: Context, d: dict) -> None:
    with st.expander("Show in the document", icon=":material/description:"):
        text = _document(str(ctx.settings.raw_dir), d["source_file"])
        if text is None:
            st.warning("The source document is not on this server.")
            return
        form = provenance.describe_rendering(d.get("language"), d.get("rendering"))
        st.caption(
            "The measure (marked) with the text around it, exactly as in the document read "
            f"for the data ({form})."
        )
        st.html(
            "<div class='ipd-text ipd-small'>"
            + provenance.passage_html(text, d["start_offset"], d["end_offset"])
            + "</div>"
        )


def _theme(ctx: Context, d: dict) -> None:
    st.markdown("**Theme**")
    ranking = ctx.query(queries.measure_theme_ranking, d["measure_id"])
    st.html(" ".join(chip(r["label"], r["colour"]) for r in ranking.iter_rows(named=True)))
    themes = ctx.query(queries.themes)
    labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
    reasons = provenance.theme_reasons(d.get("theme_evidence_json"), labels, d.get("theme_id"))
    certainty = {"high": "clear", "medium": "fairly clear", "low": "a close call"}.get(
        d.get("theme_confidence") or "", "not rated"
    )
    st.markdown(
        f"Why {_md(d.get('theme') or 'this theme')}: "
        + " ".join(_md(s) for s in reasons.sentences)
        + f" The choice was {certainty}."
        + (" Secondary themes follow the first chip." if ranking.height > 1 else "")
    )


def _technical(ctx: Context, d: dict) -> None:
    with st.expander("Technical details", icon=":material/code:"):
        mentions = ctx.query(queries.measure_mentions, d["measure_id"])
        rows = [
            ("measure id", d["measure_id"]),
            ("document", f"{d['doc_id']} ({d['source_file']})"),
            ("characters in the document", f"{d['start_offset']}–{d['end_offset']}"),
            ("attribution as written", d["attribution_raw"] or "(none)"),
            ("attribution phrasing", d.get("attribution_phrasing") or "(none)"),
            (
                "how each name was matched",
                ", ".join(
                    f"{n}: {r}"
                    for n, r in zip(mentions["raw_name"], mentions["resolution"], strict=True)
                )
                or "(no names)",
            ),
            (
                "theme rule",
                provenance.theme_reasons(
                    d.get("theme_evidence_json"), {}, d.get("theme_id")
                ).technical,
            ),
            ("theme confidence", f"{d['theme_confidence']} (score margin {d['theme_margin']})"),
            ("classifier evidence", d.get("theme_evidence") or ""),
        ]
        st.dataframe(
            pl.DataFrame(rows, schema=["field", "value"], orient="row"),
            hide_index=True,
            width="stretch",
        )
