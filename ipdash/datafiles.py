"""Reading curated data files (CSV and YAML) with line numbers, so that validation
errors can say exactly where a file is wrong."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ipdash.errors import DataFileError


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on (1-based)."""

    line: int = 0


class LineList(list):
    """A YAML sequence that remembers the line it starts on (1-based)."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    seq = LineList(loader.construct_sequence(node, deep=True))
    seq.line = node.start_mark.line + 1
    return seq


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, source: str) -> Any:
    """YAML (or JSON) text parsed safely; mappings and sequences carry `.line`."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(source, line, f"is not valid YAML ({exc})") from exc


def read_yaml(path: Path) -> LineDict:
    """Read a YAML file whose top level is a mapping; mappings carry `.line`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), None, f"cannot be read ({exc.strerror})") from exc
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict):
        raise DataFileError(str(path), 1, "expected a YAML mapping at the top level")
    return data


def require(mapping: LineDict, key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    """Return mapping[key], raising a DataFileError naming the line if missing or mistyped."""
    line = getattr(mapping, "line", None)
    if key not in mapping:
        raise DataFileError(str(path), line, f"missing required key '{key}'")
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataFileError(str(path), line, f"'{key}' must be a {names}, got {value!r}")
    return value


def compile_regex(pattern: str, path: Path, line: int | None, what: str) -> re.Pattern[str]:
    """Compile a regex from a data file, naming the file and line if it is invalid."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise DataFileError(str(path), line, f"{what}: invalid regular expression ({exc})") from exc


@dataclass(frozen=True)
class CsvRow:
    """One data row of a CSV file with its 1-based line number in the file."""

    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()


def read_csv(path: Path, required: Sequence[str]) -> list[CsvRow]:
    """Read a UTF-8 CSV with a header row; check the required columns exist."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise DataFileError(str(path), None, f"cannot be read ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise DataFileError(
                str(path), 1, f"missing column(s) {', '.join(missing)}; header is {header}"
            )
        rows = []
        for record in reader:
            if None in record:
                raise DataFileError(
                    str(path), reader.line_num, f"has more fields than the {len(header)} columns"
                )
            values = {k: (v if v is not None else "") for k, v in record.items()}
            rows.append(CsvRow(line=reader.line_num, values=values))
    return rows


def parse_date(value: str, path: Path, line: int, column: str) -> date | None:
    """Parse an optional ISO date (YYYY-MM-DD) from a CSV cell."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise DataFileError(
            str(path), line, f"column '{column}' must be a date YYYY-MM-DD, got {value!r}"
        ) from exc


def parse_bool(value: str, path: Path, line: int, column: str) -> bool:
    """Parse true/false from a CSV cell."""
    lowered = value.strip().lower()
    if lowered in {"true", "yes", "1"}:
        return True
    if lowered in {"false", "no", "0", ""}:
        return False
    raise DataFileError(str(path), line, f"column '{column}' must be true or false, got {value!r}")


def unique_or_fail(items: Iterable[tuple[str, int]], path: Path, what: str) -> None:
    """Fail on the first duplicated key, naming both lines."""
    seen: dict[str, int] = {}
    for key, line in items:
        if key in seen:
            raise DataFileError(
                str(path), line, f"duplicate {what} {key!r} (first on line {seen[key]})"
            )
        seen[key] = line
