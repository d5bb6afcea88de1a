"""Run the data checks declared in ipdash/store/sql/checks.sql, plus the ones SQL cannot do
(every measure's offsets point at its own text in the source file)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ipdash import paths
from ipdash.corpus.patterns import load_patterns
from ipdash.corpus.sources import decode_bytes
from ipdash.errors import DataFileError

_HEADER = re.compile(
    r"^-- check: (?P<name>\w+) \| (?P<severity>error|warning|info) \| (?P<what>.+)$"
)
# Problems listed per failing check in the report; the count is always given.
MAX_DETAILS = 12


@dataclass(frozen=True)
class Check:
    name: str
    severity: str  # "error" | "warning" | "info" (always lists its rows, never fails)
    what: str
    sql: str


@dataclass(frozen=True)
class CheckResult:
    check: Check
    problems: list[str]

    @property
    def passed(self) -> bool:
        return self.check.severity == "info" or not self.problems

    @property
    def status(self) -> str:
        """ "info", "ok", "FAILED" (an error check with problems) or "warning"."""
        if self.check.severity == "info":
            return "info"
        if self.passed:
            return "ok"
        return "FAILED" if self.check.severity == "error" else "warning"

    def findings(self, limit: int = 5) -> str:
        """The first `limit` problems on one line, with how many more there are."""
        more = len(self.problems) - limit
        return "; ".join(self.problems[:limit]) + (f" … (+{more})" if more > 0 else "")


def load_checks(path: Path = paths.SQL / "checks.sql") -> list[Check]:
    """Split checks.sql into named checks; each header line starts one."""
    checks: list[Check] = []
    current: dict | None = None
    body: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            if current:
                checks.append(Check(**current, sql="\n".join(body).strip()))
            current, body = header.groupdict(), []
            continue
        if line.startswith("-- check:"):
            raise DataFileError(
                str(path),
                number,
                "check header must be '-- check: <name> | error|warning | <what it guarantees>'",
            )
        if current is not None and not line.startswith("--"):
            body.append(line)
    if current:
        checks.append(Check(**current, sql="\n".join(body).strip()))
    return checks


def _offset_problems(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[str]:
    """Each measure's span starts with its number and holds its attribution verbatim."""
    problems: list[str] = []
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT r.measure_id, m.measure_no, r.source_file, r.start_offset, r.end_offset, "
            "r.attribution_raw, r.status FROM measure_renderings AS r "
            "JOIN measures AS m USING (measure_id) ORDER BY r.source_file, r.start_offset"
        ).fetchall()
    finally:
        cur.close()
    words_for: dict[int, list[str]] = {}
    for words, value in load_patterns().structure.number_words.items():
        words_for.setdefault(value, []).append(words)
    texts: dict[str, str | None] = {}
    for measure_id, number, source_file, start, end, attribution, status in rows:
        if source_file not in texts:
            texts.clear()  # rows come file by file: one decoded source in memory at a time
            path = raw_dir / source_file
            texts[source_file] = (
                decode_bytes(path.read_bytes(), str(path)).text if path.is_file() else None
            )
        text = texts[source_file]
        if text is None:
            problems.append(f"{measure_id}: source file {source_file} is missing")
            continue
        span = text[start:end]
        head = span[:40].lower().replace("-", " ")
        starts = [str(number), *words_for.get(number, [])]
        if status == "present" and not any(
            head.startswith(s) and not head[len(s) : len(s) + 1].isalnum() for s in starts
        ):
            problems.append(
                f"{measure_id}: {source_file}[{start}:{end}] does not start with "
                f"its number: {span[:30]!r}"
            )
        if attribution and not span.endswith(attribution):
            problems.append(
                f"{measure_id}: {source_file}[{start}:{end}] does not end with its attribution"
            )
    return problems


def run_checks(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[CheckResult]:
    results = []
    for check in load_checks():
        cur = con.cursor()
        try:
            rows = cur.sql(check.sql).pl()
        finally:
            cur.close()
        problems = rows["detail"].to_list() if rows.height else []
        results.append(CheckResult(check, [str(p) for p in problems]))
    traced = Check(
        "offsets_trace_to_source",
        "error",
        "every measure's offsets point at its number and attribution in the source file",
        "",
    )
    results.append(CheckResult(traced, _offset_problems(con, raw_dir)))
    return results


def format_report(results: list[CheckResult]) -> str:
    """One line per check (problems listed below failing ones), info checks last."""
    lines, info = [], []
    for r in results:
        if r.check.severity == "info":
            info.append(f"info {r.check.name}: {'; '.join(r.problems) or 'none'}")
            continue
        mark = {"ok": "ok  ", "FAILED": "FAIL", "warning": "warn"}[r.status]
        count = "" if r.passed else f" ({len(r.problems)})"
        lines.append(f"{mark} {r.check.name}{count}: {r.check.what}")
        for problem in r.problems[:MAX_DETAILS]:
            lines.append(f"       - {problem}")
        if len(r.problems) > MAX_DETAILS:
            lines.append(f"       … and {len(r.problems) - MAX_DETAILS} more")
    errors = sum(1 for r in results if not r.passed and r.check.severity == "error")
    warnings = sum(1 for r in results if not r.passed and r.check.severity == "warning")
    counted = sum(1 for r in results if r.check.severity != "info")
    lines.extend(info)
    lines.append(f"{counted} checks: {errors} failed, {warnings} with warnings")
    return "\n".join(lines)


def failed(results: list[CheckResult]) -> bool:
    return any(r.status == "FAILED" for r in results)


def results_frame(results: list[CheckResult]) -> pl.DataFrame:
    """The results as a table: check, status, what it guarantees, the first findings."""
    return pl.DataFrame(
        {
            "check": [r.check.name for r in results],
            "status": [r.status for r in results],
            "guarantee": [r.check.what for r in results],
            "findings": [r.findings() for r in results],
        },
        schema={
            "check": pl.String,
            "status": pl.String,
            "guarantee": pl.String,
            "findings": pl.String,
        },
    )
