"""Saved views ("stories"): named sequences of views for a workshop or a deck.

A view is a chart (see ipdash.present.views) with its parameters (the same as the page address
holds), a title and an optional caption. The ready-made stories ship in
data/stories/builtin.yaml and are read-only in the app (users edit a copy); stories users
save persist in data/stories/saved.yaml (IPDASH_STORIES moves it), which they can export
and import.

Captions and parameters may use placeholders such as {lead_last} or {rise1_pp}: they
are filled with facts computed from the database when the story is shown, so the
ready-made story states what the data says, not numbers typed by hand.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ipdash import paths
from ipdash.datafiles import LineDict, parse_yaml, read_yaml, require
from ipdash.errors import DataFileError
from ipdash.fileio import exclusive_lock, write_atomic
from ipdash.present.views import CHARTS, Query
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
# A story holds at most this many views (a talk, not a database).
MAX_VIEWS = 40
MAX_STORIES = 200
MAX_TEXT = 600
# An exported file of MAX_STORIES full stories stays well under this.
MAX_FILE_CHARS = 2_000_000


@dataclass(frozen=True)
class View:
    title: str
    chart: str
    params: dict[str, str] = field(default_factory=dict)
    caption: str = ""


@dataclass(frozen=True)
class Story:
    story_id: str
    title: str
    subtitle: str = ""
    views: tuple[View, ...] = ()
    builtin: bool = False


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "story"


def unique_id(base: str, taken: set[str]) -> str:
    """`base` made a valid story id not in `taken` (adding -2, -3 ...)."""
    base = slug(base)[:55]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# ---------------------------------------------------------------------------------------
# Reading and writing


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_text(value: object, where: str, path: str, line: int | None) -> str:
    if not isinstance(value, str):
        raise DataFileError(path, line, f"{where} must be text")
    if len(value) > MAX_TEXT:
        raise DataFileError(path, line, f"{where} is longer than {MAX_TEXT} characters")
    try:
        _placeholders(value)
    except ValueError as exc:
        raise DataFileError(
            path, line, f"{where}: braces must name a fact, like {{lead_last}} ({exc})"
        ) from exc
    return value


def parse_stories(data: Any, source: str, builtin: bool = False) -> list[Story]:
    """Stories from parsed YAML/JSON, validated (chart ids, texts, sizes)."""
    if not isinstance(data, dict) or not isinstance(data.get("stories"), list):
        raise DataFileError(source, 1, "expected a mapping with a list under 'stories'")
    if len(data["stories"]) > MAX_STORIES:
        raise DataFileError(source, 1, f"holds more than {MAX_STORIES} stories")
    stories: list[Story] = []
    seen: set[str] = set()
    for entry in data["stories"]:
        line = getattr(entry, "line", None)
        if not isinstance(entry, dict):
            raise DataFileError(source, line, "each story must be a mapping")
        story_id = str(entry.get("id", ""))
        if not _ID.match(story_id):
            raise DataFileError(
                source, line, f"story id {story_id!r} must be lower-case letters, digits and '-'"
            )
        if story_id in seen:
            raise DataFileError(source, line, f"story id {story_id!r} appears twice")
        seen.add(story_id)
        views = []
        raw_views = entry.get("views") or []
        if not isinstance(raw_views, list) or len(raw_views) > MAX_VIEWS:
            raise DataFileError(
                source, line, f"{story_id}: 'views' must be a list of at most {MAX_VIEWS}"
            )
        for view in raw_views:
            vline = getattr(view, "line", line)
            if not isinstance(view, dict):
                raise DataFileError(source, vline, f"{story_id}: each view must be a mapping")
            chart = str(view.get("chart", ""))
            if chart not in CHARTS:
                raise DataFileError(
                    source,
                    vline,
                    f"{story_id}: unknown chart {chart!r}; known: {', '.join(CHARTS)}",
                )
            params = view.get("params") or {}
            if not isinstance(params, dict):
                raise DataFileError(source, vline, f"{story_id}: 'params' must be a mapping")
            views.append(
                View(
                    title=_check_text(
                        view.get("title", ""), f"{story_id}: view title", source, vline
                    ),
                    chart=chart,
                    params={
                        str(k): _check_text(str(v), f"{story_id}: parameter {k}", source, vline)
                        for k, v in params.items()
                    },
                    caption=_check_text(
                        view.get("caption", "") or "", f"{story_id}: caption", source, vline
                    ),
                )
            )
        stories.append(
            Story(
                story_id=story_id,
                title=_check_text(entry.get("title", story_id), f"{story_id}: title", source, line),
                subtitle=_check_text(
                    entry.get("subtitle", "") or "", f"{story_id}: subtitle", source, line
                ),
                views=tuple(views),
                builtin=builtin,
            )
        )
    return stories


def _read(path: Path, builtin: bool) -> list[Story]:
    if not path.exists():
        return []
    data: LineDict = read_yaml(path)
    require(data, "stories", path, list)
    return parse_stories(data, str(path), builtin)


def load_builtin(path: Path | None = None) -> list[Story]:
    """The ready-made stories."""
    return _read(path or paths.BUILTIN_STORIES, builtin=True)


def load_saved(path: Path) -> list[Story]:
    """The stories users saved (in `path`, the IPDASH_STORIES setting)."""
    return _read(path, builtin=False)


def load_stories(path: Path) -> list[Story]:
    """The ready-made stories, then the ones saved in `path`."""
    builtin = load_builtin()
    saved = load_saved(path)
    _check_ids(builtin, saved, str(path))
    return builtin + saved


def _check_ids(builtin: list[Story], saved: list[Story], source: str) -> None:
    clash = {s.story_id for s in builtin} & {s.story_id for s in saved}
    if clash:
        raise DataFileError(
            source,
            None,
            f"story id {sorted(clash)[0]!r} is taken by a ready-made story: rename it",
        )


def to_document(stories: list[Story]) -> dict:
    return {
        "stories": [
            {
                "id": s.story_id,
                "title": s.title,
                "subtitle": s.subtitle,
                "views": [
                    {
                        "title": v.title,
                        "chart": v.chart,
                        "params": dict(v.params),
                        "caption": v.caption,
                    }
                    for v in s.views
                ],
            }
            for s in stories
        ]
    }


def dump_stories(stories: list[Story]) -> str:
    header = (
        "# ipdash stories: saved views for workshops and decks (see docs/presenting.md).\n"
        "# Captions and parameters may use {fact} placeholders filled from the data.\n"
    )
    return header + yaml.safe_dump(
        to_document(stories), allow_unicode=True, sort_keys=False, width=100
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with exclusive_lock(path.parent / f".{path.name}.lock"):
        yield


def _write(stories: list[Story], path: Path) -> None:
    """Write atomically: a temporary file renamed over the old one (never half-written)."""
    text = dump_stories([s for s in stories if not s.builtin])
    write_atomic(path, text.encode("utf-8"))


def save_stories(stories: list[Story], path: Path) -> None:
    """Replace the saved stories (ready-made ones are never written)."""
    with _locked(path):
        _write(stories, path)


def update_stories(change: Callable[[list[Story]], list[Story]], path: Path) -> list[Story]:
    """Read the saved stories, change them (a function of the list) and write them back
    under a lock, so two people saving views at once do not overwrite each other."""
    with _locked(path):
        stories = change(load_saved(path))
        _check_ids(load_builtin(), stories, str(path))
        _write(stories, path)
    return stories


def import_text(text: str, source: str = "uploaded file") -> list[Story]:
    """Stories from an exported YAML or JSON file."""
    if len(text) > MAX_FILE_CHARS:
        raise DataFileError(
            source, None, f"is larger than a stories file can be ({MAX_FILE_CHARS:,} characters)"
        )
    try:
        data = parse_yaml(text, source)
    except DataFileError as exc:
        raise DataFileError(source, exc.line, f"is not a stories file: {exc.problem}") from exc
    return parse_stories(data, source)


def merge(
    existing: list[Story], incoming: list[Story], reserved: set[str] = frozenset()
) -> list[Story]:
    """Add imported stories to the saved ones: one with the id of a saved story replaces
    it; one with the id of a ready-made story (`reserved`) is added under a new id."""
    taken = set(reserved) | {s.story_id for s in existing} | {s.story_id for s in incoming}
    renamed = []
    for story in incoming:
        if story.story_id in reserved:
            new_id = unique_id(f"{story.story_id}-copy", taken)
            taken.add(new_id)
            story = replace(story, story_id=new_id)
        renamed.append(replace(story, builtin=False))
    by_id = {s.story_id: s for s in renamed}
    kept = [by_id.pop(s.story_id, s) for s in existing]
    return kept + list(by_id.values())


def rename_story(stories: list[Story], story_id: str, title: str) -> list[Story]:
    return [replace(s, title=title) if s.story_id == story_id else s for s in stories]


def copy_story(story: Story, title: str, taken: set[str]) -> Story:
    """An editable copy of a story (of a ready-made one, say) under a new id."""
    return replace(story, story_id=unique_id(title, taken), title=title, builtin=False)


# ---------------------------------------------------------------------------------------
# Editing (pure: list in, list out)


def _edit(stories: list[Story], story_id: str, views: tuple[View, ...]) -> list[Story]:
    return [replace(s, views=views) if s.story_id == story_id else s for s in stories]


def add_view(stories: list[Story], story_id: str, view: View, title: str = "") -> list[Story]:
    """Append a view to a story, creating the story if it does not exist."""
    for story in stories:
        if story.story_id == story_id:
            if len(story.views) >= MAX_VIEWS:
                raise DataFileError("stories", None, f"{story.title} already has {MAX_VIEWS} views")
            return _edit(stories, story_id, (*story.views, view))
    return [*stories, Story(story_id, title or story_id, "", (view,))]


def move_view(stories: list[Story], story_id: str, index: int, step: int) -> list[Story]:
    for story in stories:
        if story.story_id == story_id:
            views = list(story.views)
            target = index + step
            if 0 <= index < len(views) and 0 <= target < len(views):
                views[index], views[target] = views[target], views[index]
            return _edit(stories, story_id, tuple(views))
    return stories


def delete_view(stories: list[Story], story_id: str, index: int) -> list[Story]:
    for story in stories:
        if story.story_id == story_id:
            return _edit(
                stories, story_id, tuple(v for i, v in enumerate(story.views) if i != index)
            )
    return stories


def edit_view(
    stories: list[Story], story_id: str, index: int, title: str, caption: str
) -> list[Story]:
    """Change a view's title and caption."""
    for story in stories:
        if story.story_id == story_id and 0 <= index < len(story.views):
            views = list(story.views)
            views[index] = replace(views[index], title=title, caption=caption)
            return _edit(stories, story_id, tuple(views))
    return stories


def delete_story(stories: list[Story], story_id: str) -> list[Story]:
    return [s for s in stories if s.story_id != story_id]


# ---------------------------------------------------------------------------------------
# Facts from the data


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _pp(value: float) -> str:
    return f"{value:+.1f} points"


def story_facts(q: Query) -> dict[str, str]:
    """Named facts for captions, computed from the database. 'first' and 'last' are the
    first and last plans that name responsible bodies (2012 and 2021–22 today), so a
    story keeps working when a plan is added."""
    facts: dict[str, str] = {}
    plans = q(queries.plans)
    named = plans.filter(pl.col("names_agencies")).sort("plan_year")
    first, last = named.row(0, named=True), named.row(-1, named=True)
    overview = {r["plan_year"]: r for r in q(queries.plan_overview).iter_rows(named=True)}
    for key, plan in (("first", first), ("last", last)):
        year = plan["plan_year"]
        facts[f"{key}_year"] = str(year)
        facts[f"{key}_label"] = plan["period_label"]
        facts[f"present_{key}"] = str(plan["n_present"])
        facts[f"bodies_{key}"] = str(overview[year]["n_agencies"])
        facts[f"multi_{key}"] = _pct(overview[year]["share_multi_agency"])
        top = (
            q(queries.top_lead_agencies, False, 1)
            .filter(pl.col("plan_year") == year)
            .row(0, named=True)
        )
        facts[f"lead_{key}"] = top["short_name"]
        facts[f"lead_{key}_id"] = top["agency_id"]
        facts[f"lead_{key}_n"] = str(top["n_led"])
        facts[f"lead_{key}_share"] = _pct(top["share_led"])
        second = q(queries.top_lead_agencies, False, 2).filter(pl.col("plan_year") == year)
        if second.height > 1:
            facts[f"second_{key}"] = second["short_name"][1]
            facts[f"second_{key}_n"] = str(second["n_led"][1])
        facts[f"joint_{key}"] = str(overview[year]["n_joint_measures"])
        nodes = q(queries.agency_nodes, MeasureFilter(years=(year,)))
        edges = q(queries.agency_edges, MeasureFilter(years=(year,)), False)
        names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
        if edges.height:
            pair = edges.row(0, named=True)
            facts[f"pair_{key}"] = f"{names[pair['source']]}–{names[pair['target']]}"
            facts[f"pair_{key}_n"] = str(pair["weight"])
    # Bodies that appear or disappear, each counted with its predecessors.
    current_first = set(
        q(queries.agency_nodes, MeasureFilter(years=(first["plan_year"],), successor=True))[
            "agency_id"
        ]
    )
    current_last_nodes = q(
        queries.agency_nodes, MeasureFilter(years=(last["plan_year"],), successor=True)
    )
    current_last = set(current_last_nodes["agency_id"])
    labels = dict(
        zip(
            q(queries.agency_labels)["agency_id"],
            q(queries.agency_labels)["short_name"],
            strict=True,
        )
    )
    new, gone = sorted(current_last - current_first), sorted(current_first - current_last)
    facts["new_bodies_n"] = str(len(new))
    facts["new_bodies"] = ", ".join(labels[a] for a in new) or "none"
    facts["gone_bodies_n"] = str(len(gone))
    facts["gone_bodies"] = ", ".join(labels[a] for a in gone) or "none"
    # The lead body of the last plan, with its predecessors, over time.
    profile = q(queries.agency_profile, facts["lead_last_id"], True)
    by_year = {r["plan_year"]: r for r in profile.iter_rows(named=True)}
    for key, plan in (("first", first), ("last", last)):
        row = by_year[plan["plan_year"]]
        facts[f"lead_agency_{key}_n"] = str(row["n_led"])
        facts[f"lead_agency_{key}_joint"] = str(row["n_joint"])
    # Themes: largest moves between the first and last plans, largest theme per plan.
    change = q(queries.theme_change, first["plan_year"], last["plan_year"], MeasureFilter())
    rises = change.sort(["change_pp", "precedence"], descending=[True, False])
    falls = change.sort(["change_pp", "precedence"], descending=[False, False])
    for prefix, frame in (("rise", rises), ("fall", falls)):
        for rank in (1, 2):
            row = frame.row(rank - 1, named=True)
            facts[f"{prefix}{rank}"] = row["label"]
            facts[f"{prefix}{rank}_id"] = row["theme_id"]
            facts[f"{prefix}{rank}_pp"] = _pp(row["change_pp"])
            facts[f"{prefix}{rank}_a"] = _pct(row["share_a"])
            facts[f"{prefix}{rank}_b"] = _pct(row["share_b"])
    counts = q(queries.theme_counts_by_year, MeasureFilter())
    for key, plan in (("first", first), ("last", last)):
        top = (
            counts.filter(pl.col("plan_year") == plan["plan_year"])
            .sort(["n", "precedence"], descending=[True, False])
            .row(0, named=True)
        )
        facts[f"top_theme_{key}"] = top["label"]
        facts[f"top_theme_{key}_share"] = _pct(top["share"])
    return facts


def fill(template: str, facts: dict[str, str]) -> str:
    """A caption or parameter with its {placeholders} replaced; an unknown placeholder
    is left visible as {name?} rather than failing a talk."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return facts.get(name, f"{{{name}?}}")

    return re.sub(r"\{([a-z0-9_]+)\}", value, template)


def resolved(view: View, facts: dict[str, str]) -> View:
    """The view with its caption, title and parameters filled from the facts."""
    return View(
        title=fill(view.title, facts),
        chart=view.chart,
        params={k: fill(v, facts) for k, v in view.params.items()},
        caption=fill(view.caption, facts),
    )
