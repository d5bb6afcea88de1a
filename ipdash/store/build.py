"""Build the DuckDB database from the sources: parse every document, resolve agencies,
compare renderings, and write the tables into a new database generation.

The build never touches the live database: it writes a temporary file, checkpoints it,
renames it to a new generation and then switches the CURRENT pointer atomically. A
failure at any point leaves the previous database in place, complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ipdash import __version__, paths
from ipdash.corpus import lineage
from ipdash.corpus.agencies import Registry, load_registry
from ipdash.corpus.document import ParsedSource, parse_source
from ipdash.corpus.patterns import Patterns, load_patterns
from ipdash.corpus.sources import Source, load_manifest, read_source
from ipdash.corpus.themes import load_taxonomy
from ipdash.store.db import (
    build_lock,
    generation_path,
    prune_generations,
    publish_generation,
)
from ipdash.store.tables import (
    BuildError,
    build_tables,
    check_manual_decisions,
    measure_lineage,
    theme_tables,
)

LOG = logging.getLogger(__name__)

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


def sources_version(raw_dir: Path) -> str:
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
            "INSERT INTO build_info VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                info["build_id"],
                info["data_version"],
                info["built_at"],
                __version__,
                duckdb.__version__,
                info["n_documents"],
                info["n_measures"],
                info["lineage_threshold"],
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
    lineage_seconds: float = 0.0  # of `seconds`: the measure lineage (bench/bench_lineage.py)


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
    "translation_disagreements",
    "parse_warnings",
    "parse_decisions",
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
    raw_dir: Path,
    db_dir: Path | None = None,
    db: Path | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Build the database from the documents in `raw_dir`. With `db`, write that single
    file (atomically replaced); otherwise write a new generation in `db_dir` and make it
    current. `workers`: worker processes for parsing and classifying (default:
    build_workers)."""
    if db is None and db_dir is None:
        raise ValueError("build_database needs db_dir (generations) or db (one file)")
    started = time.perf_counter()
    raw_dir = raw_dir.resolve()
    sources = load_manifest(raw_dir)
    if workers is None:
        workers = build_workers(sources, raw_dir)
    if workers > 1:
        tables = parallel_tables(sources, raw_dir, workers)
    else:
        tables = corpus_tables(sources, raw_dir)
    # Across the plans, so after them (one process: it compares every plan with others).
    lineage_started = time.perf_counter()
    lineage_config = lineage.load_config()
    tables["measure_lineage"] = measure_lineage(tables, lineage_config)
    lineage_seconds = time.perf_counter() - lineage_started
    tables["lineage_tests"] = lineage.load_tests()
    version = data_version(raw_dir, sources)
    now = datetime.now(UTC)
    build_id = f"{now:%Y%m%dT%H%M%S%fZ}-{version[:8]}"
    info = {
        "build_id": build_id,
        "data_version": version,
        "built_at": now.replace(tzinfo=None),
        "n_documents": len(sources),
        "n_measures": tables["measures"].height,
        "lineage_threshold": lineage_config.threshold,
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
        lineage_seconds,
    )


def rebuild_if_out_of_date(raw_dir: Path, db_dir: Path) -> BuildResult | None:
    """Build a new generation if the current one's data version differs from what
    raw_dir and the code give now (after an update, or a plan added by a process that
    stopped before it finished); None when it is up to date or there is none."""
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only, current_db_path

    current = current_db_path(db_dir)
    if current is None:
        return None
    con = connect_read_only(current)
    try:
        built = queries.build_info(con)["data_version"][0]
    finally:
        con.close()
    if built == sources_version(raw_dir):
        return None
    return build_database(raw_dir=raw_dir, db_dir=db_dir)
