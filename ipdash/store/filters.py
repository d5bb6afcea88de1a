"""The filters a user sets, as one value used everywhere: the pages, the URL, the CLI
export, file names and chart subtitles. Pure: no Streamlit, no database."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from ipdash.settings import parse_flag

# "not_lead" is the union of "participant" and "joint": every measure naming the body
# that it does not lead (a body sharing a task jointly leads none of it).
ROLES = ("any", "lead", "not_lead", "participant", "joint")
ROLE_LABELS = {
    "any": "any role",
    "lead": "leads",
    "not_lead": "not leading",
    "participant": "participates",
    "joint": "shares jointly",
}
# What each role choice selects, in one sentence (help texts, the CLI).
ROLE_HELP = {
    "any": "named in any role",
    "lead": "listed first, leading the measure",
    "not_lead": "named without leading: participates or shares jointly",
    "participant": "listed after the lead",
    "joint": "the text says the bodies act according to their division of "
    "responsibilities: none leads",
}
# Longest text search accepted (a URL or a paste cannot make a query arbitrarily large).
MAX_QUERY_CHARS = 200
# At most this many values per list filter from a URL.
MAX_LIST_VALUES = 200
_ID = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def agency_view(successor: bool) -> str:
    """Which agency view the data is counted in: "current" (every body replaced by the
    one carrying its work today) or "named" (bodies as each plan named them)."""
    return "current" if successor else "named"


@dataclass(frozen=True)
class MeasureFilter:
    """Which measures to show. Empty tuples mean "no restriction"."""

    years: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    role: str = "any"  # the role the agencies must have: one of ROLES
    successor: bool = False  # agencies mapped to today's successor instead of as named
    query: str = ""
    all_agencies: bool = False  # measures naming every listed agency (edges), not any

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")

    def with_(self, **changes: object) -> MeasureFilter:
        return replace(self, **changes)

    @property
    def agency_view(self) -> str:
        return agency_view(self.successor)

    def is_empty(self) -> bool:
        return not (self.years or self.themes or self.agencies or self.query)


def _clean_list(values: Sequence[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip().lower()
            if part and _ID.match(part) and part not in out:
                out.append(part)
    return tuple(out[:MAX_LIST_VALUES])


def _clean_years(values: Sequence[str] | None) -> tuple[int, ...]:
    years: list[int] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit() and len(part) == 4 and int(part) not in years:
                years.append(int(part))
    return tuple(sorted(years)[:MAX_LIST_VALUES])


def clean_query(text: str) -> str:
    """A search string without control characters, trimmed and bounded."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text or "")
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def from_params(params: Mapping[str, Sequence[str] | str]) -> MeasureFilter:
    """Read a filter from URL query parameters; anything malformed is ignored, never an
    error (a shared link with a typo still opens)."""

    def values(key: str) -> list[str]:
        raw = params.get(key)
        if raw is None:
            return []
        return [raw] if isinstance(raw, str) else [str(v) for v in raw]

    role = (values("role") or ["any"])[0].strip().lower()
    return MeasureFilter(
        years=_clean_years(values("year")),
        themes=_clean_list(values("theme")),
        agencies=_clean_list(values("agency")),
        role=role if role in ROLES else "any",
        successor=parse_flag((values("successor") or ["0"])[0]),
        query=clean_query((values("q") or [""])[0]),
    )


def to_params(f: MeasureFilter) -> dict[str, str]:
    """URL query parameters for a filter (only what is set), e.g. {"year": "2012,2022"}."""
    params: dict[str, str] = {}
    if f.years:
        params["year"] = ",".join(str(y) for y in f.years)
    if f.themes:
        params["theme"] = ",".join(f.themes)
    if f.agencies:
        params["agency"] = ",".join(f.agencies)
    if f.role != "any":
        params["role"] = f.role
    if f.successor:
        params["successor"] = "1"
    if f.query:
        params["q"] = f.query
    return params


@dataclass(frozen=True)
class Labels:
    """Display names for ids, to describe a filter in words."""

    themes: Mapping[str, str] = field(default_factory=dict)
    agencies: Mapping[str, str] = field(default_factory=dict)
    plans: Mapping[int, str] = field(default_factory=dict)  # year -> period ("2021–2022")


def labels_from(
    themes: pl.DataFrame, agencies: pl.DataFrame, plans: pl.DataFrame | None = None
) -> Labels:
    """Labels from the codebook frame (theme_id, label), an agency frame (agency_id,
    short_name) and the plans (plan_year, period_label), e.g. queries.themes,
    queries.agency_options and queries.plans."""
    return Labels(
        themes=dict(zip(themes["theme_id"], themes["label"], strict=True)),
        agencies=dict(zip(agencies["agency_id"], agencies["short_name"], strict=True)),
        plans={}
        if plans is None
        else dict(zip(plans["plan_year"], plans["period_label"], strict=True)),
    )


def describe(f: MeasureFilter, labels: Labels | None = None) -> str:
    """The filter in words, for chart subtitles and export sheets:
    "2012, 2021–2022 · themes: Judicial protection · agencies: CNIPA (leads) · search:
    'patent'" (plans by their period labels when `labels` has them)."""
    labels = labels or Labels()
    parts = [", ".join(labels.plans.get(y, str(y)) for y in f.years) if f.years else "all plans"]
    if f.themes:
        parts.append("themes: " + ", ".join(labels.themes.get(t, t) for t in f.themes))
    if f.agencies:
        names = ", ".join(labels.agencies.get(a, a) for a in f.agencies)
        joiner = "all of " if f.all_agencies and len(f.agencies) > 1 else ""
        role = "" if f.role == "any" else f" ({ROLE_LABELS[f.role]})"
        parts.append(f"agencies: {joiner}{names}{role}")
    parts.append(
        "agencies mapped to today's successors" if f.successor else "agencies as named at the time"
    )
    if f.query:
        parts.append(f"search: '{f.query}'")
    return " · ".join(parts)


def file_stem(f: MeasureFilter, what: str = "measures") -> str:
    """A file name that says what was filtered, e.g.
    "ipdash-measures-2012-2022-judicial-cnipa-lead-q-patent"."""
    parts = ["ipdash", what]
    parts += [str(y) for y in f.years] or ["all-years"]
    parts += list(f.themes)
    parts += list(f.agencies)
    if f.agencies and f.role != "any":
        parts.append(f.role)
    if f.successor:
        parts.append("successors")
    if f.query:
        slug = re.sub(r"[^a-z0-9]+", "-", f.query.lower()).strip("-")[:30]
        if slug:
            parts.append(f"q-{slug}")
    stem = "-".join(p.replace("_", "-") for p in parts)
    return stem[:150]
