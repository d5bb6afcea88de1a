"""The data dictionary of the database, read from its documentation: docs/schema.md is
the documented interface (tests/test_docs.py fails if a table or column of the database
is missing from it), so the dictionary shipped with the full data download is generated
from it rather than kept a second time.

The page's shape: a "## Tables", "## Views" or "## Marts …" heading, then one
"### `name`" section per table with a description and a two-column table whose first
cell names one or more columns in backticks (`a`, `b`) and whose second says what they
mean."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ipdash import paths
from ipdash.errors import DataFileError

SCHEMA_DOC = paths.ROOT / "docs" / "schema.md"

_GROUP = re.compile(r"^## (Tables|Views|Marts)\b", re.M)
_SECTION = re.compile(r"^### `(\w+)`\n(.*?)(?=^##|\Z)", re.S | re.M)
_ROW = re.compile(r"^\| (.+?) \| (.+?) \|\s*$", re.M)
_NAME = re.compile(r"`(\w+)`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_KINDS = {"Tables": "table", "Views": "view", "Marts": "mart"}


@dataclass(frozen=True)
class TableDoc:
    """One table, view or mart as docs/schema.md describes it."""

    name: str
    kind: str  # table | view | mart
    description: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> meaning


def plain(markdown: str) -> str:
    """Documentation text as plain text: code marks and link targets dropped, lines
    joined."""
    text = _LINK.sub(r"\1", markdown).replace("`", "").replace("**", "")
    return " ".join(text.split())


def _parse_section(name: str, kind: str, body: str) -> TableDoc:
    description_lines = []
    for line in body.splitlines():
        if line.startswith("|"):
            break
        description_lines.append(line)
    columns: dict[str, str] = {}
    for names, meaning in _ROW.findall(body):
        if set(names.strip()) <= {"-"} or names.strip() == "column":
            continue
        for column in _NAME.findall(names):
            columns.setdefault(column, plain(meaning))
    return TableDoc(name, kind, plain("\n".join(description_lines)), columns)


def parse_schema_doc(text: str, source: str = "docs/schema.md") -> dict[str, TableDoc]:
    """Every table, view and mart of the page, in its order."""
    groups = list(_GROUP.finditer(text))
    if not groups:
        raise DataFileError(source, None, "has no '## Tables' heading")
    tables: dict[str, TableDoc] = {}
    for number, group in enumerate(groups):
        end = groups[number + 1].start() if number + 1 < len(groups) else len(text)
        kind = _KINDS[group.group(1)]
        for section in _SECTION.finditer(text, group.end(), end):
            tables[section.group(1)] = _parse_section(section.group(1), kind, section.group(2))
    return tables


def schema_doc(path: Path = SCHEMA_DOC) -> dict[str, TableDoc]:
    """docs/schema.md, parsed (see parse_schema_doc)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), None, f"cannot be read ({exc.strerror})") from exc
    return parse_schema_doc(text, str(path))
