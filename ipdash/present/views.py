"""Charts by name: every chart the app shows can be rebuilt from a chart id and its
parameters (the same parameters the page address holds). The pages, saved views
("stories"), presentation mode and the PowerPoint deck all build charts through here,
so a view saved from a page looks the same on a slide.

A builder takes `q`, which runs a query function (`q(queries.theme_change, 2012, 2022, f)`):
the app passes its cached `Context.query`, the CLI and the deck a plain connection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl

from ipdash.present import figures, network, network_charts
from ipdash.present.memo import Memo
from ipdash.settings import parse_flag
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter, describe, file_stem, from_params, labels_from

Query = Callable[..., Any]
Params = Mapping[str, str]


def query_on(con: duckdb.DuckDBPyConnection) -> Query:
    """Queries over a plain connection (no caching): q(queries.plans), q(queries.x, *args)."""

    def run(query: Callable[..., Any], *args: object) -> Any:
        return query(con, *args)

    return run


# ---------------------------------------------------------------------------------------
# Figures cached per database generation, chart and parameters. Building a Plotly figure
# costs tens of milliseconds of CPU, mostly Plotly checking every property (the house
# style alone about 24 ms); with a room of people on one server most ask for the same
# few charts. A figure is kept as a plain dict and every caller gets its own Figure made
# from it without checking again (about 2 ms), so nobody can change another's figure.

FIGURE_CACHE_SIZE = 128
_figures: Memo[dict] = Memo(FIGURE_CACHE_SIZE)


def data_key(q: Query) -> str | None:
    """The data a query runner reads, if it says so: a runner bound to an object with a
    `db` string (the app's Context.query: the database generation's file, a new one for
    every build) is cached under it, with the names switch when it names the bodies in
    another language than English; any other runner (a plain connection) is not."""
    owner = getattr(q, "__self__", None)
    key = getattr(owner, "db", None)
    if not isinstance(key, str):
        return None
    names = getattr(owner, "names", "en")
    return key if names == "en" else f"{key} names={names}"


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def cached_figure(builder: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Cache a chart builder's figures per data_key(q), builder and arguments."""

    @functools.wraps(builder)
    def build(q: Query, *args: object, **kwargs: object) -> go.Figure:
        data = data_key(q)
        key = (data, builder.__name__, _frozen(args), _frozen(kwargs))
        try:
            hash(key)
        except TypeError:
            data = None
        if data is None:
            return builder(q, *args, **kwargs)
        kept, _ = _figures.get(key, lambda: builder(q, *args, **kwargs).to_dict())
        # The first caller too gets a figure made from the dict, so that every run sends
        # the same JSON (a Figure as built orders its layout differently; Streamlit's
        # chart element, whose selection a click sets, is identified by that JSON).
        return go.Figure(kept, _validate=False)

    return build


def filter_of(params: Params) -> MeasureFilter:
    return from_params(params)


def subtitle(q: Query, f: MeasureFilter) -> str:
    return describe(f, labels_from(q(queries.themes), q(queries.agency_labels), q(queries.plans)))


def _plan_labels(q: Query) -> dict[int, str]:
    plans = q(queries.plans)
    return dict(zip(plans["plan_year"], plans["period_label"], strict=True))


def number_ranges(numbers: list[int]) -> str:
    """Measure numbers as runs: [55, 56, 57, 60] -> "55–57, 60"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def omitted_in_source(q: Query) -> dict[int, str]:
    """Per plan year with measures the source omits, their numbers as runs ("55–63")."""
    issues = q(queries.omitted_and_unattributed)
    omitted = issues.filter(pl.col("issue") == "omitted in the source")
    by_year: dict[int, list[int]] = {}
    for year, number in zip(omitted["plan_year"], omitted["measure_no"], strict=True):
        by_year.setdefault(year, []).append(number)
    return {year: number_ranges(numbers) for year, numbers in sorted(by_year.items())}


def plans_naming_no_bodies(q: Query) -> list[str]:
    """Period labels of the plans that name no responsible bodies (2014 in the corpus)."""
    return q(queries.plans).filter(~pl.col("names_agencies"))["period_label"].to_list()


def no_bodies_clause(q: Query) -> str:
    """ " (the 2014 plan names none)", for a message that nothing with bodies matched."""
    return figures.no_bodies_clause(plans_naming_no_bodies(q))


def _int(params: Params, key: str, default: int) -> int:
    value = str(params.get(key, "")).strip()
    return int(value) if value.isdigit() else default


def _flag(params: Params, key: str) -> bool:
    return parse_flag(params.get(key, ""))


def _two_plans(q: Query, params: Params, first: str, second: str) -> tuple[int, int]:
    """Two plan years from the parameters, defaulting to the first and last plans that
    have data (for network comparisons: plans naming bodies)."""
    plans = q(queries.plans)
    years = plans["plan_year"].to_list()
    if first.startswith("compare"):
        years = plans.filter(pl.col("names_agencies"))["plan_year"].to_list() or years
    a, b = _int(params, first, years[0]), _int(params, second, years[-1])
    return (a if a in years else years[0]), (b if b in years else years[-1])


# ---------------------------------------------------------------------------------------
# Builders


# Plans shown side by side (a panel or a card each); with more, the most recent: more
# panels are unreadable, and 105 took 1.5 s to draw.
MAX_PLAN_PANELS = 12


@cached_figure
def top_leads(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    top = q(queries.top_lead_agencies, f.successor, 5)
    without_bodies = plans_naming_no_bodies(q)
    if f.years:  # the plans chosen (a story's plans); the other filters do not apply
        top = top.filter(pl.col("plan_year").is_in(f.years))
        chosen = q(queries.plans).filter(pl.col("plan_year").is_in(f.years))
        without_bodies = [p for p in without_bodies if p in set(chosen["period_label"])]
    years = sorted(set(top["plan_year"].to_list()))
    note = subtitle(q, MeasureFilter(years=f.years, successor=f.successor))
    if len(years) > MAX_PLAN_PANELS:
        top = top.filter(pl.col("plan_year").is_in(years[-MAX_PLAN_PANELS:]))
        note += f" · the {MAX_PLAN_PANELS} most recent of {len(years)} plans naming bodies"
    wanted = str(params.get("per_row") or "")
    per_row = int(wanted) if wanted.isdigit() and 0 < int(wanted) <= 6 else figures.PANELS_PER_ROW
    return figures.top_leads(top, q(queries.agency_kinds), note, without_bodies, per_row)


def _dumbbell_scope(q: Query, params: Params) -> MeasureFilter:
    return filter_of(params).with_(years=_two_plans(q, params, "from", "to"))


@cached_figure
def theme_dumbbell(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    year_a, year_b = _two_plans(q, params, "from", "to")
    labels = _plan_labels(q)
    change = q(queries.theme_change, year_a, year_b, f)
    return figures.theme_dumbbell(
        change, labels[year_a], labels[year_b], subtitle(q, _dumbbell_scope(q, params))
    )


@cached_figure
def theme_trends(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    known = set(q(queries.themes)["theme_id"])  # an unknown id would grey every line
    highlight = tuple(h for h in str(params.get("highlight", "")).split(",") if h in known)
    plans = q(queries.plan_overview)
    present = dict(zip(plans["plan_year"], plans["n_present"], strict=True))
    labels = dict(zip(plans["plan_year"], plans["period_label"], strict=True))
    omitted = "; ".join(
        f"{labels[year]} counts its {present[year]} present measures, {numbers} being "
        "omitted in the source"
        for year, numbers in omitted_in_source(q).items()
    )
    return figures.theme_trends(
        q(queries.theme_counts_by_year, f), highlight, subtitle(q, f), omitted
    )


@cached_figure
def theme_heatmap(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    value = "count" if params.get("heat_value") == "count" else "share"
    return figures.theme_heatmap(q(queries.theme_counts_by_year, f), value, subtitle(q, f))


# Which links a network draws (the address's `ties`): each body's strongest ties (the
# default: a readable backbone), every link, or links shared on at least N measures.
TIE_CHOICES = {
    "top1": "each body's strongest tie",
    "top2": "each body's 2 strongest ties",
    "top3": "each body's 3 strongest ties",
    "min2": "links shared on 2 or more measures",
    "min3": "links shared on 3 or more measures",
    "min5": "links shared on 5 or more measures",
    "all": "every link",
}
DEFAULT_TIES = "top2"


def tie_choice(params: Params) -> str:
    """The tie choice in the parameters (an older address's min_links=N counts as
    "links shared on N or more"), else the default."""
    choice = str(params.get("ties", "")).strip()
    if choice in TIE_CHOICES:
        return choice
    legacy = _int(params, "min_links", 1)
    if legacy > 1:
        return f"min{legacy}" if f"min{legacy}" in TIE_CHOICES else "min5"
    return DEFAULT_TIES


def shown_ties(edges: pl.DataFrame, choice: str) -> pl.DataFrame:
    """The links a tie choice draws."""
    if choice.startswith("top"):
        return network.strongest_ties(edges, int(choice[3:]))
    if choice.startswith("min"):
        return edges.filter(pl.col("weight") >= int(choice[3:]))
    return edges


def ties_shown(choice: str, shown: int, total: int) -> tuple[str, str]:
    """How many links are drawn ("80 of 237 links") and which ("each body's 2
    strongest ties")."""
    return f"{shown} of {total} link{'s' if total != 1 else ''}", TIE_CHOICES[choice]


def network_layout(q: Query, f: MeasureFilter, choice: str) -> dict[str, tuple[float, float]]:
    """Positions for the bodies of these measures, laid out on the links the tie choice
    draws (undirected), so strong ties are short and the backbone spreads out."""
    edges = shown_ties(q(queries.agency_edges, f, False), choice)
    return network.layout(q(queries.agency_nodes, f), edges)


def network_metrics(q: Query, f: MeasureFilter, directed: bool, min_weight: int) -> pl.DataFrame:
    """networkx metrics per body of the network these measures draw (ties of at least
    min_weight shared measures)."""
    return network.metrics(
        q(queries.agency_nodes, f), q(queries.agency_edges, f, directed), directed, min_weight
    )


@cached_figure
def agency_network(q: Query, params: Params, positions: dict | None = None) -> go.Figure:
    f = filter_of(params)
    directed = _flag(params, "directed")
    choice = tie_choice(params)
    edges = q(queries.agency_edges, f, directed)
    shown = shown_ties(edges, choice)
    if positions is None:
        positions = network_layout(q, f, choice)
    return network_charts.network(
        q(queries.agency_nodes, f),
        shown,
        positions,
        q(queries.agency_kinds),
        directed,
        ties_shown(choice, shown.height, edges.height),
        subtitle(q, f),
        plans_naming_no_bodies(q),
    )


def _compare_scope(q: Query, params: Params) -> MeasureFilter:
    return filter_of(params).with_(years=_two_plans(q, params, "compare_a", "compare_b"))


def tie_changes(q: Query, params: Params) -> pl.DataFrame:
    """Every tie of the two compared plans: its weight in each, the change and what
    happened to it (new, gone, stronger, weaker, same), with the bodies' names."""
    f = filter_of(params)
    year_a, year_b = _two_plans(q, params, "compare_a", "compare_b")
    changes = network_charts.tie_changes(
        q(queries.agency_edges, f.with_(years=(year_a,)), False),
        q(queries.agency_edges, f.with_(years=(year_b,)), False),
    )
    names = dict(zip(*q(queries.agency_labels).select("agency_id", "short_name"), strict=True))
    return changes.with_columns(
        pl.col("source").replace_strict(names, default=None).alias("source_name"),
        pl.col("target").replace_strict(names, default=None).alias("target_name"),
    )


@cached_figure
def network_compare(q: Query, params: Params, positions: dict | None = None) -> go.Figure:
    """The two plans on one layout, ties coloured by what happened to them; drawn: the
    ties the tie choice keeps in either plan."""
    f = filter_of(params)
    choice = tie_choice(params)
    year_a, year_b = _two_plans(q, params, "compare_a", "compare_b")
    labels = _plan_labels(q)
    base = _compare_scope(q, params)
    changes = tie_changes(q, params)
    keep = set()
    for year in (year_a, year_b):
        part = shown_ties(q(queries.agency_edges, f.with_(years=(year,)), False), choice)
        keep |= set(zip(part["source"], part["target"], strict=True))
    kept = pl.DataFrame(sorted(keep), schema=["source", "target"], orient="row")
    drawn = changes.join(kept, on=["source", "target"], how="semi")
    if positions is None:
        positions = network_layout(q, base, choice)
    return network_charts.network_comparison(
        labels[year_a],
        labels[year_b],
        q(queries.agency_nodes, base),
        drawn,
        positions,
        q(queries.agency_kinds),
        subtitle(q, base) + f" · {TIE_CHOICES[choice]} in either plan",
    )


@cached_figure
def agency_ego(q: Query, params: Params) -> go.Figure:
    """One body (the address's `focus`, else the most active) in the centre and its
    partners around it, for the filtered measures."""
    f = filter_of(params)
    nodes = q(queries.agency_nodes, f)
    if nodes.height == 0:
        return network_charts.ego_network(
            {"short_name": "?", "kind": ""}, nodes.head(0), q(queries.agency_kinds)
        )
    focus = str(params.get("focus", ""))
    if focus not in set(nodes["agency_id"]):
        focus = nodes["agency_id"][0]
    body = nodes.filter(pl.col("agency_id") == focus).row(0, named=True)
    ties = q(queries.agency_ties, focus, f)
    return network_charts.ego_network(body, ties, q(queries.agency_kinds), subtitle(q, f))


@cached_figure
def central_bodies(q: Query, params: Params) -> go.Figure:
    """The most central bodies of the network these measures draw, by betweenness."""
    f = filter_of(params)
    return network_charts.central_bodies(
        network_metrics(q, f, False, 1), q(queries.agency_kinds), subtitle(q, f)
    )


def successors(q: Query) -> dict[str, str]:
    """Every registered body and the body carrying its work today (itself if it exists)."""
    succession = q(queries.agency_successor_map)
    return dict(zip(succession["agency_id"], succession["successor_id"], strict=True))


def agencies_in_view(q: Query, chosen: list[str], successor: bool) -> list[str]:
    """Chosen bodies moved into the other agency view: with `successor`, each replaced by
    the body carrying its work today; without, back to the bodies as the plans named
    them (the chosen ones that appear, and the predecessors of the chosen)."""
    to_current = successors(q)
    if successor:
        return list(dict.fromkeys(to_current.get(a, a) for a in chosen))
    named = set(q(queries.agency_options, False)["agency_id"])
    back = [a for a, s in to_current.items() if s in chosen and a in named]
    return sorted(set(back) | (set(chosen) & named))


def profile_agency(q: Query, wanted: str, successor: bool) -> str:
    """The body an Agency profile shows for `wanted`: itself if it is named on a measure
    in this view, else (successor view) the body that carries its work today, else the
    most active body."""
    options = set(q(queries.agency_options, successor)["agency_id"])
    if wanted not in options and successor:
        wanted = successors(q).get(wanted, wanted)
    return wanted if wanted in options else q(queries.agency_options, successor)["agency_id"][0]


def _profile_agency(q: Query, params: Params) -> tuple[str, str]:
    f = filter_of(params)
    wanted = profile_agency(q, str(params.get("profile", "")), f.successor)
    labels = q(queries.agency_labels)
    return wanted, labels.filter(pl.col("agency_id") == wanted)["short_name"][0]


def drawn_plans(params: Params) -> tuple[int, ...]:
    """The `plans` parameter: the plans a chart of every plan draws (a story's plans),
    whatever the plan filter; empty for every plan."""
    return from_params({"year": str(params.get("plans", ""))}).years


def _roles_scope(q: Query, params: Params) -> MeasureFilter:
    return MeasureFilter(years=drawn_plans(params), successor=filter_of(params).successor)


@cached_figure
def agency_roles(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    agency_id, name = _profile_agency(q, params)
    # Every plan (or the plans given as `plans`), whatever the filters: say so.
    profile = q(queries.agency_profile, agency_id, f.successor)
    if drawn_plans(params):
        profile = profile.filter(pl.col("plan_year").is_in(drawn_plans(params)))
    return figures.agency_roles(profile, name, subtitle(q, _roles_scope(q, params)))


@cached_figure
def agency_themes(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    agency_id, name = _profile_agency(q, params)
    every_plan = MeasureFilter(successor=f.successor)  # as agency_roles
    return figures.agency_themes(
        q(queries.agency_themes, agency_id, f.successor),
        q(queries.themes),
        name,
        subtitle(q, every_plan),
    )


@cached_figure
def agency_partners(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    agency_id, name = _profile_agency(q, params)
    return network_charts.partner_ranking(
        q(queries.agency_ties, agency_id, f), name, subtitle(q, f)
    )


@cached_figure
def measures_by_theme(q: Query, params: Params) -> go.Figure:
    f = filter_of(params)
    return figures.measures_by_theme(
        q(queries.theme_counts_by_year, f.with_(themes=())), f.themes, subtitle(q, f)
    )


@cached_figure
def theme_confidence(q: Query, params: Params) -> go.Figure:
    return figures.confidence_bars(q(queries.theme_confidence))


def lineage_plans(q: Query, params: Params) -> tuple[int, int]:
    """The two plans a lineage view compares (`lin_from`, `lin_to`): a pair the lineage
    compares, by default the latest plan and the one before it."""
    pairs = q(queries.lineage_plan_pairs).filter(pl.col("compared"))
    if pairs.height == 0:
        plans = q(queries.plans)["plan_year"].to_list()
        return (plans[0], plans[-1]) if plans else (0, 0)
    known = set(zip(pairs["earlier_plan_year"], pairs["plan_year"], strict=True))
    wanted = (_int(params, "lin_from", 0), _int(params, "lin_to", 0))
    if wanted in known:
        return wanted
    latest = pairs["plan_year"].max()
    return pairs.filter(pl.col("plan_year") == latest)["earlier_plan_year"].max(), latest


def _lineage_scope(q: Query, params: Params) -> MeasureFilter:
    return filter_of(params).with_(years=lineage_plans(q, params))


def _lineage_pair(q: Query, params: Params) -> tuple[int, int, str, str, str]:
    """The two plans a lineage chart compares, their labels and the chart's subtitle."""
    year_a, year_b = lineage_plans(q, params)
    labels = _plan_labels(q)
    return (
        year_a,
        year_b,
        labels.get(year_a, str(year_a)),
        labels.get(year_b, str(year_b)),
        subtitle(q, _lineage_scope(q, params)),
    )


@cached_figure
def lineage_changes(q: Query, params: Params) -> go.Figure:
    year_a, year_b, label_a, label_b, sub = _lineage_pair(q, params)
    counts = q(queries.lineage_counts, year_a, year_b, filter_of(params))
    return figures.lineage_changes(counts, label_a, label_b, sub)


@cached_figure
def lineage_flows(q: Query, params: Params) -> go.Figure:
    year_a, year_b, label_a, label_b, sub = _lineage_pair(q, params)
    flows = q(queries.lineage_flows, year_a, year_b, filter_of(params))
    return figures.lineage_flows(flows, label_a, label_b, sub)


PROFILE_PAGE = "pages/4_Agency_profile.py"


@dataclass(frozen=True)
class Chart:
    chart_id: str
    label: str  # what a user picks from
    page: str  # the page that shows it (file under the project root)
    build: Callable[[Query, Params], go.Figure]
    # The measures the chart draws on, for the line describing its filters.
    scope: Callable[[Query, Params], MeasureFilter] = lambda q, params: filter_of(params)


CHARTS: dict[str, Chart] = {
    c.chart_id: c
    for c in (
        Chart("top_leads", "Who leads most (top five per plan)", "app.py", top_leads),
        Chart(
            "measures_by_theme",
            "Filtered measures by theme and plan",
            "pages/1_Measures.py",
            measures_by_theme,
        ),
        Chart("network", "Agency network", "pages/2_Agency_network.py", agency_network),
        Chart(
            "network_compare",
            "Agency network: how the ties changed between two plans",
            "pages/2_Agency_network.py",
            network_compare,
            _compare_scope,
        ),
        Chart(
            "network_ego",
            "Agency network: one body and its partners",
            "pages/2_Agency_network.py",
            agency_ego,
        ),
        Chart(
            "central_bodies",
            "Agency network: the most central bodies",
            "pages/2_Agency_network.py",
            central_bodies,
        ),
        Chart(
            "theme_dumbbell",
            "Theme shares, one plan vs another",
            "pages/3_Theme_shifts.py",
            theme_dumbbell,
            _dumbbell_scope,
        ),
        Chart(
            "theme_trends", "Theme shares across all plans", "pages/3_Theme_shifts.py", theme_trends
        ),
        Chart("theme_heatmap", "Theme × plan heatmap", "pages/3_Theme_shifts.py", theme_heatmap),
        Chart(
            "lineage_changes",
            "What changed between two plans: carried over, new, dropped",
            "pages/3_Theme_shifts.py",
            lineage_changes,
            _lineage_scope,
        ),
        Chart(
            "lineage_flows",
            "Flows of themes through carried-over measures (Sankey)",
            "pages/3_Theme_shifts.py",
            lineage_flows,
            _lineage_scope,
        ),
        Chart(
            "agency_roles",
            "One body: measures per plan by role",
            PROFILE_PAGE,
            agency_roles,
            _roles_scope,
        ),
        Chart(
            "agency_themes",
            "One body: its measures by theme",
            PROFILE_PAGE,
            agency_themes,
        ),
        Chart(
            "agency_partners",
            "One body: its partners",
            PROFILE_PAGE,
            agency_partners,
        ),
        Chart(
            "theme_confidence",
            "Theme classifier confidence",
            "pages/5_Data_quality.py",
            theme_confidence,
        ),
    )
}


def _chart(chart_id: str) -> Chart:
    if chart_id not in CHARTS:
        raise KeyError(f"unknown chart {chart_id!r}; known: {', '.join(CHARTS)}")
    return CHARTS[chart_id]


def build(chart_id: str, q: Query, params: Params) -> go.Figure:
    """The chart `chart_id` for these parameters."""
    return _chart(chart_id).build(q, params)


def view_file_stem(chart_id: str, q: Query, params: Params) -> str:
    """A file name for an exported chart that says what it shows, e.g.
    "ipdash-theme-dumbbell-2012-2022" or "ipdash-agency-roles-all-years-successors-cnipa"."""
    chart = _chart(chart_id)
    stem = file_stem(chart.scope(q, params), chart_id.replace("_", "-"))
    if chart.page == PROFILE_PAGE:  # one body's charts: name the body
        stem += "-" + _profile_agency(q, params)[0].replace("_", "-")
    return stem


def describe_view(chart_id: str, q: Query, params: Params) -> str:
    """What the chart shows and for which measures, in one line (slides, story lists)."""
    chart = _chart(chart_id)
    return f"{chart.label} · {subtitle(q, chart.scope(q, params))}"
