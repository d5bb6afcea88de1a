"""Build the DuckDB database from the sources: parse every document, resolve agencies,
compare renderings, and write the tables into a new database generation.

The build never touches the live database: it writes a temporary file, checkpoints it,
renames it to a new generation and then switches the CURRENT pointer atomically. A
failure at any point leaves the previous database in place, complete.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ipdash import __version__, paths
from ipdash.corpus.agencies import (
    Mention,
    Registry,
    load_registry,
    looks_like_body_list,
    normalize_name,
    resolve_attribution,
)
from ipdash.corpus.clean import comparable_words
from ipdash.corpus.parse import ParsedDocument, ParsedMeasure, parse_document
from ipdash.corpus.patterns import Patterns, load_patterns
from ipdash.corpus.sources import DecodedText, Source, load_manifest, read_source
from ipdash.corpus.themes import Taxonomy, ThemeResult, apply_manual, classify, load_taxonomy
from ipdash.errors import IpdashError
from ipdash.store.db import (
    build_lock,
    generation_path,
    prune_generations,
    publish_generation,
)

LOG = logging.getLogger(__name__)

# At most this many word differences are spelled out per measure in a disagreement.
MAX_DIFFS_SHOWN = 4


class BuildError(IpdashError):
    """The build failed; the previous database is untouched."""


@dataclass(frozen=True)
class ParsedSource:
    """A document read, parsed and with its attributions resolved."""

    source: Source
    decoded: DecodedText
    parsed: ParsedDocument
    mentions: dict[int, list[Mention]] = field(default_factory=dict)


def parse_source(
    source: Source,
    decoded: DecodedText,
    patterns: Patterns,
    registry: Registry,
    parsed: ParsedDocument | None = None,
) -> ParsedSource:
    """Parse one decoded document (unless `parsed` is given) and resolve its
    attributions on its reference date."""
    if parsed is None:
        parsed = parse_document(
            decoded.text,
            patterns,
            source=source.file,
            is_body_list=lambda names: looks_like_body_list(names, registry, patterns.attribution),
        )
    mentions = {
        m.number: resolve_attribution(
            m.names, m.roles or "lead_first", registry, patterns.attribution, source.reference_date
        )
        for m in parsed.measures
        if m.names
    }
    return ParsedSource(source, decoded, parsed, mentions)


def measure_id(plan_year: int, number: int) -> str:
    return f"{plan_year}-{number:03d}"


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


# ---------------------------------------------------------------------------------------
# Tables


def _path_columns(m: ParsedMeasure) -> dict:
    cols: dict = {}
    for name in ("part", "section", "subsection"):
        heading = next((h for h in m.path if h.level_name == name), None)
        cols[f"{name}_no"] = heading.number if heading else None
        cols[name] = heading.label if heading else None
    cols["section_path"] = " › ".join(h.label for h in m.path) or None
    return cols


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
        }
        for r in taxonomy.rules
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


def build_tables(docs: list[ParsedSource], registry: Registry) -> dict[str, pl.DataFrame]:
    """The rows of every table, as Polars frames with the schema's column order."""
    by_year: dict[int, list[ParsedSource]] = {}
    for d in docs:
        by_year.setdefault(d.source.plan_year, []).append(d)

    documents, plans, sections, measures, renderings = [], [], [], [], []
    mentions_rows, agency_rows, disagreements, warnings = [], [], [], []
    for d in docs:
        s, p = d.source, d.parsed
        documents.append(
            {
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
            }
        )
        for h in p.headings:
            sections.append(
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
            )
        for w in p.warnings:
            warnings.append(
                {
                    "doc_id": s.doc_id,
                    "measure_no": w.measure_no,
                    "kind": w.kind,
                    "message": w.message,
                    "line": w.line,
                    "offset": w.offset,
                }
            )
        for m in p.measures:
            mid = measure_id(s.plan_year, m.number)
            renderings.append(
                {
                    "measure_id": mid,
                    "doc_id": s.doc_id,
                    "source_file": s.file,
                    "status": m.status,
                    "text": m.text,
                    "attribution_raw": m.attribution_raw,
                    "start_offset": m.start,
                    "end_offset": m.end,
                }
            )
            for men in d.mentions.get(m.number, []):
                r = men.resolution
                mentions_rows.append(
                    {
                        "measure_id": mid,
                        "doc_id": s.doc_id,
                        "position": men.position,
                        "raw_name": men.raw_name,
                        "mention_kind": r.kind,
                        "agency_id": r.agency_id,
                        "group_id": r.group_id,
                        "role": men.role,
                        "resolution": r.method,
                        "note": r.note or None,
                    }
                )

    for year in sorted(by_year):
        group = by_year[year]
        canonical = next(d for d in group if d.source.canonical)
        for other in group:
            if other is not canonical:
                disagreements.extend(compare_renderings(canonical, other))
        s, p = canonical.source, canonical.parsed
        for m in p.measures:
            mid = measure_id(year, m.number)
            seen: set[str] = set()
            ms = canonical.mentions.get(m.number, [])
            for men in ms:
                aid = men.resolution.agency_id
                if aid and aid not in seen:
                    seen.add(aid)
                    agency_rows.append(
                        {
                            "measure_id": mid,
                            "agency_id": aid,
                            "role": men.role,
                            "position": men.position,
                            "raw_name": men.raw_name,
                        }
                    )
            measures.append(
                {
                    "measure_id": mid,
                    "plan_year": year,
                    "measure_no": m.number,
                    "status": m.status,
                    **_path_columns(m),
                    "text": m.text,
                    "attribution_raw": m.attribution_raw,
                    "attribution_phrasing": m.phrasing,
                    "role_convention": m.roles,
                    "n_agencies": len(seen),
                    "n_generic_groups": sum(1 for x in ms if x.resolution.kind == "generic_group"),
                    "n_unresolved": sum(1 for x in ms if x.resolution.kind == "unresolved"),
                    "doc_id": s.doc_id,
                    "source_file": s.file,
                    "start_offset": m.start,
                    "end_offset": m.end,
                    "text_start_offset": m.text_start,
                    "text_end_offset": m.text_end,
                    "attribution_start_offset": m.attribution_start,
                    "attribution_end_offset": m.attribution_end,
                }
            )
        present = [m for m in p.measures if m.status == "present"]
        plans.append(
            {
                "plan_year": year,
                "period_label": s.period_label,
                "title": s.title,
                "issuing_body": s.issuing_body or None,
                "issue_date": s.issue_date,
                "canonical_doc_id": s.doc_id,
                "n_renderings": len(group),
                "expected_measures": s.expected_measures,
                "n_measures": len(p.measures),
                "n_present": len(present),
                "n_omitted": len(p.measures) - len(present),
                "n_attributed": sum(1 for m in present if m.attribution_raw),
                "names_agencies": any(m.attribution_raw for m in present),
                "role_note": p.role_note,
            }
        )

    agencies = [
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
        }
        for a in registry.agencies.values()
    ]
    kinds = [
        {
            "kind": k.kind,
            "label": k.label,
            "colour": k.colour,
            "sort_order": k.sort_order,
            "description": k.description,
        }
        for k in registry.kinds.values()
    ]
    aliases = [
        {
            "alias": a.alias,
            "alias_normalized": normalize_name(a.alias),
            "agency_id": a.agency_id,
            "source": a.source,
            "note": a.note or None,
        }
        for a in registry.aliases
    ]
    groups = [
        {
            "group_id": g.group_id,
            "label": g.label,
            "aliases": "; ".join(g.aliases),
            "description": g.description or None,
        }
        for g in registry.groups.values()
    ]
    return {
        "plans": pl.DataFrame(plans, infer_schema_length=None),
        "documents": pl.DataFrame(documents, infer_schema_length=None),
        "sections": pl.DataFrame(sections, infer_schema_length=None),
        "measures": pl.DataFrame(measures, infer_schema_length=None),
        "measure_renderings": pl.DataFrame(renderings, infer_schema_length=None),
        "agency_kinds": pl.DataFrame(kinds, infer_schema_length=None),
        "agencies": pl.DataFrame(agencies, infer_schema_length=None),
        "agency_aliases": pl.DataFrame(aliases, infer_schema_length=None),
        "generic_groups": pl.DataFrame(groups, infer_schema_length=None),
        "attribution_mentions": pl.DataFrame(mentions_rows, infer_schema_length=None),
        "measure_agencies": pl.DataFrame(agency_rows, infer_schema_length=None),
        "rendering_disagreements": pl.DataFrame(disagreements, infer_schema_length=None),
        "parse_warnings": pl.DataFrame(warnings, infer_schema_length=None),
    }


# ---------------------------------------------------------------------------------------
# Writing


def _files_digest(paths_: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths_):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def data_version(raw_dir: Path, sources: list[Source]) -> str:
    """A hash of every input: source files, curated data and the code that reads them.
    The same inputs give the same version, whatever the build time."""
    raw_dir = raw_dir.resolve()  # a relative --raw would not compare with paths.ROOT
    inputs = [raw_dir / s.file for s in sources] + [raw_dir / "manifest.csv"]
    for directory in (paths.REGISTRY, paths.PATTERNS, paths.TAXONOMY):
        if directory.is_dir():
            inputs += [p for p in directory.rglob("*") if p.is_file()]
    package = paths.ROOT / "ipdash"
    inputs += [p for p in package.rglob("*") if p.suffix in {".py", ".sql"}]
    outside = [p for p in inputs if not p.resolve().is_relative_to(paths.ROOT)]
    digest = _files_digest([p for p in inputs if p not in outside], paths.ROOT)
    if outside:
        digest = hashlib.sha256((digest + _files_digest(outside, raw_dir)).encode()).hexdigest()
    return digest[:12]


def sources_version(raw_dir: Path = paths.RAW) -> str:
    """The data version a build of raw_dir would have now (compare it with a database's
    build_info.data_version to see whether the database is out of date)."""
    return data_version(raw_dir, load_manifest(raw_dir))


def _column_list(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def write_database(tables: dict[str, pl.DataFrame], path: Path, info: dict) -> None:
    """Create the schema in a new file at `path` and load the tables into it."""
    con = duckdb.connect(str(path))
    try:
        con.execute((paths.SQL / "schema.sql").read_text(encoding="utf-8"))
        for name, frame in tables.items():
            columns = _column_list(con, name)
            if frame.height == 0:
                continue
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise BuildError(f"internal: table {name} lacks columns {missing}")
            con.register("staging_frame", frame.select(columns))
            quoted = ", ".join(f'"{c}"' for c in columns)
            con.execute(f'INSERT INTO "{name}" ({quoted}) SELECT {quoted} FROM staging_frame')  # noqa: S608 - names come from the schema
            con.unregister("staging_frame")
        con.execute(
            "INSERT INTO build_info VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                info["build_id"],
                info["data_version"],
                info["built_at"],
                __version__,
                duckdb.__version__,
                info["n_documents"],
                info["n_measures"],
            ],
        )
        con.execute((paths.SQL / "views.sql").read_text(encoding="utf-8"))
        con.execute((paths.SQL / "marts.sql").read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
    finally:
        con.close()


@dataclass(frozen=True)
class PlanSummary:
    plan_year: int
    period_label: str
    n_measures: int
    n_present: int
    n_omitted: int
    n_attributed: int
    n_agencies: int
    n_renderings: int
    n_warnings: int


@dataclass(frozen=True)
class BuildResult:
    path: Path
    build_id: str
    data_version: str
    plans: list[PlanSummary]
    n_disagreements: int
    seconds: float


def parse_all(
    raw_dir: Path, patterns: Patterns, registry: Registry
) -> tuple[list[Source], list[ParsedSource]]:
    sources = load_manifest(raw_dir)
    docs = []
    for source in sources:
        decoded = read_source(source, raw_dir)
        docs.append(parse_source(source, decoded, patterns, registry))
    return sources, docs


def corpus_tables(
    sources: list[Source], raw_dir: Path, check_manual: bool = True
) -> dict[str, pl.DataFrame]:
    """Every table of these documents (read, parsed, resolved and classified)."""
    patterns, registry = load_patterns(), load_registry()
    docs = []
    for source in sources:
        docs.append(parse_source(source, read_source(source, raw_dir), patterns, registry))
    return build_tables(docs, registry) | theme_tables(docs, load_taxonomy(), check_manual)


# Tables with rows per document or plan (the others hold the registry and the codebook).
PLAN_TABLES = (
    "plans",
    "documents",
    "sections",
    "measures",
    "measure_renderings",
    "attribution_mentions",
    "measure_agencies",
    "rendering_disagreements",
    "parse_warnings",
    "measure_themes",
    "manual_theme_decisions",
)
# From this many bytes of sources the build uses worker processes. Below it they gain
# little (measured: 1.7 s instead of 1.8 s at 1.4 MB; the real plans are 0.2 MB and
# slower with workers) and the app, which may build, keeps to one process.
PARALLEL_MIN_BYTES = 4_000_000


def _plan_tables(sources: list[Source], raw_dir: str) -> dict[str, pl.DataFrame]:
    # A worker's task: the tables of one plan year's documents (renderings together).
    tables = corpus_tables(sources, Path(raw_dir), check_manual=False)
    return {name: tables[name] for name in PLAN_TABLES}


def build_workers(sources: list[Source], raw_dir: Path) -> int:
    """Worker processes for a build: one per core for a large corpus, else none."""
    size = sum((raw_dir / s.file).stat().st_size for s in sources)
    return 1 if size < PARALLEL_MIN_BYTES else min(os.cpu_count() or 1, len(sources))


def parallel_tables(sources: list[Source], raw_dir: Path, workers: int) -> dict[str, pl.DataFrame]:
    """corpus_tables with the plans spread over worker processes (each plan year's
    documents in one task), the rows in plan-year order. Workers are spawned, not
    forked: the app may build from a process with threads running."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    by_year: dict[int, list[Source]] = {}
    for source in sources:
        by_year.setdefault(source.plan_year, []).append(source)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(
                pool.map(
                    _plan_tables,
                    [by_year[year] for year in sorted(by_year)],
                    [str(raw_dir)] * len(by_year),
                )
            )
    except BrokenProcessPool:
        # A worker could not start (e.g. a script calling the build without an
        # `if __name__ == "__main__":` guard): the same tables in this process.
        LOG.warning("build workers failed to start; building in one process")
        return corpus_tables(sources, raw_dir)
    shared = build_tables([], load_registry()) | theme_tables([], load_taxonomy(), False)
    tables = {name: frame for name, frame in shared.items() if name not in PLAN_TABLES}
    for name in PLAN_TABLES:
        frames = [part[name] for part in parts if part[name].width]
        tables[name] = pl.concat(frames, how="diagonal_relaxed") if frames else shared[name]
    applied = tables["manual_theme_decisions"]
    check_manual_decisions(load_taxonomy(), set(applied["measure_id"]) if applied.height else set())
    return tables


def build_database(
    raw_dir: Path = paths.RAW,
    db: Path | None = None,
    db_dir: Path = paths.DB_DIR,
    workers: int | None = None,
) -> BuildResult:
    """Build the database. With `db`, write that single file (atomically replaced);
    otherwise write a new generation in `db_dir` and make it current. `workers`: worker
    processes for parsing and classifying (default: build_workers)."""
    started = time.perf_counter()
    raw_dir = raw_dir.resolve()
    sources = load_manifest(raw_dir)
    if workers is None:
        workers = build_workers(sources, raw_dir)
    if workers > 1:
        tables = parallel_tables(sources, raw_dir, workers)
    else:
        tables = corpus_tables(sources, raw_dir)
    version = data_version(raw_dir, sources)
    now = datetime.now(UTC)
    build_id = f"{now:%Y%m%dT%H%M%S%fZ}-{version[:8]}"
    info = {
        "build_id": build_id,
        "data_version": version,
        "built_at": now.replace(tzinfo=None),
        "n_documents": len(sources),
        "n_measures": tables["measures"].height,
    }

    target_dir = db.parent if db is not None else db_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(target_dir):
        final = db if db is not None else generation_path(db_dir, build_id)
        tmp = final.with_name(final.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            write_database(tables, tmp, info)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        if db is None:
            publish_generation(db_dir, final)
            prune_generations(db_dir)

    agencies_per_year = (
        tables["measure_agencies"]
        .join(tables["measures"].select("measure_id", "plan_year"), on="measure_id")
        .group_by("plan_year")
        .agg(pl.col("agency_id").n_unique().alias("n"))
        if tables["measure_agencies"].height
        else pl.DataFrame({"plan_year": [], "n": []})
    )
    n_agencies = dict(agencies_per_year.iter_rows())
    warnings_by_year = dict(
        tables["documents"].group_by("plan_year").agg(pl.col("n_warnings").sum()).iter_rows()
    )
    summaries = [
        PlanSummary(
            r["plan_year"],
            r["period_label"],
            r["n_measures"],
            r["n_present"],
            r["n_omitted"],
            r["n_attributed"],
            n_agencies.get(r["plan_year"], 0),
            r["n_renderings"],
            warnings_by_year.get(r["plan_year"], 0),
        )
        for r in tables["plans"].iter_rows(named=True)
    ]
    return BuildResult(
        final,
        build_id,
        version,
        summaries,
        tables["rendering_disagreements"].height,
        time.perf_counter() - started,
    )
