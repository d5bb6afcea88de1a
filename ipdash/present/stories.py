"""Saved views ("stories"): named sequences of views for a workshop or a deck.

A view is a chart (see ipdash.present.views) with its parameters (the same as the page address
holds), a title and an optional caption. The ready-made stories ship in
data/stories/builtin.yaml and are read-only in the app (users edit a copy); stories users
save persist in data/stories/saved.yaml (IPDASH_STORIES moves it), which they can export
and import.

A story may state the plans it covers (`plans`): its facts are computed for those plans
and stay with them when a plan is added, until its author changes them; a story stating
none follows the data. Titles, captions and parameters may name facts such as
{lead_last} or {rise1_pp}: they are filled from the database when the story is shown, so
the ready-made story states what the data says, not numbers typed by hand. A sentence
whose facts the data cannot give is left out, never shown with a placeholder.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Callable, Iterator, Sequence
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
# A story states at most this many plans.
MAX_PLANS = 200


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
    # The plan years the story covers and keeps (empty: every plan in the data).
    plans: tuple[int, ...] = ()


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


def _check_plans(value: object, where: str, path: str, line: int | None) -> tuple[int, ...]:
    """A story's plans: a list of plan years (e.g. [2012, 2014, 2020, 2022])."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else None
    if (
        items is None
        or len(items) > MAX_PLANS
        or not all(re.fullmatch(r"\d{4}", str(v).strip()) for v in items)
    ):
        raise DataFileError(
            path, line, f"{where}: 'plans' must be a list of plan years, e.g. [2012, 2022]"
        )
    return tuple(sorted({int(str(v).strip()) for v in items}))


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
                plans=_check_plans(entry.get("plans"), story_id, source, line),
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


def ready_made_plans() -> tuple[int, ...]:
    """The plans the ready-made story covers (it keeps them when a plan is added or
    removed; Add a plan says so)."""
    builtin = load_builtin()
    return builtin[0].plans if builtin else ()


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
                **({"plans": list(s.plans)} if s.plans else {}),
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
        "# Titles, captions and parameters may name {facts} filled from the data; 'plans'\n"
        "# lists the plan years a story covers (none: every plan in the data).\n"
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


def set_plans(stories: list[Story], story_id: str, plans: Sequence[int]) -> list[Story]:
    """The plans a story covers (none: it follows the data)."""
    years = tuple(sorted(set(plans)))
    return [replace(s, plans=years) if s.story_id == story_id else s for s in stories]


def delete_story(stories: list[Story], story_id: str) -> list[Story]:
    return [s for s in stories if s.story_id != story_id]


# ---------------------------------------------------------------------------------------
# The plans a story compares


@dataclass(frozen=True)
class StoryPlans:
    """The plans a story covers: the ones it states (or, when it states none, every plan
    in the data), which of them the data no longer holds, and the two it compares."""

    years: tuple[int, ...]  # the plans the story covers, oldest first
    labels: dict[int, str]  # their period labels (the year, for a plan no longer in the data)
    missing: tuple[int, ...]  # stated plans the data does not hold (removed)
    first: int | None  # 'first' and 'last': the first and last of them naming bodies
    last: int | None
    stated: bool  # the story states its plans (else it follows the data)

    def label_list(self, years: Sequence[int] | None = None) -> str:
        """ "2012, 2014, 2020 and 2021–2022"."""
        return join_words([self.labels[y] for y in (self.years if years is None else years)])


def story_plans(plans: pl.DataFrame, stated: Sequence[int] = ()) -> StoryPlans:
    """The plans a story covers, from the plans in the data (queries.plans) and the plans
    the story states. 'first' and 'last' skip plans that name no bodies (2014), unless
    none does; a stated plan the data no longer holds still counts as stated (its facts
    are missing and the story says so, rather than quietly comparing other plans)."""
    in_data = {r["plan_year"]: r for r in plans.iter_rows(named=True)}
    years = tuple(sorted(set(stated))) if stated else tuple(sorted(in_data))
    labels = {y: in_data[y]["period_label"] if y in in_data else str(y) for y in years}
    naming = [y for y in years if y not in in_data or in_data[y]["names_agencies"]] or list(years)
    return StoryPlans(
        years=years,
        labels=labels,
        missing=tuple(y for y in years if y not in in_data),
        first=naming[0] if naming else None,
        last=naming[-1] if naming else None,
        stated=bool(stated),
    )


_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def number_word(n: int) -> str:
    """4 -> "four" (up to twelve; digits beyond)."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def join_words(items: Sequence[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------
# Facts from the data


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _pp(value: float) -> str:
    return f"{value:+.1f} points"


def _all_plans(n: int) -> str:
    """ "all four plans", "both plans", "the one plan"."""
    return {1: "the one plan", 2: "both plans"}.get(n, f"all {number_word(n)} plans")


def _scope_facts(scope: StoryPlans) -> dict[str, str]:
    """The plans themselves: which, how many, the two compared."""
    facts = {
        "plans_n": str(len(scope.years)),
        "plans_n_word": number_word(len(scope.years)),
        "all_plans": _all_plans(len(scope.years)),
        "plans_labels": scope.label_list(),
        "plan_years": ",".join(str(y) for y in scope.years),
    }
    for key, year in (("first", scope.first), ("last", scope.last)):
        if year is not None:
            facts[f"{key}_year"] = str(year)
            facts[f"{key}_label"] = scope.labels[year]
    if scope.missing:
        facts["missing_plans"] = scope.label_list(scope.missing)
        facts["missing_plans_n"] = str(len(scope.missing))
    return facts


def _plan_facts(q: Query, key: str, year: int, overview: dict) -> dict[str, str]:
    """One plan ('first' or 'last'): its size, its bodies, who leads, the strongest tie.
    A plan naming no bodies has no body facts."""
    facts = {f"present_{key}": str(overview["n_present"])}
    if not overview["names_agencies"]:
        return facts
    facts[f"bodies_{key}"] = str(overview["n_agencies"])
    if overview["share_multi_agency"] is not None:
        facts[f"multi_{key}"] = _pct(overview["share_multi_agency"])
    facts[f"joint_{key}"] = str(overview["n_joint_measures"])
    top = q(queries.top_lead_agencies, False, 2).filter(pl.col("plan_year") == year)
    if top.height:
        facts[f"lead_{key}"] = top["short_name"][0]
        facts[f"lead_{key}_id"] = top["agency_id"][0]
        facts[f"lead_{key}_n"] = str(top["n_led"][0])
        facts[f"lead_{key}_share"] = _pct(top["share_led"][0])
    if top.height > 1:
        facts[f"second_{key}"] = top["short_name"][1]
        facts[f"second_{key}_n"] = str(top["n_led"][1])
    nodes = q(queries.agency_nodes, MeasureFilter(years=(year,)))
    edges = q(queries.agency_edges, MeasureFilter(years=(year,)), False)
    names = dict(zip(nodes["agency_id"], nodes["short_name"], strict=True))
    if edges.height:
        pair = edges.row(0, named=True)
        facts[f"pair_{key}"] = f"{names[pair['source']]}–{names[pair['target']]}"
        facts[f"pair_{key}_n"] = str(pair["weight"])
    return facts


def _body_change_facts(q: Query, first: int, last: int) -> dict[str, str]:
    """Bodies that appear or disappear between two plans, each counted with its
    predecessors."""

    def bodies(year: int) -> set[str]:
        f = MeasureFilter(years=(year,), successor=True)
        return set(q(queries.agency_nodes, f)["agency_id"])

    labels_frame = q(queries.agency_labels)
    labels = dict(zip(labels_frame["agency_id"], labels_frame["short_name"], strict=True))
    before, after = bodies(first), bodies(last)
    new, gone = sorted(after - before), sorted(before - after)
    return {
        "new_bodies_n": str(len(new)),
        "new_bodies": ", ".join(labels[a] for a in new) or "none",
        "gone_bodies_n": str(len(gone)),
        "gone_bodies": ", ".join(labels[a] for a in gone) or "none",
    }


def _lead_agency_facts(q: Query, agency_id: str, plans: dict[str, int]) -> dict[str, str]:
    """The last plan's leading body, with its predecessors, in the plans compared."""
    profile = q(queries.agency_profile, agency_id, True)
    by_year = {r["plan_year"]: r for r in profile.iter_rows(named=True)}
    facts: dict[str, str] = {}
    for key, year in plans.items():
        if year in by_year:
            facts[f"lead_agency_{key}_n"] = str(by_year[year]["n_led"])
            facts[f"lead_agency_{key}_joint"] = str(by_year[year]["n_joint"])
    return facts


def _theme_change_facts(q: Query, first: int, last: int) -> dict[str, str]:
    """The two themes gaining and the two losing most share between two plans: a theme
    counts as a rise only if it gained (a +0.0 or a loss is no rise)."""
    change = q(queries.theme_change, first, last, MeasureFilter())
    change = change.with_columns(pl.col("change_pp").round(1).alias("rounded"))
    rises = change.filter(pl.col("rounded") > 0).sort(
        ["change_pp", "precedence"], descending=[True, False]
    )
    falls = change.filter(pl.col("rounded") < 0).sort(
        ["change_pp", "precedence"], descending=[False, False]
    )
    facts: dict[str, str] = {}
    for prefix, frame in (("rise", rises), ("fall", falls)):
        for rank, row in enumerate(frame.head(2).iter_rows(named=True), start=1):
            facts[f"{prefix}{rank}"] = row["label"]
            facts[f"{prefix}{rank}_id"] = row["theme_id"]
            facts[f"{prefix}{rank}_pp"] = _pp(row["change_pp"])
            facts[f"{prefix}{rank}_a"] = _pct(row["share_a"] or 0)
            facts[f"{prefix}{rank}_b"] = _pct(row["share_b"] or 0)
    return facts


def _top_theme_facts(q: Query, plans: dict[str, int]) -> dict[str, str]:
    counts = q(queries.theme_counts_by_year, MeasureFilter())
    facts: dict[str, str] = {}
    for key, year in plans.items():
        rows = counts.filter((pl.col("plan_year") == year) & (pl.col("n") > 0))
        if rows.height:
            top = rows.sort(["n", "precedence"], descending=[True, False]).row(0, named=True)
            facts[f"top_theme_{key}"] = top["label"]
            facts[f"top_theme_{key}_share"] = _pct(top["share"])
    return facts


def story_facts(q: Query, plans: Sequence[int] = ()) -> dict[str, str]:
    """Named facts for captions, computed from the database for the plans a story
    states (`plans`; every plan in the data when empty). 'first' and 'last' are the
    first and last of them that name responsible bodies (2012 and 2021–22 today). A fact
    the data cannot give (a plan naming no bodies has no leading body; a plan no longer
    in the data has no facts) is absent, and `fill` leaves out the sentence naming it."""
    frame = q(queries.plans)
    scope = story_plans(frame, plans)
    facts = _scope_facts(scope)
    overview = {r["plan_year"]: r for r in q(queries.plan_overview).iter_rows(named=True)}
    held = {
        key: year
        for key, year in (("first", scope.first), ("last", scope.last))
        if year is not None and year in overview
    }
    for key, year in held.items():
        facts.update(_plan_facts(q, key, year, overview[year]))
    if len(held) == 2 and scope.first != scope.last:
        first, last = held["first"], held["last"]
        if overview[first]["names_agencies"] and overview[last]["names_agencies"]:
            facts.update(_body_change_facts(q, first, last))
        facts.update(_theme_change_facts(q, first, last))
    if "lead_last_id" in facts:
        facts.update(_lead_agency_facts(q, facts["lead_last_id"], held))
    facts.update(_top_theme_facts(q, held))
    if "last" in held:
        facts.update(_lineage_facts(q, scope, held["last"], overview[held["last"]]))
    return facts


def _lineage_facts(q: Query, scope: StoryPlans, last: int, overview: dict) -> dict[str, str]:
    """What is new in the last plan against the plan before it among the story's plans
    (the latest of them the lineage compares it with): counts of new, carried-over and
    dropped measures, the theme with most new measures. None when no plan of the story
    is compared with the last one."""
    pairs = q(queries.lineage_plan_pairs).filter(
        pl.col("compared")
        & (pl.col("plan_year") == last)
        & pl.col("earlier_plan_year").is_in(list(scope.years))
    )
    if pairs.height == 0:
        return {}
    prev = int(pairs["earlier_plan_year"].max())
    counts = q(queries.lineage_counts, prev, last, MeasureFilter())
    totals = {c: int(counts[c].sum()) for c in ("n_new", "n_carried", "n_dropped")}
    top = counts.sort(["n_new", "precedence"], descending=[True, False]).row(0, named=True)
    facts = {
        "prev_year": str(prev),
        "prev_label": scope.labels[prev],
        "new_last_n": str(totals["n_new"]),
        "carried_last_n": str(totals["n_carried"]),
        "dropped_prev_n": str(totals["n_dropped"]),
    }
    if overview["n_present"]:
        facts["new_last_share"] = _pct(totals["n_new"] / overview["n_present"])
    if top["n_new"]:
        facts["new_top_theme"] = top["label"]
        facts["new_top_theme_n"] = str(top["n_new"])
    return facts


def story_counts(story: Story) -> dict[str, str]:
    """Facts about the story itself: how many views it has."""
    return {"views_n": str(len(story.views)), "views_n_word": number_word(len(story.views))}


def facts_for(story: Story, q: Query) -> dict[str, str]:
    """Every fact the story's texts may name: the data's for its plans, and its own."""
    return story_facts(q, story.plans) | story_counts(story)


# ---------------------------------------------------------------------------------------
# Filling texts with facts

_FACT = re.compile(r"\{([a-z0-9_]+)\}")
# An optional part: square brackets around text naming a fact, with alternatives
# separated by '|': "[, and {second_last} leads {second_last_n}]".
_OPTIONAL = re.compile(r"\[([^\[\]]*\{[a-z0-9_]+\}[^\[\]]*)\]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def _known(text: str, facts: dict[str, str]) -> bool:
    return all(name in facts for name in _FACT.findall(text))


def missing_facts(template: str, facts: dict[str, str]) -> list[str]:
    """The facts a text names that `facts` lacks (for an author: why a sentence is left
    out), in order, each once."""
    return list(dict.fromkeys(n for n in _FACT.findall(template) if n not in facts))


def fill(template: str, facts: dict[str, str]) -> str:
    """A title, subtitle or caption with its {facts} filled in. Never shows a fact it
    lacks: an optional part in square brackets takes its first alternative whose facts
    are known (or nothing), and a sentence naming an unknown fact outside brackets is
    left out. A title left empty is the caller's to replace."""

    def choose(match: re.Match[str]) -> str:
        return next((a for a in match.group(1).split("|") if _known(a, facts)), "")

    text = _OPTIONAL.sub(choose, template)
    kept = [
        s
        for s in _SENTENCE_BREAK.split(text.strip())
        if _known(s, facts) and re.search(r"\w", _FACT.sub("x", s))
    ]
    text = re.sub(r" {2,}", " ", " ".join(kept))
    text = re.sub(r" ([,.;:)])", r"\1", text)  # after the runs of spaces are one
    return _FACT.sub(lambda m: facts[m.group(1)], text).strip()


def fill_param(template: str, facts: dict[str, str]) -> str:
    """A parameter filled with facts: a comma-separated list keeps the items whose facts
    are known ("{rise1_id},{rise2_id}" -> "enforcement" when there is no second rise);
    an empty result means the parameter is left out."""
    parts = [p for p in template.split(",") if _known(p, facts)]
    return ",".join(_FACT.sub(lambda m: facts[m.group(1)], p) for p in parts if p.strip())


def title_of(story: Story, facts: dict[str, str]) -> str:
    """The story's title with its facts filled in (its id if nothing is left)."""
    return fill(story.title, facts) or story.story_id


def resolved(view: View, facts: dict[str, str]) -> View:
    """The view with its caption, title and parameters filled from the facts; a title
    whose facts are all missing becomes the chart's name, a parameter whose facts are
    missing is left out (the chart's default)."""
    params = {k: fill_param(v, facts) for k, v in view.params.items()}
    return View(
        title=fill(view.title, facts) or CHARTS[view.chart].label,
        chart=view.chart,
        params={k: v for k, v in params.items() if v},
        caption=fill(view.caption, facts),
    )


# ---------------------------------------------------------------------------------------
# Plans a view names that the data no longer holds

# The parameters that name plans: one plan, a list, or the two plans compared.
_LIST_PLAN_PARAMS = ("year", "plans")
_PAIR_PLAN_PARAMS = ("from", "to", "compare_a", "compare_b")


@dataclass(frozen=True)
class ViewPlans:
    """Which plans a (resolved) view names that the data no longer holds, and whether
    it can still be drawn (a list with plans left can; a comparison missing one cannot)."""

    missing: tuple[int, ...]
    drawable: bool
    note: str  # what to tell the audience ("" when nothing is missing)


def _years(value: str) -> list[int]:
    return [int(p) for p in value.split(",") if p.strip().isdigit()]


def view_plans(view: View, in_data: set[int], labels: dict[int, str] | None = None) -> ViewPlans:
    """The plans `view` names that are not in `in_data`, said plainly."""
    labels = labels or {}
    missing: list[int] = []
    drawable = True
    for key in _LIST_PLAN_PARAMS + _PAIR_PLAN_PARAMS:
        years = _years(view.params.get(key, ""))
        gone = [y for y in years if y not in in_data]
        missing += [y for y in gone if y not in missing]
        if gone and (key in _PAIR_PLAN_PARAMS or len(gone) == len(years)):
            drawable = False
    if not missing:
        return ViewPlans((), True, "")
    names = join_words([labels.get(y, str(y)) for y in missing])
    plan = "plan is" if len(missing) == 1 else "plans are"
    if drawable:
        note = f"The {names} {plan} no longer in the data: this view shows the other plans."
    else:
        note = f"The {names} {plan} no longer in the data, so this view cannot be shown."
    return ViewPlans(tuple(missing), drawable, note)
