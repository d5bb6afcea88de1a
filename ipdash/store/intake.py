"""Adding a plan: read an uploaded document (.txt, .md, .pdf or .docx), preview what
the parser finds before anything is written, then store it under data/raw with its
manifest entry and build a new database generation, switched to atomically.

The steps and what a failure leaves behind:

1. `extract_text` and `preview` only read: an unreadable file or one without measures
   raises ParseError and nothing is written.
2. `add_plan` first builds every table in memory from the current documents plus the
   new one (a dry run): if that fails, nothing is written.
3. It then writes the document under a new name, and the new manifest through a
   temporary file renamed over the old one (a plan replaced keeps its files, moved to
   data/raw/replaced/).
4. Finally it builds a new database generation and points CURRENT at it. If that build
   fails, the manifest, the files and the served database are restored as they were.
   If the process is killed between 3 and 4, the app rebuilds on its next start, because
   the database's data version no longer matches data/raw (see web.ensure_database).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from ipdash.corpus import rows
from ipdash.corpus.agencies import Registry, load_registry
from ipdash.corpus.chinese import is_chinese
from ipdash.corpus.document import ParsedSource, parse_source, parse_text
from ipdash.corpus.parse import GuessedMetadata, ParsedDocument, guess_metadata
from ipdash.corpus.patterns import Patterns, load_patterns
from ipdash.corpus.sources import (
    MANIFEST,
    PERIOD_LABEL,
    RENDERINGS,
    DecodedText,
    Source,
    load_manifest,
    read_document,
    read_source,
)
from ipdash.corpus.sources import (
    MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES,  # re-exported: the page states the limit
)
from ipdash.corpus.themes import load_taxonomy
from ipdash.errors import IpdashError
from ipdash.fileio import exclusive_lock, write_atomic
from ipdash.store import queries
from ipdash.store.build import BuildResult, build_database
from ipdash.store.db import connect_read_only, current_db_path
from ipdash.store.tables import build_tables, theme_tables

MODES = ("new", "rendering", "replace")
# Where uploaded PDF and Word originals are kept, beside the text the build reads.
ORIGINALS = "originals"
REPLACED = "replaced"
# Plausible plan years (the manifest accepts the same range).
YEARS = (1990, 2100)


class AddPlanError(IpdashError):
    """The plan could not be added; data/raw and the database are as they were."""


# ---------------------------------------------------------------------------------------
# Reading an upload


@dataclass(frozen=True)
class Extracted:
    """An uploaded document as text, with how the text was obtained."""

    name: str  # the file name as uploaded
    suffix: str  # ".txt", ".md", ".pdf" or ".docx"
    data: bytes  # the bytes as uploaded
    decoded: DecodedText  # the text the parser reads and how it was decoded
    # The text parsed, per patterns and registry: see document().
    parsed: dict[tuple[int, int], ParsedDocument] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def rendering(self) -> str:
        return RENDERINGS[self.suffix]

    @property
    def language(self) -> str:
        """The text's language for the manifest: "zh" for a Chinese original, else "en"."""
        return "zh" if is_chinese(self.decoded.text) else "en"

    def document(self, patterns: Patterns, registry: Registry) -> ParsedDocument:
        """The text parsed into measures, once per upload: guessing its metadata and
        previewing it with any metadata read the same parse (only the resolution of
        names depends on the plan's date)."""
        key = (id(patterns), id(registry))
        if key not in self.parsed:
            self.parsed[key] = parse_text(self.decoded.text, self.name, patterns, registry)
        return self.parsed[key]


def _safe_name(name: str) -> str:
    """The base name of an uploaded file, for messages (no folders, no control chars)."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:120] or "upload"


def extract_text(name: str, data: bytes) -> Extracted:
    """The text of an uploaded document, read as `python -m ipdash parse` reads a file
    (ipdash.corpus.sources.read_document). Raises ParseError (with the file name and what
    was expected) for an unsupported type, a file too large, or one that is not text."""
    name = _safe_name(name)
    decoded = read_document(name, data)
    return Extracted(name, Path(name).suffix.lower(), data, decoded)


# ---------------------------------------------------------------------------------------
# Preview


@dataclass(frozen=True)
class PlanMetadata:
    """What the person adding a plan states about it."""

    plan_year: int
    period_label: str
    title: str
    issuing_body: str = ""
    issue_date: date | None = None


@dataclass(frozen=True)
class Preview:
    """What the parser finds in an upload, before anything is written."""

    extracted: Extracted
    metadata: PlanMetadata
    guessed: GuessedMetadata
    parsed: ParsedSource
    existing: tuple[Source, ...]  # renderings of this plan year already in data/raw
    registry: Registry = field(repr=False)

    @property
    def n_measures(self) -> int:
        return len(self.parsed.parsed.measures)

    @property
    def n_present(self) -> int:
        return len(self.parsed.parsed.present)

    def measures(self) -> pl.DataFrame:
        """One row per measure: number, status, section, text, bodies with roles."""
        mentions = rows.mentions_by_measure(self.parsed)
        return pl.DataFrame(
            [
                {
                    "no.": m["measure_no"],
                    "status": m["status"],
                    "section": " › ".join(m["section_labels"]),
                    "text": m["text"],
                    "bodies (role)": "; ".join(
                        f"{self._label(x)} ({x['role']})"
                        for x in mentions[m["measure_no"]]
                        if x["mention_kind"] != "unresolved"
                    ),
                    "unresolved": "; ".join(
                        x["raw_name"]
                        for x in mentions[m["measure_no"]]
                        if x["mention_kind"] == "unresolved"
                    ),
                    "attribution as written": m["attribution_raw"] or "",
                }
                for m in rows.measure_rows(self.parsed)
            ],
            schema=_MEASURE_SCHEMA,
        )

    def _label(self, mention: dict) -> str:
        if mention["mention_kind"] == "agency":
            return self.registry.agencies[mention["agency_id"]].short_name
        if mention["mention_kind"] == "generic_group":
            return f"group: {mention['group_id']}"
        return f"? {mention['raw_name']}"

    def sections(self) -> pl.DataFrame:
        """The headings the measures sit under, with their measure counts."""
        counts: dict[str, int] = {}
        for m in rows.measure_rows(self.parsed):
            key = m["section_path"] or "(no heading)"
            counts[key] = counts.get(key, 0) + 1
        return pl.DataFrame(
            {"section": list(counts), "measures": list(counts.values())},
            schema={"section": pl.String, "measures": pl.Int64},
        )

    def agencies(self) -> pl.DataFrame:
        """Every body found, with how many measures it leads, joins or shares jointly."""
        roles: dict[str, dict[str, int]] = {}
        for x in rows.mention_rows(self.parsed):
            if x["mention_kind"] == "agency":
                counts = roles.setdefault(x["agency_id"], {})
                counts[x["role"]] = counts.get(x["role"], 0) + 1
        found = [
            {
                "body": self.registry.agencies[a].short_name,
                "name": self.registry.agencies[a].name,
                "leads": c.get("lead", 0),
                "participates": c.get("participant", 0),
                "shares jointly": c.get("joint", 0),
            }
            for a, c in roles.items()
        ]
        frame = pl.DataFrame(found, schema=_AGENCY_SCHEMA)
        return frame.sort(["leads", "participates", "body"], descending=[True, True, False])

    def unresolved(self) -> pl.DataFrame:
        """Names in attributions that match no registered body, with their measures."""
        found: dict[str, list[int]] = {}
        for x in rows.mention_rows(self.parsed):
            if x["mention_kind"] == "unresolved":
                found.setdefault(x["raw_name"], []).append(x["measure_no"])
        return pl.DataFrame(
            {
                "name as written": list(found),
                "measures": [", ".join(map(str, v)) for v in found.values()],
            },
            schema={"name as written": pl.String, "measures": pl.String},
        )

    def warnings(self) -> pl.DataFrame:
        """The parser's warnings (numbering gaps, duplicate numbers, measures without
        bodies in a plan that names them elsewhere, text it could not place), and a note
        when no measure names a body."""
        rows = [
            {"kind": w.kind, "line": w.line, "measure": w.measure_no, "message": w.message}
            for w in self.parsed.parsed.warnings
        ]
        # The parser itself reports single measures without bodies ("no_attribution").
        if not any(m.attribution_raw for m in self.parsed.parsed.present):
            rows.append(
                {
                    "kind": "no_bodies",
                    "line": None,
                    "measure": None,
                    "message": "no measure names a responsible body (like the 2014 plan): "
                    "the plan will count in theme charts, not in agency charts",
                }
            )
        return pl.DataFrame(rows, schema=_WARNING_SCHEMA)


_MEASURE_SCHEMA = {
    "no.": pl.Int64,
    "status": pl.String,
    "section": pl.String,
    "text": pl.String,
    "bodies (role)": pl.String,
    "unresolved": pl.String,
    "attribution as written": pl.String,
}
_AGENCY_SCHEMA = {
    "body": pl.String,
    "name": pl.String,
    "leads": pl.Int64,
    "participates": pl.Int64,
    "shares jointly": pl.Int64,
}
_WARNING_SCHEMA = {"kind": pl.String, "line": pl.Int64, "measure": pl.Int64, "message": pl.String}


def _source_for(
    extracted: Extracted, metadata: PlanMetadata, file: str, doc_id: str, canonical: bool
) -> Source:
    today = datetime.now(UTC).date().isoformat()
    return Source(
        file=file,
        doc_id=doc_id,
        plan_year=metadata.plan_year,
        period_label=metadata.period_label,
        title=metadata.title,
        issuing_body=metadata.issuing_body,
        issue_date=metadata.issue_date,
        language=extracted.language,
        rendering=extracted.rendering,
        canonical=canonical,
        expected_measures=None,
        rendering_note=f"Added with ipdash on {today} from the upload {extracted.name} "
        f"(decoded as {extracted.decoded.decoding}).",
    )


def guess(
    extracted: Extracted, patterns: Patterns | None = None, registry: Registry | None = None
) -> GuessedMetadata:
    """What the text states about itself (plan year, period, title), to pre-fill a form."""
    patterns = patterns or load_patterns()
    registry = registry or load_registry()
    return guess_metadata(extracted.document(patterns, registry))


def check_metadata(metadata: PlanMetadata) -> None:
    """Refuse an implausible year or an empty period label or title."""
    low, high = YEARS
    if not low <= metadata.plan_year <= high:
        raise AddPlanError(f"plan year {metadata.plan_year} is not between {low} and {high}")
    if not metadata.period_label.strip():
        raise AddPlanError("the period label is empty: e.g. 2023, or 2023–2024")
    if not PERIOD_LABEL.fullmatch(metadata.period_label):
        raise AddPlanError(
            f"the period label must be a year or two years, e.g. 2023 or 2023–2024, "
            f"got {metadata.period_label!r}"
        )
    if not metadata.title.strip():
        raise AddPlanError("the title is empty: give the plan's title as the document states it")
    if "\n" in metadata.title or "\n" in metadata.period_label:
        raise AddPlanError("the title and period label must be one line each")


def preview(
    extracted: Extracted,
    metadata: PlanMetadata | None = None,
    *,
    raw_dir: Path,
    patterns: Patterns | None = None,
    registry: Registry | None = None,
) -> Preview:
    """Parse the upload as the build would (agencies resolved on the plan's date)
    without writing anything. Without metadata, what the text states is used."""
    patterns = patterns or load_patterns()
    registry = registry or load_registry()
    guessed = guess(extracted, patterns, registry)
    if metadata is None:
        year = guessed.plan_year or datetime.now(UTC).year
        metadata = PlanMetadata(
            year, guessed.period_label or str(year), guessed.title or extracted.name
        )
    parsed = parse_source(
        _source_for(extracted, metadata, extracted.name, "preview", True),
        extracted.decoded,
        patterns,
        registry,
        extracted.document(patterns, registry),
    )
    existing = tuple(s for s in load_manifest(raw_dir) if s.plan_year == metadata.plan_year)
    return Preview(extracted, metadata, guessed, parsed, existing, registry)


# ---------------------------------------------------------------------------------------
# Adding


@dataclass(frozen=True)
class AddResult:
    file: str
    doc_id: str
    mode: str
    build: BuildResult
    replaced: tuple[str, ...] = ()


def _raw_lock(raw_dir: Path) -> contextlib.AbstractContextManager[None]:
    """One plan is added at a time (an exclusive lock on a file in data/raw)."""
    return exclusive_lock(raw_dir / ".add.lock")


def _manifest_row(source: Source) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            source.file,
            source.doc_id,
            source.plan_year,
            source.period_label,
            source.title,
            source.issuing_body,
            source.issue_date.isoformat() if source.issue_date else "",
            source.language,
            source.rendering,
            "true" if source.canonical else "false",
            source.expected_measures if source.expected_measures is not None else "",
            source.rendering_note,
        ]
    )
    return out.getvalue()


def _split_manifest(text: str, plan_year: int) -> tuple[str, str]:
    """The manifest text without the rows of one plan year, and the header with those
    rows; every line exactly as written (so the change reviews as a clean diff)."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    year_column = header.index("plan_year")
    drop: set[int] = set()
    start = header_end = reader.line_num  # physical lines consumed so far
    for record in reader:
        end = reader.line_num
        if len(record) > year_column and record[year_column].strip() == str(plan_year):
            drop.update(range(start, end))
        start = end
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    rows = "".join(line for i, line in enumerate(lines) if i in drop or i < header_end)
    return kept, rows


def manifest_without_year(text: str, plan_year: int) -> str:
    """The manifest text without the rows of one plan year; every other line is kept
    exactly as written (so the change reviews as a clean diff)."""
    return _split_manifest(text, plan_year)[0]


def manifest_not_canonical(text: str, plan_year: int) -> str:
    """The manifest text with the rows of one plan year marked canonical=false (a
    Chinese original added to the year takes their place); every other line is kept
    exactly as written."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    year_column, canonical_column = header.index("plan_year"), header.index("canonical")
    replaced: dict[int, str] = {}  # first physical line of a record -> its new text
    drop: set[int] = set()
    start = reader.line_num
    for record in reader:
        end = reader.line_num
        if len(record) > canonical_column and record[year_column].strip() == str(plan_year):
            record[canonical_column] = "false"
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(record)
            replaced[start] = out.getvalue()
            drop.update(range(start + 1, end))
        start = end
    return "".join(replaced.get(i, line) for i, line in enumerate(lines) if i not in drop)


def _new_file_name(raw_dir: Path, sources: list[Source], digest: str) -> str:
    numbers = [int(m.group(1)) for s in sources if (m := re.match(r"(\d{3})_", s.file))]
    taken = {p.name for p in raw_dir.iterdir()}
    number = max(numbers, default=-1) + 1
    while True:
        name = f"{number:03d}_{digest[:16]}.txt"
        if name not in taken:
            return name
        number += 1


def _new_doc_id(sources: list[Source], plan_year: int, rendering: str, canonical: bool) -> str:
    """The year for a new plan ("2023"), the year and rendering for another rendering
    ("2012-markdown"), numbered if taken."""
    taken = {s.doc_id for s in sources}
    base = str(plan_year) if canonical else f"{plan_year}-{rendering}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class RawChanges:
    """Changes to data/raw made inside `raw_transaction`, each recorded so that it can be
    undone: files written, files moved aside, the manifest rewritten."""

    def __init__(self, raw_dir: Path) -> None:
        self.raw_dir = raw_dir
        self.manifest = raw_dir / MANIFEST
        self.old_manifest = self.manifest.read_bytes()
        self.written: list[Path] = []
        self.moved: list[tuple[Path, Path]] = []  # (where it is now, where it was)
        self.made_dirs: list[Path] = []

    def write(self, path: Path, data: bytes) -> None:
        """Write a new file atomically (it is removed on rollback)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        self.written.append(path)

    def write_manifest(self, text: str) -> None:
        """Replace the manifest in one rename (the old one is restored on rollback)."""
        write_atomic(self.manifest, text.encode("utf-8"))

    def move_aside(self, path: Path, folder: Path) -> None:
        """Move a file into `folder` (created; moved back and removed on rollback)."""
        if not folder.exists():
            folder.mkdir(parents=True)
            self.made_dirs.append(folder)
        shutil.move(path, folder / path.name)
        self.moved.append((folder / path.name, path))

    def rollback(self) -> None:
        """Put data/raw back as it was before the first change."""
        for moved_to, original_place in reversed(self.moved):
            with contextlib.suppress(OSError):
                shutil.move(moved_to, original_place)
        write_atomic(self.manifest, self.old_manifest)
        for path in self.written:
            with contextlib.suppress(OSError):
                path.unlink()
        for folder in self.made_dirs:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def raw_transaction(raw_dir: Path) -> Iterator[RawChanges]:
    """Changes to data/raw that all stay or all go: if the block raises (or is
    interrupted), every change recorded is undone and the exception goes on."""
    changes = RawChanges(raw_dir)
    try:
        yield changes
    except BaseException:
        changes.rollback()
        raise


def _plan_metadata_for(mode: str, metadata: PlanMetadata, same_year: list[Source]) -> PlanMetadata:
    """Check the mode against the plans already in the corpus; another rendering keeps
    the plan's period label and title."""
    if same_year and mode == "new":
        raise AddPlanError(
            f"the corpus already has a {same_year[0].period_label} plan (year "
            f"{metadata.plan_year}): add this document as another rendering of it, or "
            "replace it"
        )
    if not same_year and mode != "new":
        raise AddPlanError(
            f"there is no plan of year {metadata.plan_year} to {mode}: add it as a new plan"
        )
    if mode != "rendering":
        return metadata
    canonical = next(s for s in same_year if s.canonical)
    return PlanMetadata(
        metadata.plan_year,
        canonical.period_label,
        canonical.title,
        metadata.issuing_body or canonical.issuing_body,
        metadata.issue_date or canonical.issue_date,
    )


def _dry_run(kept: list[Source], new: tuple[Source, DecodedText], raw_dir: Path) -> None:
    """Every table built in memory from the documents as they will be; raises
    AddPlanError if that fails (nothing has been written yet)."""
    patterns, registry = load_patterns(), load_registry()
    docs: list[ParsedSource] = [
        parse_source(s, read_source(s, raw_dir), patterns, registry) for s in kept
    ]
    docs.append(parse_source(*new, patterns, registry))
    try:
        build_tables(docs, registry)
        theme_tables(docs, load_taxonomy())
    except IpdashError as exc:
        raise AddPlanError(f"the plan cannot be built: {exc}; nothing was changed") from exc


def add_plan(
    extracted: Extracted,
    metadata: PlanMetadata,
    mode: str = "new",
    *,
    raw_dir: Path,
    db_dir: Path,
) -> AddResult:
    """Store the document under raw_dir with its manifest row and build a new database
    generation. `mode`: "new" (a plan year not yet in the corpus), "rendering" (another
    rendering of an existing plan: it keeps that plan's period label and title) or
    "replace" (the new document replaces the plan year's documents, which are moved to
    raw_dir/replaced/). Raises AddPlanError or ParseError and changes nothing on failure."""
    if mode not in MODES:
        raise AddPlanError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    check_metadata(metadata)
    with _raw_lock(raw_dir):
        sources = load_manifest(raw_dir)
        same_year = [s for s in sources if s.plan_year == metadata.plan_year]
        metadata = _plan_metadata_for(mode, metadata, same_year)
        # A Chinese original added to a plan rendered in English prevails: it becomes the
        # canonical rendering (docs/schema.md, "Two languages").
        canonical = next((s for s in same_year if s.canonical), None)
        prevails = (
            mode == "rendering"
            and canonical is not None
            and extracted.language == "zh" != canonical.language_code
        )
        kept = [s for s in sources if mode != "replace" or s.plan_year != metadata.plan_year]
        if prevails:
            kept = [replace(s, canonical=s.plan_year != metadata.plan_year) for s in kept]
        text_bytes = extracted.decoded.text.encode("utf-8")
        file = _new_file_name(raw_dir, sources, hashlib.sha256(text_bytes).hexdigest())
        doc_id = _new_doc_id(kept, metadata.plan_year, extracted.rendering, mode != "rendering")
        new_source = _source_for(
            extracted, metadata, file, doc_id, canonical=mode != "rendering" or prevails
        )
        if mode == "rendering" and canonical is not None:
            new_source = replace(new_source, expected_measures=canonical.expected_measures)
        _dry_run(kept, (new_source, extracted.decoded), raw_dir)
        try:
            with raw_transaction(raw_dir) as changes:
                replaced = same_year if mode == "replace" else []
                _write_plan(changes, extracted, new_source, replaced, prevails)
                result = build_database(raw_dir=raw_dir, db_dir=db_dir)
        except Exception as exc:
            raise AddPlanError(
                f"building the database failed ({exc}); data/raw and the database are as they were"
            ) from exc
    return AddResult(
        file, doc_id, mode, result, tuple(s.file for s in same_year if mode == "replace")
    )


def _write_plan(
    changes: RawChanges,
    extracted: Extracted,
    new_source: Source,
    replaced: list[Source],
    prevails: bool = False,
) -> None:
    """The new document (and its PDF or Word original), the manifest with its row, and
    the documents it replaces moved to data/raw/replaced/<year>-<time>/; where the new
    document `prevails` (a Chinese original), the year's other rows become canonical=false."""
    raw_dir = changes.raw_dir
    changes.write(raw_dir / new_source.file, extracted.decoded.text.encode("utf-8"))
    if extracted.suffix in (".pdf", ".docx"):
        original = raw_dir / ORIGINALS / f"{Path(new_source.file).stem}{extracted.suffix}"
        changes.write(original, extracted.data)
    base = changes.old_manifest.decode("utf-8")
    if replaced:
        base = manifest_without_year(base, new_source.plan_year)
    if prevails:
        base = manifest_not_canonical(base, new_source.plan_year)
    if not base.endswith("\n"):
        base += "\n"
    changes.write_manifest(base + _manifest_row(new_source))
    if replaced:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = raw_dir / REPLACED / f"{new_source.plan_year}-{stamp}"
        for s in replaced:
            changes.move_aside(raw_dir / s.file, aside)
        changes.write(aside / "manifest-before.csv", changes.old_manifest)


def format_preview(p: Preview, max_rows: int = 400, advice: Advice | None = None) -> str:
    """The preview as plain text, for the command line; `advice` (what looks wrong, what
    adding will change) follows the counts."""
    measures = p.measures()
    omitted = measures.filter(pl.col("status") != "present").height
    lines = [
        f"{p.extracted.name}: decoded as {p.extracted.decoded.decoding}",
        f"plan year {p.metadata.plan_year}, period {p.metadata.period_label}: {p.metadata.title}",
        f"{p.n_measures} measures ({p.n_present} present, {omitted} omitted in the source), "
        f"levels: {', '.join(p.parsed.parsed.level_names) or 'none'}",
        "",
        *(format_advice(advice) if advice else []),
        "what the parser decided:",
        *(f"  {line}" for line in p.parsed.report().lines()),
        "",
        "sections:",
    ]
    lines += [f"  {r['measures']:>4}  {r['section']}" for r in p.sections().iter_rows(named=True)]
    agencies = p.agencies()
    lines += ["", f"bodies ({agencies.height}): leads / participates / shares jointly"]
    lines += [
        f"  {r['body']:<12} {r['leads']:>3} {r['participates']:>3} {r['shares jointly']:>3}  "
        f"{r['name']}"
        for r in agencies.iter_rows(named=True)
    ]
    unresolved = p.unresolved()
    lines += ["", f"unresolved names ({unresolved.height}):"]
    lines += [
        f"  {r['name as written']} (measures {r['measures']})"
        for r in unresolved.iter_rows(named=True)
    ]
    warnings = p.warnings()
    lines += ["", f"warnings ({warnings.height}):"]
    for r in warnings.iter_rows(named=True):
        where = f" (line {r['line']})" if r["line"] else ""
        lines.append(f"  {r['kind']}{where}: {r['message']}")
    lines += ["", "measures:"]
    for r in measures.head(max_rows).iter_rows(named=True):
        text = r["text"] if len(r["text"]) <= 90 else r["text"][:89] + "…"
        lines.append(f"  {r['no.']:>4}. {text}")
        named = [r["bodies (role)"]] if r["bodies (role)"] else []
        named += [f"UNRESOLVED {r['unresolved']}"] if r["unresolved"] else []
        if named:
            lines.append("        " + "; ".join(named))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# What adding or removing a plan will change, and input that looks wrong

# An upload with fewer measures than this share of the smallest plan is probably not a
# whole plan (a test file, a cut-off PDF).
FEW_MEASURES_SHARE = 0.5


@dataclass(frozen=True)
class PublishedPlan:
    """A plan already in the corpus, as the current database holds it."""

    plan_year: int
    period_label: str
    n_present: int
    names_agencies: bool


def published_plans(plans: pl.DataFrame) -> tuple[PublishedPlan, ...]:
    """The plans of `queries.plans` (the app passes its cached frame), oldest first."""
    return tuple(
        PublishedPlan(r["plan_year"], r["period_label"], r["n_present"], r["names_agencies"])
        for r in plans.sort("plan_year").iter_rows(named=True)
    )


def read_published_plans(db_dir: Path) -> tuple[PublishedPlan, ...]:
    """The plans in the current database generation (none before the first build)."""
    path = current_db_path(db_dir)
    if path is None or not path.exists():
        return ()
    con = connect_read_only(path)
    try:
        return published_plans(queries.plans(con))
    finally:
        con.close()


@dataclass(frozen=True)
class Advice:
    """Said before a plan is added or removed: what looks wrong, and what will change."""

    warnings: tuple[str, ...] = ()  # implausible input: check it before going on
    changes: tuple[str, ...] = ()  # what the pages and stories will show differently


def _labels(plans: Sequence[PublishedPlan], years: Sequence[int]) -> str:
    by_year = {p.plan_year: p.period_label for p in plans}
    names = [by_year.get(y, str(y)) for y in years]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# Lineage scores weigh words by their rarity across all plans (docs/lineage.md).
RESCORED = (
    "Links between the measures of the other plans (What's new, carried over and dropped) "
    "are scored again: a word counts by how rare it is across all plans, so a link close to "
    "the threshold can appear or go."
)


def _story_sentence(
    story_plans: Sequence[int], plans: Sequence[PublishedPlan], year: int, mode: str
) -> str:
    """What the ready-made story does when plan `year` is added or replaced (it keeps
    its plans)."""
    if not story_plans:
        return "The ready-made story follows the data: it will cover this plan."
    covered = _labels(plans, story_plans)
    if year in story_plans:
        return (
            f"The ready-made story covers the plan of {year} ({covered}): its facts and "
            "views of that plan will show the new document."
        )
    if mode == "replace":
        return (
            "The ready-made story does not cover this plan: it does not change, but for links "
            "close to the threshold in its view of what is new."
        )
    return (
        f"The ready-made story keeps its plans ({covered}) and does not change, but for links "
        "close to the threshold in its view of what is new; your stories that list their "
        "plans keep them too, and stories listing none will cover it."
    )


def _input_warnings(
    p: Preview, plans: Sequence[PublishedPlan], mode: str, today: date
) -> list[str]:
    """Input that looks wrong: far fewer measures than any plan, a year out of the series."""
    year, warnings = p.metadata.plan_year, []
    same = [x for x in plans if x.plan_year == year]
    others = same if mode == "rendering" else [x for x in plans if x.plan_year != year]
    if others:
        smallest = min(others, key=lambda x: (x.n_present, x.plan_year))
        if p.n_present < FEW_MEASURES_SHARE * smallest.n_present:
            which = "the plan it renders" if mode == "rendering" else "the smallest plan"
            warnings.append(
                f"Only {p.n_present} measure{'s' if p.n_present != 1 else ''} found: far fewer "
                f"than {which} in the corpus ({smallest.period_label}, {smallest.n_present} "
                f"measures). Is this the whole plan? A test file added by mistake can be "
                f"removed again: Manage plans, or python -m ipdash remove --year {year}."
            )
    if year > today.year:
        warnings.append(
            f"The plan year {year} is in the future (it is {today.year} now): plans are "
            "issued in the year they cover. Check the year."
        )
    if mode == "new" and plans and year < plans[0].plan_year:
        warnings.append(
            f"The plan year {year} is before the first plan in the corpus "
            f"({plans[0].period_label}). Check the year: added, it becomes the first plan."
        )
    return warnings


def _default_changes(p: Preview, plans: Sequence[PublishedPlan]) -> list[str]:
    """Which plan a new plan becomes (first, latest, in between) and which defaults move."""
    year, label = p.metadata.plan_year, p.metadata.period_label
    names = bool(any(m.attribution_raw for m in p.parsed.parsed.present))
    naming = [x for x in plans if x.names_agencies]
    first, latest = plans[0], plans[-1]
    if year > latest.plan_year:
        moved = [f"Theme shifts' “To” plan ({latest.period_label} → {label})"]
        if names and naming:
            moved.append(
                f"the Agency network's second plan compared ({naming[-1].period_label} → {label})"
            )
        return [
            f"The {label} plan becomes the latest plan (now {latest.period_label}). "
            + "Pages that start from the latest plan change: "
            + " and ".join(moved)
            + "."
        ]
    if year < first.plan_year:
        moved = [f"Theme shifts' “From” plan ({first.period_label} → {label})"]
        if names and naming:
            moved.append(
                f"the Agency network's first plan compared ({naming[0].period_label} → {label})"
            )
        return [
            f"The {label} plan becomes the first plan (now {first.period_label}). Pages that "
            "start from the first plan change: " + " and ".join(moved) + "."
        ]
    before = max(x.plan_year for x in plans if x.plan_year < year)
    after = min(x.plan_year for x in plans if x.plan_year > year)
    return [
        f"The {label} plan sits between {_labels(plans, [before])} and "
        f"{_labels(plans, [after])}: no page's default plan changes."
    ]


def advice(
    p: Preview,
    plans: Sequence[PublishedPlan],
    mode: str = "new",
    story_plans: Sequence[int] = (),
    today: date | None = None,
) -> Advice:
    """What to check before adding the previewed plan (`mode` as for add_plan) and what
    adding it will change. `plans`: the plans in the corpus (published_plans);
    `story_plans`: the plans the ready-made story covers (it keeps them)."""
    today = today or datetime.now(UTC).date()
    warnings = _input_warnings(p, plans, mode, today)
    year, label = p.metadata.plan_year, p.metadata.period_label
    if not plans:
        return Advice(tuple(warnings), (f"The {label} plan becomes the corpus's only plan.",))
    if mode == "rendering":
        changes = [
            f"Adds a rendering of the {year} plan: its measures still come from its canonical "
            "document; Data quality compares the two."
        ]
    elif mode == "replace":
        changes = [
            f"Replaces the {year} plan's documents (moved to data/raw/replaced/): every page "
            f"shows the new text for {year}.",
            RESCORED,
        ]
    elif year in {x.plan_year for x in plans}:  # refused by add_plan: say what to do
        existing = next(x for x in plans if x.plan_year == year)
        changes = [
            f"Nothing yet: the corpus already has the {existing.period_label} plan (year "
            f"{year}); add this document as another rendering of it, or replace it."
        ]
        return Advice(tuple(warnings), tuple(changes))
    else:
        changes = _default_changes(p, plans)
        changes.append(f"Charts of every plan (Overview, Theme shifts) gain a {label} plan.")
        changes.append(RESCORED)
    if mode != "rendering":
        changes.append(_story_sentence(story_plans, plans, year, mode))
    return Advice(tuple(warnings), tuple(changes))


def removal_advice(
    plan_year: int, plans: Sequence[PublishedPlan], story_plans: Sequence[int] = ()
) -> Advice:
    """What removing a plan will change (or why it cannot be removed)."""
    years = [x.plan_year for x in plans]
    if not years:  # no database yet: nothing to compare with
        return Advice()
    if plan_year not in years:
        return Advice((f"There is no plan of year {plan_year} in the corpus.",), ())
    if len(years) == 1:
        return Advice(("It is the only plan: the corpus cannot be left empty.",), ())
    plan = next(x for x in plans if x.plan_year == plan_year)
    rest = [x for x in plans if x.plan_year != plan_year]
    changes = [
        f"The {plan.period_label} plan and its {plan.n_present} measures leave every page; its "
        f"documents move to data/raw/{REMOVED}/ (not deleted) and can be restored."
    ]
    if plan_year == years[-1]:
        changes.append(
            f"{rest[-1].period_label} becomes the latest plan again (Theme shifts' “To”, the "
            "network's second plan compared)."
        )
    elif plan_year == years[0]:
        changes.append(f"{rest[0].period_label} becomes the first plan.")
    changes.append(RESCORED)
    if plan_year in story_plans:
        changes.append(
            f"The ready-made story covers the {plan.period_label} plan: it will say the plan "
            "is no longer in the data, leave out its sentences about it, and show the rest."
        )
    else:
        changes.append(
            "The ready-made story does not cover this plan: it does not change, but for links "
            "close to the threshold in its view of what is new."
        )
    return Advice((), tuple(changes))


def format_advice(a: Advice) -> list[str]:
    """The advice as lines of plain text (the command line)."""
    lines: list[str] = []
    if a.warnings:
        lines += ["check before going on:"] + [f"  ! {w}" for w in a.warnings] + [""]
    if a.changes:
        lines += ["this will change:"] + [f"  - {c}" for c in a.changes] + [""]
    return lines


# ---------------------------------------------------------------------------------------
# Removing a plan

REMOVED = "removed"
# Beside the documents of a removed plan: its manifest rows, with the header.
REMOVED_ROWS = "manifest-rows.csv"


class RemovePlanError(IpdashError):
    """The plan could not be removed; data/raw and the database are as they were."""


@dataclass(frozen=True)
class RemoveResult:
    plan_year: int
    period_label: str
    files: tuple[str, ...]  # the documents moved aside
    aside: Path  # data/raw/removed/<year>-<time>/: the documents and their manifest rows
    build: BuildResult


def manifest_rows_of_year(text: str, plan_year: int) -> str:
    """The manifest's header and the rows of one plan year, exactly as written."""
    return _split_manifest(text, plan_year)[1]


def remove_plan(plan_year: int, *, raw_dir: Path, db_dir: Path) -> RemoveResult:
    """Remove a plan from the corpus: its documents (and PDF or Word originals) move to
    raw_dir/removed/<year>-<time>/ with its manifest rows, the manifest loses them, and a
    new database generation is built and switched to. Refuses a year not in the corpus
    and the last plan. On any failure data/raw and the database stay as they were."""
    with _raw_lock(raw_dir):
        sources = load_manifest(raw_dir)
        gone = [s for s in sources if s.plan_year == plan_year]
        years = sorted({s.plan_year for s in sources})
        if not gone:
            raise RemovePlanError(
                f"there is no plan of year {plan_year} to remove; the corpus has "
                + ", ".join(map(str, years))
            )
        if len(years) == 1:
            raise RemovePlanError(
                f"the {gone[0].period_label} plan is the only plan: the corpus cannot be empty"
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = raw_dir / REMOVED / f"{plan_year}-{stamp}"
        try:
            with raw_transaction(raw_dir) as changes:
                _move_plan_aside(changes, gone, aside)
                result = build_database(raw_dir=raw_dir, db_dir=db_dir)
        except Exception as exc:
            raise RemovePlanError(
                f"building the database failed ({exc}); data/raw and the database are as they were"
            ) from exc
    return RemoveResult(plan_year, gone[0].period_label, tuple(s.file for s in gone), aside, result)


def _move_plan_aside(changes: RawChanges, gone: list[Source], aside: Path) -> None:
    """The manifest without the plan's rows; its documents, originals and rows in `aside`."""
    raw_dir, plan_year = changes.raw_dir, gone[0].plan_year
    old = changes.old_manifest.decode("utf-8")
    changes.write_manifest(manifest_without_year(old, plan_year))
    for source in gone:
        changes.move_aside(raw_dir / source.file, aside)
        for suffix in (".pdf", ".docx"):
            original = raw_dir / ORIGINALS / f"{Path(source.file).stem}{suffix}"
            if original.exists():
                changes.move_aside(original, aside / ORIGINALS)
    changes.write(aside / REMOVED_ROWS, manifest_rows_of_year(old, plan_year).encode("utf-8"))
