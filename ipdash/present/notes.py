"""What a reader should know about the corpus, in words computed from the data (so the
Overview stays true after a plan is added or removed). Markdown for Streamlit: plan
labels are years or year spans (ipdash.corpus.sources.PERIOD_LABEL), nothing a document
wrote is quoted here."""

from __future__ import annotations

import polars as pl

from ipdash.present.views import Query, omitted_in_source
from ipdash.store import queries


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def measures_per_plan(q: Query) -> str:
    """ "2012 has 90, 2014 has 79 (55–63 omitted in the source), …" """
    omitted = omitted_in_source(q)
    parts = []
    for r in q(queries.plan_overview).iter_rows(named=True):
        numbers = omitted.get(r["plan_year"])
        parts.append(
            f"{r['period_label']} has {r['n_measures']}"
            + (f" ({numbers} omitted in the source)" if numbers else "")
        )
    return ", ".join(parts)


def caveats(q: Query) -> list[str]:
    """One Markdown sentence per thing that is missing or uncertain in a plan's source."""
    omitted = omitted_in_source(q)
    out = []
    for r in q(queries.plan_caveats).iter_rows(named=True):
        label, numbers = r["period_label"], omitted.get(r["plan_year"])
        if not r["names_agencies"]:
            out.append(
                f"The **{label}** plan names **no responsible bodies**, so it counts in theme "
                "charts but not in agency charts."
            )
        if numbers:
            out.append(
                f"Measures **{numbers}** of the **{label}** plan appear only as omitted in the "
                "source; they are recorded as omitted, not dropped."
            )
        if r["n_unlabelled_parts"]:
            out.append(
                f"The **{label}** plan's text lacks the headings of "
                f"{_count(r['n_unlabelled_parts'], 'part')}: they are shown as "
                '"(unlabelled part N)".'
            )
        if r["machine_translated"]:
            out.append(
                f"The **{label}** plan is a machine translation ({r['canonical_rendering']}); "
                "agency names that are translation variants are resolved through the registry."
            )
        if r["n_renderings"] > 1:
            texts = _count(r["n_text_differences"], "measure")
            if r["n_other_differences"]:
                how = f"they differ in {_count(r['n_other_differences'], 'place')} beyond wording"
                how += f" and in the wording of {texts}" if r["n_text_differences"] else ""
            else:
                how = "they agree on every measure and body"
                how += f" and differ in the wording of {texts}" if r["n_text_differences"] else ""
            out.append(
                f"The **{label}** plan exists in {r['n_renderings']} renderings; {how} "
                "(see Data quality)."
            )
    return out


def largest_moves(change: pl.DataFrame, n: int = 2) -> str:
    """The `n` largest rises then the `n` largest falls of theme shares (a
    queries.theme_change frame, largest rise first): "Enforcement +7.8 points; …"."""
    if change.height == 0:
        return ""
    rises = change.filter(pl.col("change_pp") > 0).head(n)
    falls = change.sort("change_pp").filter(pl.col("change_pp") < 0).head(n)
    return "; ".join(
        f"{r['label']} {r['change_pp']:+.1f} points"
        for r in [*rises.iter_rows(named=True), *falls.iter_rows(named=True)]
    )
