"""The tables of a build, one function per table (like one model per output): from the
parsed documents (their rows come from ipdash.corpus.rows), the registry and the codebook
to Polars frames in the schema's column order (ipdash/store/sql/schema.sql)."""

from __future__ import annotations

import difflib
from collections.abc import Callable

import polars as pl

from ipdash.corpus import lineage, rows
from ipdash.corpus.agencies import Registry, normalize_name
from ipdash.corpus.clean import comparable_words
from ipdash.corpus.document import ParsedSource, measure_id
from ipdash.corpus.themes import Taxonomy, ThemeResult, apply_manual, classify
from ipdash.errors import IpdashError

# At most this many word differences are spelled out per measure in a disagreement.
MAX_DIFFS_SHOWN = 4


class BuildError(IpdashError):
    """The build failed; the previous database is untouched."""


def _frame(rows_: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows_, infer_schema_length=None)


# ---------------------------------------------------------------------------------------
# Per document


def documents(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame([rows.document_row(d) for d in docs])


def parse_decisions(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame([rows.decision_row(d) for d in docs])


def sections(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame([r for d in docs for r in rows.section_rows(d)])


def parse_warnings(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame([r for d in docs for r in rows.warning_rows(d)])


def measure_renderings(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame([r for d in docs for r in rows.rendering_rows(d)])


def attribution_mentions(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame(
        [
            {k: v for k, v in r.items() if k != "measure_no"}
            for d in docs
            for r in rows.mention_rows(d)
        ]
    )


# ---------------------------------------------------------------------------------------
# Per plan (its canonical rendering)


def canonical_by_year(docs: list[ParsedSource]) -> dict[int, ParsedSource]:
    """Each plan year's canonical rendering, in year order."""
    return {
        d.source.plan_year: d
        for d in sorted(docs, key=lambda d: d.source.plan_year)
        if d.source.canonical
    }


def measures(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame(
        [
            {k: v for k, v in r.items() if k != "section_labels"}
            for d in canonical_by_year(docs).values()
            for r in rows.measure_rows(d)
        ]
    )


def measure_agencies(docs: list[ParsedSource]) -> pl.DataFrame:
    return _frame(
        [r for d in canonical_by_year(docs).values() for r in rows.measure_agency_rows(d)]
    )


def plans(docs: list[ParsedSource]) -> pl.DataFrame:
    """One row per plan year: its canonical rendering's metadata and measure counts."""
    n_renderings: dict[int, int] = {}
    for d in docs:
        n_renderings[d.source.plan_year] = n_renderings.get(d.source.plan_year, 0) + 1
    out = []
    for year, d in canonical_by_year(docs).items():
        s, p = d.source, d.parsed
        present = p.present
        out.append(
            {
                "plan_year": year,
                "period_label": s.period_label,
                "title": s.title,
                "issuing_body": s.issuing_body or None,
                "issue_date": s.issue_date,
                "canonical_doc_id": s.doc_id,
                "n_renderings": n_renderings[year],
                "expected_measures": s.expected_measures,
                "n_measures": len(p.measures),
                "n_present": len(present),
                "n_omitted": len(p.measures) - len(present),
                "n_attributed": sum(1 for m in present if m.attribution_raw),
                "names_agencies": any(m.attribution_raw for m in present),
                "role_note": p.role_note,
            }
        )
    return _frame(out)


def rendering_disagreements(docs: list[ParsedSource]) -> pl.DataFrame:
    """Where another rendering of a plan in the same language differs from its canonical
    one (a rendering in the other language: translation_disagreements)."""
    canonical = canonical_by_year(docs)
    out = []
    for year, group in _by_year(docs).items():
        for other in group:
            if other is not canonical[year] and other.language == canonical[year].language:
                out.extend(compare_renderings(canonical[year], other))
    return _frame(out)


def translation_disagreements(docs: list[ParsedSource]) -> pl.DataFrame:
    """Where a rendering in another language (an English rendering of a Chinese original)
    disagrees with the text that prevails, the canonical one: measures aligned by number
    and confirmed by the bodies they name."""
    canonical = canonical_by_year(docs)
    out = []
    for year, group in _by_year(docs).items():
        for other in group:
            if other is not canonical[year] and other.language != canonical[year].language:
                out.extend(compare_translations(canonical[year], other))
    return _frame(out)


def _by_year(docs: list[ParsedSource]) -> dict[int, list[ParsedSource]]:
    grouped: dict[int, list[ParsedSource]] = {}
    for d in docs:
        grouped.setdefault(d.source.plan_year, []).append(d)
    return dict(sorted(grouped.items()))


# ---------------------------------------------------------------------------------------
# The registry


def agencies(registry: Registry) -> pl.DataFrame:
    return _frame(
        [
            {
                "agency_id": a.agency_id,
                "name": a.name,
                "short_name": a.short_name,
                "name_zh": a.name_zh or None,
                "kind": a.kind,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
                "successor_id": a.successor_id,
                "reform": a.reform or None,
                "note": a.note or None,
                "short_name_zh": a.short_name_zh or None,
            }
            for a in registry.agencies.values()
        ]
    )


def agency_kinds(registry: Registry) -> pl.DataFrame:
    return _frame(
        [
            {
                "kind": k.kind,
                "label": k.label,
                "short_label": k.short_label,
                "colour": k.colour,
                "sort_order": k.sort_order,
                "description": k.description,
            }
            for k in registry.kinds.values()
        ]
    )


def agency_aliases(registry: Registry) -> pl.DataFrame:
    return _frame(
        [
            {
                "alias": a.alias,
                "alias_normalized": normalize_name(a.alias),
                "agency_id": a.agency_id,
                "source": a.source,
                "note": a.note or None,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
            }
            for a in registry.aliases
        ]
    )


def generic_groups(registry: Registry) -> pl.DataFrame:
    return _frame(
        [
            {
                "group_id": g.group_id,
                "label": g.label,
                "aliases": "; ".join(g.aliases),
                "description": g.description or None,
            }
            for g in registry.groups.values()
        ]
    )


def build_tables(docs: list[ParsedSource], registry: Registry) -> dict[str, pl.DataFrame]:
    """The rows of every table but the theme tables (see theme_tables)."""
    return {
        "plans": plans(docs),
        "documents": documents(docs),
        "sections": sections(docs),
        "measures": measures(docs),
        "measure_renderings": measure_renderings(docs),
        "agency_kinds": agency_kinds(registry),
        "agencies": agencies(registry),
        "agency_aliases": agency_aliases(registry),
        "generic_groups": generic_groups(registry),
        "attribution_mentions": attribution_mentions(docs),
        "measure_agencies": measure_agencies(docs),
        "rendering_disagreements": rendering_disagreements(docs),
        "parse_warnings": parse_warnings(docs),
        "parse_decisions": parse_decisions(docs),
        "translation_disagreements": translation_disagreements(docs),
    }


# ---------------------------------------------------------------------------------------
# Renderings


def _word_diffs(a: str, b: str) -> list[str]:
    wa, wb = comparable_words(a), comparable_words(b)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        left = " ".join(wa[i1:i2]) or "∅"
        right = " ".join(wb[j1:j2]) or "∅"
        out.append(f"'{left}' vs '{right}'")
    return out


def compare_renderings(canonical: ParsedSource, other: ParsedSource) -> list[dict]:
    """Differences between two renderings of one plan, measure by measure."""
    rows = []
    year = canonical.source.plan_year
    mine = {m.number: m for m in canonical.parsed.measures}
    theirs = {m.number: m for m in other.parsed.measures}

    def row(number: int, aspect: str, detail: str) -> dict:
        return {
            "plan_year": year,
            "measure_no": number,
            "measure_id": measure_id(year, number),
            "doc_id": canonical.source.doc_id,
            "other_doc_id": other.source.doc_id,
            "aspect": aspect,
            "detail": detail,
        }

    for number in sorted(set(mine) | set(theirs)):
        a, b = mine.get(number), theirs.get(number)
        if a is None or b is None:
            where = other.source.doc_id if a is not None else canonical.source.doc_id
            rows.append(row(number, "missing", f"measure {number} is missing from {where}"))
            continue
        if a.status != b.status:
            rows.append(row(number, "status", f"{a.status} vs {b.status}"))
        diffs = _word_diffs(a.text, b.text)
        if diffs:
            shown = "; ".join(diffs[:MAX_DIFFS_SHOWN])
            more = (
                f" (+{len(diffs) - MAX_DIFFS_SHOWN} more)" if len(diffs) > MAX_DIFFS_SHOWN else ""
            )
            rows.append(row(number, "text", shown + more))
        ma = [
            (x.resolution.agency_id or x.resolution.group_id or normalize_name(x.raw_name), x.role)
            for x in canonical.mentions.get(number, [])
        ]
        mb = [
            (x.resolution.agency_id or x.resolution.group_id or normalize_name(x.raw_name), x.role)
            for x in other.mentions.get(number, [])
        ]
        if [x for x, _ in ma] != [x for x, _ in mb]:
            rows.append(
                row(
                    number,
                    "agencies",
                    f"{', '.join(x for x, _ in ma) or 'none'} vs "
                    f"{', '.join(x for x, _ in mb) or 'none'}",
                )
            )
        elif ma != mb:
            rows.append(row(number, "roles", f"{ma} vs {mb}"))
    return rows


def _bodies(d: ParsedSource, number: int) -> dict[str, str]:
    """The registered bodies and groups a measure names (as on the document's date), with
    their roles."""
    out: dict[str, str] = {}
    for x in d.mentions.get(number, []):
        key = x.resolution.agency_id or x.resolution.group_id
        if key and key not in out:
            out[key] = x.role
    return out


def compare_translations(prevailing: ParsedSource, other: ParsedSource) -> list[dict]:
    """Differences between a plan's prevailing text and a rendering in another language.
    Measures are aligned by number; the bodies they name confirm the alignment (the texts
    are not compared word by word). Aspects: count (the two number their measures
    differently), missing, status, agencies (different bodies; a neighbour of the other
    rendering naming the same ones is pointed out) and roles."""
    year = prevailing.source.plan_year
    mine = {m.number: m for m in prevailing.parsed.measures}
    theirs = {m.number: m for m in other.parsed.measures}

    def row(number: int | None, aspect: str, detail: str) -> dict:
        return {
            "plan_year": year,
            "measure_no": number,
            "measure_id": measure_id(year, number) if number is not None else None,
            "doc_id": prevailing.source.doc_id,
            "other_doc_id": other.source.doc_id,
            "aspect": aspect,
            "detail": detail,
        }

    rows = []
    if len(mine) != len(theirs):
        rows.append(
            row(
                None,
                "count",
                f"{prevailing.source.doc_id} ({prevailing.language}) has {len(mine)} measures, "
                f"{other.source.doc_id} ({other.language}) {len(theirs)}",
            )
        )
    for number in sorted(set(mine) | set(theirs)):
        a, b = mine.get(number), theirs.get(number)
        if a is None or b is None:
            where = other.source.doc_id if a is not None else prevailing.source.doc_id
            rows.append(row(number, "missing", f"measure {number} is missing from {where}"))
        elif a.status != b.status:
            rows.append(row(number, "status", f"{a.status} vs {b.status}"))
        else:
            rows.extend(_body_differences(prevailing, other, number, row))
    return rows


def _body_differences(
    prevailing: ParsedSource, other: ParsedSource, number: int, row: Callable[..., dict]
) -> list[dict]:
    ours, theirs = _bodies(prevailing, number), _bodies(other, number)
    if set(ours) != set(theirs):
        detail = f"{', '.join(ours) or 'none'} vs {', '.join(theirs) or 'none'}"
        for near in (number - 1, number + 1):
            if ours and set(_bodies(other, near)) == set(ours):
                detail += (
                    f"; {other.source.doc_id} names these bodies at measure {near}: "
                    "a measure missing or added before it?"
                )
                break
        return [row(number, "agencies", detail)]
    if ours != theirs:
        shown = "; ".join(f"{k} {ours[k]} vs {theirs[k]}" for k in ours if ours[k] != theirs[k])
        return [row(number, "roles", shown)]
    return []


# ---------------------------------------------------------------------------------------
# Themes


def classify_corpus(
    docs: list[ParsedSource], taxonomy: Taxonomy, use_manual: bool = True
) -> dict[str, ThemeResult]:
    """Primary and secondary themes of every present measure of the canonical renderings,
    by the rules (and the manual decisions, unless use_manual is False)."""
    results: dict[str, ThemeResult] = {}
    for d in docs:
        if not d.source.canonical:
            continue
        year = d.source.plan_year
        for m in d.parsed.measures:
            if m.status != "present":
                continue
            mid = measure_id(year, m.number)
            result = classify(m.text, [(h.level, h.label) for h in m.path], year, taxonomy)
            decision = taxonomy.manual.get(mid)
            if use_manual and decision is not None:
                result = apply_manual(result, decision)
            results[mid] = result
    return results


def theme_tables(
    docs: list[ParsedSource], taxonomy: Taxonomy, check_manual: bool = True
) -> dict[str, pl.DataFrame]:
    """Classify every present measure of the canonical renderings; tables of the codebook.
    With check_manual, a manual decision for a measure that is not among them is an error
    (off when `docs` are some of the plans, see build_database)."""
    by_rules = classify_corpus(docs, taxonomy, use_manual=False)
    # The same as classify_corpus(use_manual=True), without classifying everything twice.
    final = {
        mid: apply_manual(r, taxonomy.manual[mid]) if mid in taxonomy.manual else r
        for mid, r in by_rules.items()
    }
    measure_themes = []
    manual_rows = [
        {
            "measure_id": mid,
            "theme_id": d.theme_id,
            "reason": d.reason,
            "rules_theme": by_rules[mid].primary,
        }
        for mid, d in sorted(taxonomy.manual.items())
        if mid in by_rules
    ]
    for mid, result in final.items():
        evidence, evidence_json = result.evidence_text(taxonomy), result.evidence_json()
        for rank, (theme_id, score) in enumerate(result.ranked, start=1):
            measure_themes.append(
                {
                    "measure_id": mid,
                    "theme_id": theme_id,
                    "rank": rank,
                    "score": round(score, 3),
                    "margin": result.margin if rank == 1 else None,
                    "confidence": result.confidence if rank == 1 else None,
                    "source": result.source if rank == 1 else "rules",
                    "decision": result.decision if rank == 1 else None,
                    "evidence": evidence,
                    "evidence_json": evidence_json,
                }
            )
    if check_manual:
        check_manual_decisions(taxonomy, {r["measure_id"] for r in manual_rows})
    themes = [
        {
            "theme_id": t.theme_id,
            "label": t.label,
            "kind": t.kind,
            "precedence": t.precedence,
            "colour": t.colour,
            "definition": t.definition,
        }
        for t in taxonomy.themes.values()
    ]
    rules = [
        {
            "theme_id": r.theme_id,
            "name": r.name,
            "pattern": r.pattern,
            "weight": r.weight,
            "main_action": r.main_action,
            "language": language,
        }
        for language, rule_set in (("en", taxonomy.rules), ("zh", taxonomy.rules_zh))
        for r in rule_set
    ]
    crosswalk = [
        {
            "plan_year": c.plan_year,
            "section": c.label,
            "theme_id": c.theme_id,
            "rationale": c.rationale,
        }
        for c in taxonomy.crosswalk.values()
    ]
    decision_rules = [{"rule_id": r.rule_id, "rule": r.rule} for r in taxonomy.decision_rules]
    return {
        "themes": pl.DataFrame(themes, infer_schema_length=None),
        "theme_decision_rules": pl.DataFrame(decision_rules, infer_schema_length=None),
        "theme_rules": pl.DataFrame(rules, infer_schema_length=None),
        "section_crosswalk": pl.DataFrame(crosswalk, infer_schema_length=None),
        "measure_themes": pl.DataFrame(measure_themes, infer_schema_length=None),
        "manual_theme_decisions": pl.DataFrame(manual_rows, infer_schema_length=None),
    }


def check_manual_decisions(taxonomy: Taxonomy, applied: set[str]) -> None:
    """Every manual theme decision must name a present measure of some plan."""
    unknown = set(taxonomy.manual) - applied
    if unknown:
        raise BuildError(
            f"data/taxonomy/manual_decisions.csv names measures that are not present "
            f"measures of any plan: {', '.join(sorted(unknown))}"
        )


# ---------------------------------------------------------------------------------------
# Lineage


def current_successors(agencies_frame: pl.DataFrame) -> dict[str, str]:
    """Every body and the end of its successor chain (itself if it still exists)."""
    successor = dict(zip(agencies_frame["agency_id"], agencies_frame["successor_id"], strict=True))
    out = {}
    for agency in successor:
        current, seen = agency, {agency}
        while successor.get(current) and successor[current] not in seen:
            current = successor[current]
            seen.add(current)
        out[agency] = current
    return out


def lineage_input(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The present measures as ipdash.corpus.lineage reads them: text, the lead body
    mapped to today's successor (SIPO's measures are led by CNIPA) and the primary
    theme."""
    present = tables["measures"].filter(pl.col("status") == "present")
    if present.height == 0:
        return pl.DataFrame(
            schema={
                "measure_id": pl.String,
                "plan_year": pl.Int32,
                "text": pl.String,
                "lead": pl.String,
                "lead_name": pl.String,
                "theme_id": pl.String,
                "theme_label": pl.String,
            }
        )
    to_current = current_successors(tables["agencies"])
    names = dict(
        zip(tables["agencies"]["agency_id"], tables["agencies"]["short_name"], strict=True)
    )
    links = tables["measure_agencies"]
    leads = (
        links.filter(pl.col("role") == "lead").select("measure_id", "agency_id")
        if links.height
        else pl.DataFrame(schema={"measure_id": pl.String, "agency_id": pl.String})
    )
    leads = leads.with_columns(
        lead=pl.col("agency_id").replace_strict(to_current, default=pl.col("agency_id"))
    ).with_columns(lead_name=pl.col("lead").replace_strict(names, default=pl.col("lead")))
    themes = tables["measure_themes"].filter(pl.col("rank") == 1).select("measure_id", "theme_id")
    labels = tables["themes"].select("theme_id", theme_label="label")
    return (
        present.select("measure_id", pl.col("plan_year").cast(pl.Int32), "text", "measure_no")
        .join(leads.select("measure_id", "lead", "lead_name"), on="measure_id", how="left")
        .join(themes, on="measure_id", how="left")
        .join(labels, on="theme_id", how="left")
        .sort("plan_year", "measure_no")
        .drop("measure_no")
    )


def measure_lineage(
    tables: dict[str, pl.DataFrame], config: lineage.LineageConfig | None = None
) -> pl.DataFrame:
    """For every present measure and each earlier plan it is compared with, the measure
    it continues (ipdash.corpus.lineage; docs/lineage.md)."""
    return lineage.link_measures(lineage_input(tables), config or lineage.load_config())
