"""One parsed document as rows: the one place that says how a ParsedSource becomes the
rows of the documents, sections, measures, renderings, mentions and warnings tables.
The build writes them (ipdash.store.tables), `python -m ipdash parse` prints them and
the Add a plan preview shows them, so the three never disagree.

Rows are plain dicts keyed by the table's column names (docs/schema.md); a few carry an
extra key the tables do not store (`measure_no` on mentions, `section_labels` on
measures) for the readers that group or print them.
"""

from __future__ import annotations

from ipdash.corpus.document import ParsedSource, measure_id
from ipdash.corpus.parse import ParsedMeasure


def document_row(d: ParsedSource) -> dict:
    """The document's row: what it is, how it was decoded, what the parser found."""
    s, p = d.source, d.parsed
    return {
        "doc_id": s.doc_id,
        "plan_year": s.plan_year,
        "period_label": s.period_label,
        "title": s.title,
        "issuing_body": s.issuing_body or None,
        "issue_date": s.issue_date,
        "reference_date": s.reference_date,
        "language": s.language or None,
        "rendering": s.rendering,
        "rendering_note": s.rendering_note or None,
        "is_canonical": s.canonical,
        "source_file": s.file,
        "sha256": d.decoded.sha256,
        "n_chars": len(d.decoded.text),
        "decoding": d.decoded.decoding,
        "n_measures_found": len(p.measures),
        "n_warnings": len(p.warnings),
        "role_note": p.role_note,
        "preamble": p.preamble or None,
        "language_code": d.language,
    }


def decision_row(d: ParsedSource) -> dict:
    """What was decided about the document and what is doubtful (DocumentReport)."""
    r = d.report()
    x = r.decisions
    return {
        "doc_id": d.source.doc_id,
        "plan_year": d.source.plan_year,
        "language": x.language,
        "numbering": x.numbering,
        "numbering_style": x.numbering_style,
        "numbers_run_on": x.numbers_run_on,
        "measure_level": x.measure_level,
        "heading_styles": " › ".join(x.heading_styles) or None,
        "families_tried": "; ".join(
            f"{t.family}: {t.items} items, {t.closed} closed" for t in x.tried
        ),
        "role_note_found": x.role_note_found,
        "lead_basis": x.lead_basis,
        "n_measures": r.n_measures,
        "stated_count": x.stated_count,
        "count_far": x.count_far,
        "n_open_lists": len(x.open_lists),
        "open_list_measures": _joined(x.open_lists),
        "n_unattributed": len(x.unattributed),
        "unattributed_measures": _joined(x.unattributed),
        "n_unresolved": sum(len(ms) for _, ms in r.unresolved),
        "unresolved_names": "; ".join(f"{n} ({_joined(ms)})" for n, ms in r.unresolved) or None,
        "name_notes": "; ".join(f"{n}: {why}" for n, why in r.name_notes) or None,
        "summary": " | ".join(r.lines()),
        "n_inferred_leads": len(r.inferred_leads),
        "doubts": " ".join(r.doubts()) or None,
    }


def _joined(numbers: tuple[int, ...]) -> str | None:
    return ", ".join(map(str, numbers)) or None


def section_rows(d: ParsedSource) -> list[dict]:
    """Every heading of the document, placeholders for missing ones included."""
    s = d.source
    return [
        {
            "plan_year": s.plan_year,
            "doc_id": s.doc_id,
            "level": h.level,
            "level_name": h.level_name,
            "number": h.number,
            "marker": h.marker,
            "title": h.title,
            "label": h.label,
            "unlabelled": h.unlabelled,
            "intro": h.intro,
            "start_offset": h.start,
            "end_offset": h.end,
        }
        for h in d.parsed.headings
    ]


def warning_rows(d: ParsedSource) -> list[dict]:
    """The parser's warnings about the document."""
    return [
        {
            "doc_id": d.source.doc_id,
            "measure_no": w.measure_no,
            "kind": w.kind,
            "message": w.message,
            "line": w.line,
            "offset": w.offset,
        }
        for w in d.parsed.warnings
    ]


def rendering_rows(d: ParsedSource) -> list[dict]:
    """Every measure's text as this document renders it."""
    s = d.source
    return [
        {
            "measure_id": measure_id(s.plan_year, m.number),
            "doc_id": s.doc_id,
            "source_file": s.file,
            "status": m.status,
            "text": m.text,
            "attribution_raw": m.attribution_raw,
            "start_offset": m.start,
            "end_offset": m.end,
            "number_label": m.label or None,
            "language": d.language,
        }
        for m in d.parsed.measures
    ]


def mention_rows(d: ParsedSource) -> list[dict]:
    """Every name in every attribution, with what it resolved to and its role, in the
    order of the measures and of the names."""
    s = d.source
    rows = []
    for m in d.parsed.measures:
        for men in d.mentions.get(m.number, []):
            r = men.resolution
            rows.append(
                {
                    "measure_id": measure_id(s.plan_year, m.number),
                    "measure_no": m.number,
                    "doc_id": s.doc_id,
                    "position": men.position,
                    "raw_name": men.raw_name,
                    "mention_kind": r.kind,
                    "agency_id": r.agency_id,
                    "group_id": r.group_id,
                    "role": men.role,
                    "resolution": r.method,
                    "note": r.note or None,
                    "role_basis": men.basis,
                }
            )
    return rows


def measure_agency_rows(d: ParsedSource) -> list[dict]:
    """Each registered body named on a measure, once (its first mention), with its role."""
    rows = []
    for m in d.parsed.measures:
        seen: set[str] = set()
        for men in d.mentions.get(m.number, []):
            agency_id = men.resolution.agency_id
            if agency_id and agency_id not in seen:
                seen.add(agency_id)
                rows.append(
                    {
                        "measure_id": measure_id(d.source.plan_year, m.number),
                        "agency_id": agency_id,
                        "role": men.role,
                        "position": men.position,
                        "raw_name": men.raw_name,
                        "role_basis": men.basis,
                    }
                )
    return rows


def path_columns(m: ParsedMeasure) -> dict:
    """The headings above a measure as columns: part, section and subsection (number and
    label) and the whole path as one line."""
    cols: dict = {}
    for name in ("part", "section", "subsection"):
        heading = next((h for h in m.path if h.level_name == name), None)
        cols[f"{name}_no"] = heading.number if heading else None
        cols[name] = heading.label if heading else None
    cols["section_path"] = " › ".join(h.label for h in m.path) or None
    return cols


def measure_rows(d: ParsedSource) -> list[dict]:
    """Every measure of the document: number, status, headings, text, attribution and
    how many bodies, groups and unresolved names it names, with its source offsets."""
    s = d.source
    rows = []
    for m in d.parsed.measures:
        mentions = d.mentions.get(m.number, [])
        agencies = {x.resolution.agency_id for x in mentions if x.resolution.agency_id}
        kinds = [x.resolution.kind for x in mentions]
        rows.append(
            {
                "measure_id": measure_id(s.plan_year, m.number),
                "plan_year": s.plan_year,
                "measure_no": m.number,
                "status": m.status,
                **path_columns(m),
                "section_labels": [h.label for h in m.path],
                "text": m.text,
                "attribution_raw": m.attribution_raw,
                "attribution_phrasing": m.phrasing,
                "role_convention": m.roles,
                "n_agencies": len(agencies),
                "n_generic_groups": kinds.count("generic_group"),
                "n_unresolved": kinds.count("unresolved"),
                "doc_id": s.doc_id,
                "source_file": s.file,
                "start_offset": m.start,
                "end_offset": m.end,
                "text_start_offset": m.text_start,
                "text_end_offset": m.text_end,
                "attribution_start_offset": m.attribution_start,
                "attribution_end_offset": m.attribution_end,
                "number_label": m.label or None,
                "number_as_written": m.number_written,
                "role_basis": role_basis(mentions),
                "open_list": m.open_list,
                "open_list_ending": m.attribution.open_suffix or None if m.attribution else None,
            }
        )
    return rows


def role_basis(mentions: list) -> str | None:
    """Where a measure's roles come from: "explicit" when the attribution's words give
    every role, else how the plain list's lead is known ("stated" / "inferred"); None
    without attribution."""
    bases = {x.basis for x in mentions}
    if not bases:
        return None
    return "explicit" if bases == {"explicit"} else (bases - {"explicit"}).pop()


def mentions_by_measure(d: ParsedSource) -> dict[int, list[dict]]:
    """mention_rows grouped by measure number (every measure present, possibly empty)."""
    grouped: dict[int, list[dict]] = {m.number: [] for m in d.parsed.measures}
    for row in mention_rows(d):
        grouped[row["measure_no"]].append(row)
    return grouped
