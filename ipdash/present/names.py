"""Bodies named in English or Chinese: the names switch (English / 中文) of charts, tables
and exports. A frame from ipdash.store.queries is relabelled after the query, so every
chart, table and download drawn from it shows the chosen names: the short names (short_name,
lead_agency, …), the lists of bodies with their roles ("CNIPA (lead); SPC (participant)")
and lineages ("SIPO → CNIPA"), and the full name where the frame has the body's id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ipdash.store import queries

LANGUAGES = {"en": "English", "zh": "中文"}
# Columns holding one body's short name.
SHORT_NAME_COLUMNS = (
    "short_name",
    "successor_short_name",
    "lead_agency",
    "resolved_to",
    "body",
)
# Columns holding several: "A (lead); B (participant)" or "A → B".
LIST_COLUMNS = ("agencies", "agencies_named", "agencies_current", "lineage", "bodies")
_LIST_SEPARATORS = ("; ", " → ")


@dataclass(frozen=True)
class Names:
    """How bodies are labelled in one language: English short name → label, and body
    id → full name. English is the identity (nothing is relabelled)."""

    language: str = "en"
    short: dict[str, str] = field(default_factory=dict)
    full: dict[str, str] = field(default_factory=dict)


def names_in(language: str, english: pl.DataFrame, chosen: pl.DataFrame) -> Names:
    """The labels of `language` from queries.agency_names in English and in that
    language (rows in the same order of agency_id)."""
    if language == "en":
        return Names()
    short = dict(zip(english["label"], chosen["label"], strict=True))
    full = dict(zip(chosen["agency_id"], chosen["name"], strict=True))
    return Names(language, short, full)


def load_names(q: Callable[..., Any], language: str) -> Names:
    """The labels of `language` ("en" or "zh"; anything else is English) read through
    the query runner `q`."""
    if language not in LANGUAGES or language == "en":
        return Names()
    return names_in(language, q(queries.agency_names, "en"), q(queries.agency_names, language))


def _in_list(text: str | None, short: dict[str, str]) -> str | None:
    """Each body of a list relabelled: "CNIPA (lead); SPC (participant)", "SIPO → CNIPA"."""
    if not text:
        return text
    for separator in _LIST_SEPARATORS:
        if separator in text:
            return separator.join(_in_list(part, short) or part for part in text.split(separator))
    name, bracket, rest = text.partition(" (")
    return short.get(name, name) + bracket + rest


def relabel(frame: pl.DataFrame, names: Names) -> pl.DataFrame:
    """The frame with its bodies named in `names`' language (unchanged in English or
    when it names no body)."""
    if not names.short or not isinstance(frame, pl.DataFrame):
        return frame
    changes = []
    for column in SHORT_NAME_COLUMNS:
        if frame.schema.get(column) == pl.String:
            changes.append(pl.col(column).replace(names.short))
    for column in LIST_COLUMNS:
        if frame.schema.get(column) == pl.String:
            values = frame[column].drop_nulls().unique().to_list()
            mapping = {v: _in_list(v, names.short) for v in values}
            changes.append(pl.col(column).replace(mapping))
    if frame.schema.get("agency_id") == pl.String and frame.schema.get("name") == pl.String:
        changes.append(
            pl.col("agency_id").replace_strict(names.full, default=pl.col("name")).alias("name")
        )
    return frame.with_columns(changes) if changes else frame
