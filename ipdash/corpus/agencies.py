"""The agency registry: organisations, their lineage across the State Council
restructurings, every spelling the plans use, and generic groups.

`load_registry` reads data/registry/*.csv and validates it (every alias resolves, kinds
are known, successor chains are dated and acyclic). `resolve_attribution` turns the
list of names after a measure into mentions with roles, resolved to the body that
existed on the plan's date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from ipdash import paths
from ipdash.corpus import chinese
from ipdash.corpus.attribution import Clause, is_organisation_like, strip_leading_words
from ipdash.corpus.attribution import looks_like_body_list as looks_like_organisations
from ipdash.corpus.patterns import AttributionPatterns
from ipdash.datafiles import parse_date, read_csv, unique_or_fail
from ipdash.errors import DataFileError

_ID = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# A list segment joining more pieces than this is never one name.
MAX_PIECES_PER_NAME = 8
# The plans' longest list has 17 pieces. A longer one is split at every separator
# without joining pieces back into names: the joining costs time per piece, and a
# hostile document could otherwise hold a thousand lists of hundreds of names.
MAX_PIECES_JOINED = 30
# Splits remembered per registry (the parser and the resolver split the same lists).
_SPLIT_CACHE_SIZE = 4096
# Costs for splitting a list of names: a registered name costs nothing; an unknown name
# costs 1, more if it swallows several organisation-like pieces (then it is probably
# several bodies), a little more if nothing in it looks like an organisation.
_UNRESOLVED_COST = 1.0
_SWALLOWED_BODY_COST = 1.5
_NOT_ORGANISATION_COST = 0.5


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    colour: str
    sort_order: int
    description: str
    short_label: str = ""  # for chart legends, where space is short


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    short_name: str
    name_zh: str
    short_name_zh: str  # the short form the Chinese plans write (中文 labels)
    kind: str
    valid_from: date | None
    valid_to: date | None  # exclusive: the body no longer exists on this date
    successor_id: str | None
    reform: str
    note: str
    line: int = field(default=0, compare=False)  # its row in agencies.csv

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass(frozen=True)
class Alias:
    alias: str
    agency_id: str
    source: str  # "name" | "short_name" | "name_zh" | "short_name_zh" | "alias"
    note: str
    # When the plans use this form for this body (an era variant), if known; a form
    # met outside its period still resolves, with a note.
    valid_from: date | None = None
    valid_to: date | None = None  # exclusive
    line: int = field(default=0, compare=False)  # its row in aliases.csv (0: agencies.csv)

    def used_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass(frozen=True)
class GenericGroup:
    group_id: str
    label: str
    aliases: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Registry:
    agencies: dict[str, Agency]
    kinds: dict[str, Kind]
    aliases: tuple[Alias, ...]
    groups: dict[str, GenericGroup]
    index: dict[str, tuple[str, ...]]  # normalised name -> agency ids
    index_sources: dict[str, frozenset[str]]  # normalised name -> kinds of name it is
    # normalised name -> agency id -> the alias giving it a period (only dated aliases
    # whose name is not also an undated name of the same body)
    index_periods: dict[str, dict[str, Alias]]
    group_index: dict[str, str]  # normalised name -> group id
    predecessors: dict[str, tuple[str, ...]]
    split_cache: dict[tuple[str, AttributionPatterns], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # The first and last words of every registered name and group alias (normalised).
    first_words: frozenset[str] = frozenset()
    last_words: frozenset[str] = frozenset()

    def chain(self, agency_id: str) -> list[str]:
        """The agency and its successors, oldest first."""
        out = [agency_id]
        while (nxt := self.agencies[out[-1]].successor_id) is not None:
            out.append(nxt)
        return out

    def current_successor(self, agency_id: str) -> str:
        return self.chain(agency_id)[-1]


# Apostrophes vanish inside a name ("Children’s" = "Childrens"); any other mark is a space.
_APOSTROPHES = ("'", "‘", "’", "`", "´")
_NOT_NAME_CHARS = re.compile(r"[^\w\u4e00-\u9fff]+")


# Names repeat across lists (the same few hundred bodies): each is normalised once.
@lru_cache(maxsize=65_536)
def normalize_name(name: str) -> str:
    """The form names are matched in: case, quotes, apostrophes, dashes, punctuation and
    spacing are ignored, and a leading 'the' is dropped ("The State—owned ..." and
    "state-owned ..." match). Chinese names are matched in simplified characters,
    full- and half-width punctuation alike, without spaces between Chinese characters
    ("國家中醫 藥局" and "国家中医药局" match; "中央宣传部（国家版权局）" is
    "中央宣传部国家版权局")."""
    # NFKC leaves ASCII as it is; skipping it keeps hostile lists of names fast.
    text = (name if name.isascii() else unicodedata.normalize("NFKC", name)).lower()
    for mark in _APOSTROPHES:
        if mark in text:
            text = text.replace(mark, "")
    text = text.replace("&", " and ")
    text = _NOT_NAME_CHARS.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    if chinese.has_han(text):
        text = chinese.simplified(chinese.without_layout_spaces(text))
    return text


KINDS_FILE = "kinds.csv"
AGENCIES_FILE = "agencies.csv"
ALIASES_FILE = "aliases.csv"
GROUPS_FILE = "generic_groups.csv"


def _load_kinds(path: Path) -> dict[str, Kind]:
    rows = read_csv(path, ["kind", "label", "short_label", "colour", "sort_order", "description"])
    unique_or_fail(((r.get("kind"), r.line) for r in rows), path, "kind")
    kinds = {}
    for r in rows:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", r.get("colour")):
            raise DataFileError(
                str(path), r.line, f"colour must be #RRGGBB, got {r.get('colour')!r}"
            )
        try:
            order = int(r.get("sort_order"))
        except ValueError as exc:
            raise DataFileError(str(path), r.line, "sort_order must be an integer") from exc
        if not r.get("short_label") or len(r.get("short_label")) > 24:
            raise DataFileError(
                str(path), r.line, "short_label must be 1-24 characters (chart legends)"
            )
        kinds[r.get("kind")] = Kind(
            r.get("kind"),
            r.get("label"),
            r.get("colour"),
            order,
            r.get("description"),
            r.get("short_label"),
        )
    return kinds


def _load_agencies(path: Path, kinds: dict[str, Kind]) -> dict[str, Agency]:
    columns = [
        "agency_id",
        "name",
        "short_name",
        "name_zh",
        "short_name_zh",
        "kind",
        "valid_from",
        "valid_to",
        "successor_id",
        "reform",
        "note",
    ]
    rows = read_csv(path, columns)
    unique_or_fail(((r.get("agency_id"), r.line) for r in rows), path, "agency_id")
    agencies: dict[str, Agency] = {}
    lines: dict[str, int] = {}
    for r in rows:
        agency_id = r.get("agency_id")
        if not _ID.match(agency_id):
            raise DataFileError(
                str(path),
                r.line,
                f"agency_id must be lower-case letters, digits "
                f"and _ (starting with a letter), got {agency_id!r}",
            )
        for column in ("name", "short_name", "name_zh", "short_name_zh", "kind"):
            if not r.get(column):
                raise DataFileError(str(path), r.line, f"{agency_id}: column '{column}' is empty")
        if r.get("kind") not in kinds:
            raise DataFileError(
                str(path),
                r.line,
                f"{agency_id}: kind {r.get('kind')!r} is not one "
                f"of {sorted(kinds)} (see {KINDS_FILE})",
            )
        valid_from = parse_date(r.get("valid_from"), path, r.line, "valid_from")
        valid_to = parse_date(r.get("valid_to"), path, r.line, "valid_to")
        if valid_from and valid_to and valid_from >= valid_to:
            raise DataFileError(
                str(path),
                r.line,
                f"{agency_id}: valid_from {valid_from} is not before valid_to {valid_to}",
            )
        successor = r.get("successor_id") or None
        if successor and not valid_to:
            raise DataFileError(
                str(path),
                r.line,
                f"{agency_id}: has a successor but no valid_to (the date the successor took over)",
            )
        if successor and not r.get("reform"):
            raise DataFileError(
                str(path),
                r.line,
                f"{agency_id}: has a successor but no reform (which restructuring made it)",
            )
        agencies[agency_id] = Agency(
            agency_id,
            r.get("name"),
            r.get("short_name"),
            r.get("name_zh"),
            r.get("short_name_zh"),
            r.get("kind"),
            valid_from,
            valid_to,
            successor,
            r.get("reform"),
            r.get("note"),
            r.line,
        )
        lines[agency_id] = r.line
    for agency in agencies.values():
        line = lines[agency.agency_id]
        if agency.successor_id is None:
            continue
        successor = agencies.get(agency.successor_id)
        if successor is None:
            raise DataFileError(
                str(path),
                line,
                f"{agency.agency_id}: successor_id "
                f"{agency.successor_id!r} is not an agency_id in this file",
            )
        if successor.valid_from and agency.valid_to and successor.valid_from > agency.valid_to:
            raise DataFileError(
                str(path),
                line,
                f"{agency.agency_id}: successor "
                f"{successor.agency_id} starts {successor.valid_from}, after "
                f"{agency.agency_id} ends {agency.valid_to} (a gap in the lineage)",
            )
        seen = {agency.agency_id}
        cursor = successor
        while cursor is not None:
            if cursor.agency_id in seen:
                raise DataFileError(
                    str(path),
                    line,
                    f"{agency.agency_id}: successor chain loops back to {cursor.agency_id}",
                )
            seen.add(cursor.agency_id)
            cursor = agencies.get(cursor.successor_id) if cursor.successor_id else None
    return agencies


def _load_aliases(path: Path, agencies: dict[str, Agency]) -> list[Alias]:
    """aliases.csv: every other spelling of a body, optionally with the period in which
    the plans use it (valid_from, valid_to: an era variant such as 知识产权局, which the
    plans wrote for CNIPA until 2022)."""
    rows = read_csv(path, ["alias", "agency_id", "note"])
    unique_or_fail(((normalize_name(r.get("alias")), r.line) for r in rows), path, "alias")
    aliases = []
    for r in rows:
        if not r.get("alias") or not normalize_name(r.get("alias")):
            raise DataFileError(str(path), r.line, "alias is empty")
        if r.get("agency_id") not in agencies:
            raise DataFileError(
                str(path),
                r.line,
                f"alias {r.get('alias')!r} points to unknown agency_id {r.get('agency_id')!r}",
            )
        agency = agencies[r.get("agency_id")]
        own = (agency.name, agency.short_name, agency.name_zh, agency.short_name_zh)
        if normalize_name(r.get("alias")) in {normalize_name(n) for n in own if n}:
            raise DataFileError(
                str(path),
                r.line,
                f"alias {r.get('alias')!r} repeats the "
                f"registry name of {agency.agency_id}; remove it",
            )
        valid_from = parse_date(r.get("valid_from"), path, r.line, "valid_from")
        valid_to = parse_date(r.get("valid_to"), path, r.line, "valid_to")
        if valid_from and valid_to and valid_from >= valid_to:
            raise DataFileError(
                str(path), r.line, f"valid_from {valid_from} is not before valid_to {valid_to}"
            )
        alias = Alias(
            r.get("alias"), agency.agency_id, "alias", r.get("note"), valid_from, valid_to, r.line
        )
        if (valid_from or valid_to) and _period(agency, alias) is None:
            raise DataFileError(
                str(path),
                r.line,
                f"alias {alias.alias!r} is dated {valid_from or '…'} to {valid_to or '…'}, "
                f"when {agency.agency_id} did not exist "
                f"({agency.valid_from or '…'} to {agency.valid_to or '…'})",
            )
        aliases.append(alias)
    return aliases


def _load_groups(path: Path) -> dict[str, GenericGroup]:
    rows = read_csv(path, ["group_id", "label", "aliases", "description"])
    unique_or_fail(((r.get("group_id"), r.line) for r in rows), path, "group_id")
    groups = {}
    for r in rows:
        names = tuple(a.strip() for a in r.get("aliases").split(";") if a.strip())
        if not names:
            raise DataFileError(str(path), r.line, f"{r.get('group_id')}: no aliases given")
        groups[r.get("group_id")] = GenericGroup(
            r.get("group_id"), r.get("label"), names, r.get("description")
        )
    return groups


Period = tuple[date, date]  # [start, end): when a name stands for a body


def _period(agency: Agency, alias: Alias | None = None) -> Period | None:
    """When the name stands for the body: the body's existence, cut to the alias's
    period if the name is a dated alias; None if the two do not meet."""
    start = agency.valid_from or date.min
    end = agency.valid_to or date.max
    if alias is not None:
        start = max(start, alias.valid_from or date.min)
        end = min(end, alias.valid_to or date.max)
    return (start, end) if start < end else None


def _name_index(
    aliases: list[Alias], agencies: dict[str, Agency], directory: Path
) -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, dict[str, Alias]]]:
    """Normalised name -> agency ids, the kinds of name it is, and the dated aliases that
    limit when it stands for a body. A name may stand for several bodies only at
    different times (before and after a restructuring)."""
    index: dict[str, list[str]] = {}
    index_sources: dict[str, set[str]] = {}
    undated: set[tuple[str, str]] = set()
    dated: dict[str, dict[str, Alias]] = {}
    where: dict[str, Alias] = {}  # the row that gave a name its last body, for messages
    for alias in aliases:
        key = normalize_name(alias.alias)
        where[key] = alias
        index_sources.setdefault(key, set()).add(alias.source)
        ids = index.setdefault(key, [])
        if alias.agency_id not in ids:
            ids.append(alias.agency_id)
        if alias.valid_from or alias.valid_to:
            dated.setdefault(key, {})[alias.agency_id] = alias
        else:
            undated.add((key, alias.agency_id))
    periods = {
        key: {i: a for i, a in by_id.items() if (key, i) not in undated}
        for key, by_id in dated.items()
    }
    for key, ids in index.items():
        spans = {
            i: _period(agencies[i], periods.get(key, {}).get(i)) or (date.min, date.min)
            for i in ids
        }
        for i, first in enumerate(ids):
            for second in ids[i + 1 :]:
                (s1, e1), (s2, e2) = spans[first], spans[second]
                if max(s1, s2) < min(e1, e2):
                    row = where[key]
                    raise DataFileError(
                        str(directory / (ALIASES_FILE if row.line else AGENCIES_FILE)),
                        row.line or agencies[row.agency_id].line,
                        f"the name {key!r} stands for both {first} and {second}, which existed "
                        "at the same time; give each a distinct alias",
                    )
    return index, index_sources, {k: v for k, v in periods.items() if v}


def _own_names(agencies: dict[str, Agency]) -> list[Alias]:
    """The names agencies.csv gives each body, as aliases."""
    out = []
    for source in ("name", "short_name", "name_zh", "short_name_zh"):
        out += [
            Alias(getattr(a, source), a.agency_id, source, "")
            for a in agencies.values()
            if getattr(a, source)
        ]
    return out


@lru_cache(maxsize=4)
def load_registry(directory: Path = paths.REGISTRY) -> Registry:
    """Load and validate the registry (cached per directory)."""
    kinds = _load_kinds(directory / KINDS_FILE)
    agencies = _load_agencies(directory / AGENCIES_FILE, kinds)
    aliases = _own_names(agencies) + _load_aliases(directory / ALIASES_FILE, agencies)
    index, index_sources, index_periods = _name_index(aliases, agencies, directory)
    groups = _load_groups(directory / GROUPS_FILE)
    group_index: dict[str, str] = {}
    for group in groups.values():
        for name in group.aliases:
            key = normalize_name(name)
            if key in index:
                raise DataFileError(
                    str(directory / GROUPS_FILE),
                    None,
                    f"generic group alias {name!r} is also an agency name",
                )
            group_index[key] = group.group_id
    predecessors: dict[str, list[str]] = {}
    for agency in agencies.values():
        if agency.successor_id:
            predecessors.setdefault(agency.successor_id, []).append(agency.agency_id)
    keys = [k.split() for k in [*index, *group_index] if k.split()]
    return Registry(
        agencies=agencies,
        kinds=kinds,
        aliases=tuple(aliases),
        groups=groups,
        index={k: tuple(v) for k, v in index.items()},
        index_sources={k: frozenset(v) for k, v in index_sources.items()},
        index_periods=index_periods,
        group_index=group_index,
        predecessors={k: tuple(v) for k, v in predecessors.items()},
        first_words=frozenset(words[0] for words in keys),
        last_words=frozenset(words[-1] for words in keys),
    )


# ---------------------------------------------------------------------------------------
# Resolution


@dataclass(frozen=True)
class Resolution:
    kind: str  # "agency" | "generic_group" | "unresolved"
    agency_id: str | None
    group_id: str | None
    method: str  # "name" | "alias" | "lineage" | "group" | "none"
    note: str


def _walk_to_date(registry: Registry, agency_id: str, day: date) -> str | None:
    """Follow the lineage from agency_id to the body that existed on `day`: forward through
    successors, or back through a single predecessor (a merge has several: no guess)."""
    agency = registry.agencies[agency_id]
    seen = set()
    while not agency.valid_on(day) and agency.agency_id not in seen:
        seen.add(agency.agency_id)
        if agency.valid_to is not None and day >= agency.valid_to and agency.successor_id:
            agency = registry.agencies[agency.successor_id]
        elif agency.valid_from is not None and day < agency.valid_from:
            before = registry.predecessors.get(agency.agency_id, ())
            if len(before) != 1:
                return None
            agency = registry.agencies[before[0]]
        else:
            return None
    return agency.agency_id if agency.valid_on(day) else None


def resolve_name(name: str, registry: Registry, day: date) -> Resolution:
    """Resolve one name to the body that existed on `day`, a generic group, or nothing."""
    key = normalize_name(name)
    group = registry.group_index.get(key)
    if group:
        return Resolution("generic_group", None, group, "group", "")
    ids = registry.index.get(key, ())
    if not ids:
        return Resolution("unresolved", None, None, "none", "no registry name or alias matches")
    sources = registry.index_sources[key]
    direct = [i for i in ids if registry.agencies[i].valid_on(day)]
    method = "name" if sources & {"name", "short_name", "name_zh", "short_name_zh"} else "alias"
    periods = registry.index_periods.get(key, {})
    in_period = [i for i in direct if i not in periods or periods[i].used_on(day)]
    if len(in_period) == 1:
        return Resolution("agency", in_period[0], None, method, "")
    if len(direct) == 1:  # the body existed, but the plans used this form at other times
        alias = periods[direct[0]]
        note = (
            f"{name!r} is recorded as the form of {registry.agencies[direct[0]].short_name} "
            f"used from {alias.valid_from or '…'} to {alias.valid_to or '…'}; "
            f"this document is dated {day.isoformat()}"
        )
        return Resolution("agency", direct[0], None, "alias", note)
    walked = {w for i in ids if (w := _walk_to_date(registry, i, day)) is not None}
    if len(walked) == 1:
        target = walked.pop()
        named = ", ".join(registry.agencies[i].short_name for i in ids)
        note = (
            f"the name stands for {named}; on {day.isoformat()} that body was "
            f"{registry.agencies[target].short_name}"
        )
        return Resolution("agency", target, None, "lineage", note)
    options = ", ".join(sorted(ids))
    return Resolution(
        "unresolved",
        None,
        None,
        "none",
        f"the name matches {options}, none of which can be placed on {day.isoformat()}",
    )


def _is_known(name: str, registry: Registry) -> bool:
    key = normalize_name(name)
    return key in registry.index or key in registry.group_index


def split_names(names: str, registry: Registry, patterns: AttributionPatterns) -> list[str]:
    """Split a list of names where the pieces are separate bodies.

    Names contain commas and 'and' themselves ("State Administration of Radio, Film, and
    Television"), so the list is cut at every separator and the pieces are joined back
    into names by a small dynamic programme: registered names cost nothing, unknown
    names cost more the more bodies they seem to swallow. The cheapest reading wins.
    A list of more than MAX_PIECES_JOINED pieces is split at every separator.
    """
    key = (names, patterns)
    cached = registry.split_cache.get(key)
    if cached is None:
        cached = tuple(_split_names(names, registry, patterns))
        if len(registry.split_cache) >= _SPLIT_CACHE_SIZE:
            registry.split_cache.clear()
        registry.split_cache[key] = cached
    return list(cached)


def _name_ends(pieces: list[str], ascii_only: bool) -> list[tuple[str | None, str | None]]:
    """The first and last normalised word of each piece of an ASCII list (None where a
    piece has no word, or for a list with other characters: no shortcut then)."""
    out: list[tuple[str | None, str | None]] = []
    for piece in pieces:
        words = normalize_name(piece).split() if ascii_only else []
        if not words:
            out.append((None, None))
        else:  # a join starting "The, X" is normalised to "x …": no first word then
            out.append((None if words[0] == "the" else words[0], words[-1]))
    return out


def _split_names(names: str, registry: Registry, patterns: AttributionPatterns) -> list[str]:
    pieces: list[tuple[int, int]] = []
    cursor = 0
    for sep in patterns.separators.finditer(names):
        if sep.start() > cursor:
            pieces.append((cursor, sep.start()))
        cursor = sep.end()
    if cursor < len(names):
        pieces.append((cursor, len(names)))
    pieces = [(s, e) for s, e in pieces if names[s:e].strip()]
    if not pieces:
        return []
    if len(pieces) > MAX_PIECES_JOINED:
        return [name for s, e in pieces if (name := strip_leading_words(names[s:e], patterns))]
    n = len(pieces)
    stripped = [strip_leading_words(names[s:e], patterns) for s, e in pieces]
    org_piece = [is_organisation_like(piece, patterns) for piece in stripped]
    ends = _name_ends(stripped, names.isascii())
    best: list[tuple[float, int]] = [(0.0, -1)] + [(float("inf"), -1)] * n
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_PIECES_PER_NAME), j):
            # A name the registry knows starts and ends with a word some registered name
            # starts and ends with: other joins are not normalised and looked up at all.
            first, last = ends[i][0], ends[j - 1][1]
            possible = not (
                first is not None
                and last is not None
                and (first not in registry.first_words or last not in registry.last_words)
            )
            segment = strip_leading_words(names[pieces[i][0] : pieces[j - 1][1]], patterns)
            if possible and _is_known(segment, registry):
                cost = 0.0
            else:
                bodies = sum(org_piece[i:j])
                cost = _UNRESOLVED_COST + _SWALLOWED_BODY_COST * max(0, bodies - 1)
                if bodies == 0:
                    cost += _NOT_ORGANISATION_COST
            total = best[i][0] + cost
            if total < best[j][0]:
                best[j] = (total, i)
    out = []
    j = n
    while j > 0:
        i = best[j][1]
        out.append(strip_leading_words(names[pieces[i][0] : pieces[j - 1][1]], patterns))
        j = i
    out.reverse()
    return out


@dataclass(frozen=True)
class Mention:
    position: int  # 1-based order in the list
    raw_name: str
    role: str  # "lead" | "participant" | "joint"
    resolution: Resolution
    # Where the role comes from: "explicit" (the attribution's own words: 牵头/参与,
    # "is responsible, with … participating", "according to their duties", a single
    # body said to be responsible), "stated" (list order, read through the plan's role
    # note) or "inferred" (list order, without a role note: the plans' convention).
    basis: str = "inferred"


def resolve_attribution(
    names: str, roles: str, registry: Registry, patterns: AttributionPatterns, day: date
) -> list[Mention]:
    """The mentions of an attribution list, with roles.

    lead_first: the first-listed body leads and the others participate. joint: every
    body is recorded as joint (the text assigns no lead). A single body always leads.
    """
    clause = Clause(names, "joint" if roles == "joint" else "ordered")
    return resolve_clauses((clause,), registry, patterns, day, role_note=False)


def resolve_clauses(
    clauses: tuple[Clause, ...],
    registry: Registry,
    patterns: AttributionPatterns,
    day: date,
    role_note: bool,
    worded: bool = False,
) -> list[Mention]:
    """The mentions of an attribution's clauses (ipdash.corpus.attribution), with roles
    and where each role comes from.

    An "ordered" clause (a plain list): the first-listed body leads and the others
    participate, as the plan's role note says (basis "stated") or, without one, by the
    plans' convention ("inferred"). "joint": every body is joint. "lead" / "participant":
    every body in the clause has that role, in the text's own words. A single body
    always leads (in its own words if the attribution says it is responsible)."""
    split = [
        (clause, name)
        for clause in clauses
        for name in split_names(clause.names, registry, patterns)
    ]
    list_basis = "stated" if role_note else "inferred"
    mentions = []
    for position, (clause, raw) in enumerate(split, start=1):
        if len(split) == 1:
            role = "lead"
            explicit = worded or clause.role != "ordered"
        elif clause.role == "ordered":
            role = "lead" if position == 1 else "participant"
            explicit = False
        else:
            role, explicit = clause.role, True
        basis = "explicit" if explicit else list_basis
        mentions.append(Mention(position, raw, role, resolve_name(raw, registry, day), basis))
    return mentions


def looks_like_body_list(names: str, registry: Registry, patterns: AttributionPatterns) -> bool:
    """True if a bare parenthesised list names bodies: at least one piece resolves to a
    registered body or group, or the list reads as organisation names."""
    if any(_is_known(piece, registry) for piece in split_names(names, registry, patterns)):
        return True
    return looks_like_organisations(names, patterns)
