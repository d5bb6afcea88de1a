"""Every query the app and the exports run, and nothing else holds SQL outside the build
files. Each function takes a DuckDB connection, runs on its own cursor (a connection is
not thread-safe; cursors are cheap), binds every value as a parameter and returns a
Polars frame named after what it holds.

Most queries take a MeasureFilter; they share one filter clause (`filtered`) over the
marts built with every database (measure_facts, measure_agency_links).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from ipdash.store.filters import MeasureFilter, agency_view

Params = Sequence[object] | dict[str, object] | None


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pl.DataFrame:
    cur = con.cursor()
    try:
        return cur.sql(sql, params=params).pl()
    finally:
        cur.close()


# measure_agency_links holds each (measure, body, view) once (the build keeps a body once
# per measure; the current view merges predecessors), so count(*) counts measures: no
# count(DISTINCT measure_id), which was 4 times slower at 38,400 measures.

# The filter clause shared by the queries below. Values arrive only as named parameters.
_FILTERED = """
filtered AS (
    SELECT f.*
    FROM measure_facts AS f
    WHERE f.status = 'present'
      AND (len(CAST($years AS INTEGER[])) = 0
           OR list_contains(CAST($years AS INTEGER[]), f.plan_year))
      AND (len(CAST($themes AS VARCHAR[])) = 0
           OR list_contains(CAST($themes AS VARCHAR[]), f.theme_id))
      AND ($query = ''
           OR strpos(f.search_text, lower($query)) > 0
           OR lower(f.measure_id) = lower($query))
      AND (len(CAST($agencies AS VARCHAR[])) = 0 OR f.measure_id IN (
            SELECT l.measure_id
            FROM measure_agency_links AS l
            WHERE l.agency_view = $view
              AND list_contains(CAST($agencies AS VARCHAR[]), l.agency_id)
              AND ($role = 'any' OR l.role = $role
                   OR ($role = 'not_lead' AND l.role <> 'lead'))
            GROUP BY l.measure_id
            HAVING NOT $all_agencies
                OR count(DISTINCT l.agency_id) = len(CAST($agencies AS VARCHAR[]))))
)"""


def _params(f: MeasureFilter, **extra: object) -> dict[str, object]:
    return {
        "years": list(f.years),
        "themes": list(f.themes),
        "agencies": list(f.agencies),
        "role": f.role,
        "view": f.agency_view,
        "query": f.query,
        "all_agencies": f.all_agencies,
        **extra,
    }


# ---------------------------------------------------------------------------------------
# Reference lists


def build_info(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The build id, data version and time of the database."""
    return _frame(con, "SELECT * FROM build_info")


def plans(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The plans, oldest first."""
    return _frame(con, "SELECT * FROM plans ORDER BY plan_year")


def themes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The codebook, in precedence order."""
    return _frame(con, "SELECT * FROM themes ORDER BY precedence")


def theme_decision_rules(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The codebook's decision rules (R1, R2, …)."""
    return _frame(
        con, "SELECT * FROM theme_decision_rules ORDER BY CAST(substr(rule_id, 2) AS INTEGER)"
    )


def agency_kinds(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Agency kinds with their colours, in legend order."""
    return _frame(con, "SELECT * FROM agency_kinds ORDER BY sort_order")


def agency_options(
    con: duckdb.DuckDBPyConnection, successor: bool, years: Sequence[int] = ()
) -> pl.DataFrame:
    """Bodies that appear on at least one measure, for pickers: `n_measures` counts their
    measures in `years` (all plans when empty), most active first; a body absent from
    those plans stays listed (with 0), so a choice made earlier is not lost."""
    return _frame(
        con,
        """
        SELECT a.agency_id, a.short_name, a.name, a.kind,
               count(*) FILTER (WHERE len(CAST($years AS INTEGER[])) = 0
                                   OR list_contains(CAST($years AS INTEGER[]), l.plan_year))
                   AS n_measures,
               count(*) AS n_all_plans
        FROM measure_agency_links AS l
        JOIN agencies AS a USING (agency_id)
        WHERE l.agency_view = $view
        GROUP BY ALL
        ORDER BY n_measures DESC, n_all_plans DESC, a.short_name
        """,
        {"view": agency_view(successor), "years": list(years)},
    )


def agency_labels(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every registered body's id and short name, for labels."""
    return _frame(con, "SELECT agency_id, short_name, name, kind FROM agencies ORDER BY agency_id")


def agency_successor_map(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every registered body and the body carrying its work today."""
    return _frame(con, "SELECT agency_id, successor_id FROM agency_successors ORDER BY agency_id")


def find_agencies(con: duckdb.DuckDBPyConnection, text: str) -> pl.DataFrame:
    """Registered bodies whose id, short name, full name or an alias equals `text`,
    ignoring case; with their current successor."""
    return _frame(
        con,
        """
        SELECT DISTINCT a.agency_id, a.short_name, a.name, s.successor_id
        FROM agencies AS a
        JOIN agency_successors AS s USING (agency_id)
        LEFT JOIN agency_aliases AS al ON al.agency_id = a.agency_id
        WHERE lower(a.agency_id) = lower($text)
           OR lower(a.short_name) = lower($text)
           OR lower(a.name) = lower($text)
           OR lower(al.alias) = lower($text)
        ORDER BY a.agency_id
        """,
        {"text": text.strip()},
    )


# ---------------------------------------------------------------------------------------
# Overview


def plan_overview(con: duckdb.DuckDBPyConnection, successor: bool = False) -> pl.DataFrame:
    """One row per plan: measures, omitted, agencies involved (as named, or counted with
    their successors), share of present measures naming several bodies (NULL where the
    plan names none)."""
    return _frame(
        con,
        """
        SELECT
            p.plan_year, p.period_label, p.title, p.n_measures, p.n_present, p.n_omitted,
            p.n_attributed,
            (SELECT count(DISTINCT l.agency_id) FROM measure_agency_links AS l
             WHERE l.plan_year = p.plan_year AND l.agency_view = $view) AS n_agencies,
            CASE WHEN p.names_agencies THEN
                (SELECT avg(CASE WHEN f.n_agencies > 1 THEN 1.0 ELSE 0.0 END)
                 FROM measure_facts AS f WHERE f.plan_year = p.plan_year AND f.status = 'present')
            END AS share_multi_agency,
            p.names_agencies, p.n_renderings, p.expected_measures,
            (SELECT count(*) FROM measure_facts AS f
             WHERE f.plan_year = p.plan_year AND f.role_convention = 'joint'
               AND f.n_agencies + f.n_generic_groups > 1) AS n_joint_measures
        FROM plans AS p
        ORDER BY p.plan_year
        """,
        {"view": agency_view(successor)},
    )


def top_lead_agencies(
    con: duckdb.DuckDBPyConnection, successor: bool, limit: int = 5
) -> pl.DataFrame:
    """Per plan, the bodies that lead most measures (ties broken by name), with the
    share of the plan's present measures they lead."""
    return _frame(
        con,
        """
        WITH led AS (
            SELECT l.plan_year, l.agency_id, count(*) AS n_led
            FROM measure_agency_links AS l
            WHERE l.agency_view = $view AND l.role = 'lead'
            GROUP BY ALL
        ), ranked AS (
            SELECT led.*, a.short_name, a.name, a.kind,
                   row_number() OVER (PARTITION BY led.plan_year
                                      ORDER BY led.n_led DESC, a.short_name) AS rank
            FROM led JOIN agencies AS a USING (agency_id)
        )
        SELECT r.plan_year, p.period_label, r.rank, r.agency_id, r.short_name, r.name, r.kind,
               r.n_led, r.n_led / p.n_present AS share_led
        FROM ranked AS r JOIN plans AS p USING (plan_year)
        WHERE r.rank <= $limit
        ORDER BY r.plan_year, r.rank
        """,
        {"view": agency_view(successor), "limit": limit},
    )


# ---------------------------------------------------------------------------------------
# Measures


# The columns of the Measures table (filtered_measures, first_measures), in order.
EXPORT_COLUMNS = [
    "plan_year",
    "measure_no",
    "measure_id",
    "theme",
    "theme_confidence",
    "section_path",
    "lead_agency",
    "agencies",
    "generic_groups",
    "text",
    "attribution_raw",
    "source_file",
    "start_offset",
    "end_offset",
]


# The columns of filtered_measures and first_measures, from the measures `f`.
_MEASURE_COLUMNS = """
        SELECT
            f.plan_year, f.measure_no, f.measure_id,
            t.label AS theme, f.theme_confidence, f.section_path,
            la.short_name AS lead_agency,
            CASE WHEN $view = 'current' THEN f.agencies_current
                 ELSE f.agencies_named END AS agencies,
            f.generic_groups, f.text, f.attribution_raw, f.source_file,
            f.start_offset, f.end_offset"""
_MEASURE_JOINS = """
        LEFT JOIN themes AS t USING (theme_id)
        LEFT JOIN agencies AS la
            ON la.agency_id = CASE WHEN $view = 'current' THEN f.lead_current ELSE f.lead_named END
        ORDER BY f.plan_year, f.measure_no"""
_MEASURE_ROWS = f"""
        WITH {_FILTERED}
        {_MEASURE_COLUMNS}
        FROM filtered AS f
        {_MEASURE_JOINS}
        """  # constant clauses only; values are bound
# The first $limit of them: the page's ids are picked from the narrow columns, then only
# their rows are read in full (half the time of sorting every full row at 100,000).
_FIRST_MEASURE_ROWS = f"""
        WITH {_FILTERED},
        page AS (
            SELECT measure_id FROM filtered ORDER BY plan_year, measure_no LIMIT $limit
        )
        {_MEASURE_COLUMNS}
        FROM measure_facts AS f SEMI JOIN page USING (measure_id)
        {_MEASURE_JOINS}
        """  # noqa: S608 - constant clauses only; values are bound


def filtered_measures(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> pl.DataFrame:
    """The measures matching a filter, one row each, in plan and number order, with the
    columns of the Measures table (EXPORT_COLUMNS; its downloads: measure_export)."""
    return _frame(con, _MEASURE_ROWS, _params(f))


def first_measures(con: duckdb.DuckDBPyConnection, f: MeasureFilter, limit: int) -> pl.DataFrame:
    """The first `limit` rows of filtered_measures: what a page shows of a large result."""
    return _frame(con, _FIRST_MEASURE_ROWS, _params(f, limit=limit))


# The columns of measure_export, what every download of measures holds, in order
# (present.export.MEASURE_EXPORT gives them their headers).
MEASURE_EXPORT_COLUMNS = [
    "measure_id",
    "period_label",
    "plan_year",
    "measure_no",
    "plan_title",
    "section_path",
    "theme",
    "theme_confidence",
    "lead_agency",
    "lead_agency_name",
    "agencies",
    "agencies_full",
    "generic_groups",
    "text",
    "attribution_raw",
    "doc_id",
    "source_language",
    "start_offset",
    "end_offset",
]


def measure_export(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> pl.DataFrame:
    """The measures matching a filter as analysts download them (MEASURE_EXPORT_COLUMNS):
    the plan's label and title, bodies by acronym and by full name, the source rendering's
    id and language and the offsets that trace the row to it."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        bodies AS (
            SELECT l.measure_id,
                   string_agg(a.name || ' (' || a.short_name || '), ' || l.role, '; '
                              ORDER BY l.position, a.short_name) AS agencies_full
            FROM measure_agency_links AS l
            SEMI JOIN filtered USING (measure_id)
            JOIN agencies AS a USING (agency_id)
            WHERE l.agency_view = $view
            GROUP BY l.measure_id
        )
        SELECT f.measure_id, p.period_label, f.plan_year, f.measure_no, p.title AS plan_title,
               f.section_path, t.label AS theme, f.theme_confidence,
               la.short_name AS lead_agency, la.name AS lead_agency_name,
               CASE WHEN $view = 'current' THEN f.agencies_current
                    ELSE f.agencies_named END AS agencies,
               b.agencies_full, f.generic_groups, f.text, f.attribution_raw,
               f.doc_id, d.language AS source_language, f.start_offset, f.end_offset
        FROM filtered AS f
        JOIN plans AS p USING (plan_year)
        LEFT JOIN documents AS d ON d.doc_id = f.doc_id
        LEFT JOIN bodies AS b ON b.measure_id = f.measure_id
        LEFT JOIN themes AS t ON t.theme_id = f.theme_id
        LEFT JOIN agencies AS la
            ON la.agency_id = CASE WHEN $view = 'current' THEN f.lead_current ELSE f.lead_named END
        ORDER BY f.plan_year, f.measure_no
        """,  # noqa: S608 - constant clauses only; values are bound
        _params(f),
    )


def count_measures(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> int:
    """How many present measures match a filter."""
    frame = _frame(con, f"WITH {_FILTERED} SELECT count(*) AS n FROM filtered", _params(f))  # noqa: S608
    return int(frame["n"][0])


def measure_detail(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """One measure with its plan, theme, decision and evidence (empty if unknown)."""
    return _frame(
        con,
        """
        SELECT f.*, m.part, m.section, m.subsection, m.attribution_phrasing,
               m.text_start_offset, m.text_end_offset,
               m.attribution_start_offset, m.attribution_end_offset,
               p.period_label, p.title AS plan_title, p.issuing_body, p.issue_date,
               d.language, d.rendering, d.rendering_note,
               t.label AS theme, t.colour AS theme_colour, t.definition AS theme_definition,
               mt.score AS theme_score, mt.margin AS theme_margin, mt.decision AS theme_decision,
               mt.evidence AS theme_evidence, mt.evidence_json AS theme_evidence_json
        FROM measure_facts AS f
        JOIN measures AS m USING (measure_id)
        JOIN plans AS p ON p.plan_year = f.plan_year
        JOIN documents AS d ON d.doc_id = f.doc_id
        LEFT JOIN measure_themes AS mt ON mt.measure_id = f.measure_id AND mt.rank = 1
        LEFT JOIN themes AS t ON t.theme_id = mt.theme_id
        WHERE f.measure_id = $id
        """,
        {"id": measure_id},
    )


def measure_mentions(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """Every name in the measure's attribution (canonical rendering), resolved, with role,
    the body as named at the time and today's successor."""
    return _frame(
        con,
        """
        SELECT am.position, am.raw_name, am.role, am.mention_kind, am.resolution, am.note,
               a.agency_id, a.short_name, a.name, a.kind,
               s.successor_id, s.successor_short_name, s.successor_name, s.lineage,
               g.label AS group_label
        FROM attribution_mentions AS am
        JOIN measures AS m ON m.measure_id = am.measure_id AND m.doc_id = am.doc_id
        LEFT JOIN agencies AS a ON a.agency_id = am.agency_id
        LEFT JOIN agency_successors AS s ON s.agency_id = am.agency_id
        LEFT JOIN generic_groups AS g ON g.group_id = am.group_id
        WHERE am.measure_id = $id
        ORDER BY am.position
        """,
        {"id": measure_id},
    )


def measure_theme_ranking(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """The measure's primary and secondary themes with scores."""
    return _frame(
        con,
        """
        SELECT mt.rank, mt.theme_id, t.label, t.colour, mt.score, mt.source
        FROM measure_themes AS mt JOIN themes AS t USING (theme_id)
        WHERE mt.measure_id = $id
        ORDER BY mt.rank
        """,
        {"id": measure_id},
    )


def measure_renderings(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """The measure as every rendering of its plan has it."""
    return _frame(
        con,
        """
        SELECT r.doc_id, d.rendering, d.is_canonical, r.source_file, r.start_offset,
               r.end_offset, r.text, r.attribution_raw
        FROM measure_renderings AS r JOIN documents AS d USING (doc_id)
        WHERE r.measure_id = $id
        ORDER BY d.is_canonical DESC, r.doc_id
        """,
        {"id": measure_id},
    )


# ---------------------------------------------------------------------------------------
# Themes


def theme_counts_by_year(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> pl.DataFrame:
    """Measures per primary theme per plan among the filtered measures: count and share
    of the plan's filtered measures (`n_plan`). Every theme x plan pair is present (0
    where none), so charts show gaps as zeros. The theme filter is ignored here: the
    shares are of all themes."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        years AS (
            SELECT plan_year FROM plans
            WHERE names_agencies OR len(CAST($agencies AS VARCHAR[])) = 0
        ), plan_totals AS (
            SELECT plan_year, count(*) AS n_plan FROM filtered GROUP BY plan_year
        ), counts AS (
            SELECT plan_year, theme_id, count(*) AS n FROM filtered GROUP BY ALL
        )
        SELECT y.plan_year, p.period_label, t.theme_id, t.label, t.colour, t.precedence,
               coalesce(c.n, 0) AS n, coalesce(pt.n_plan, 0) AS n_plan,
               CASE WHEN coalesce(pt.n_plan, 0) > 0 THEN coalesce(c.n, 0) / pt.n_plan END AS share
        FROM years AS y
        JOIN plans AS p USING (plan_year)
        CROSS JOIN themes AS t
        LEFT JOIN counts AS c ON c.plan_year = y.plan_year AND c.theme_id = t.theme_id
        LEFT JOIN plan_totals AS pt ON pt.plan_year = y.plan_year
        WHERE len(CAST($years AS INTEGER[])) = 0
           OR list_contains(CAST($years AS INTEGER[]), y.plan_year)
        ORDER BY y.plan_year, t.precedence
        """,  # noqa: S608
        _params(f.with_(themes=())),
    )


def theme_change(
    con: duckdb.DuckDBPyConnection, year_a: int, year_b: int, f: MeasureFilter | None = None
) -> pl.DataFrame:
    """Per theme: count and share in two plans and the change in percentage points
    (share_b - share_a) x 100, largest rise first."""
    base = (f or MeasureFilter()).with_(years=(year_a, year_b), themes=())
    counts = theme_counts_by_year(con, base)
    a = counts.filter(pl.col("plan_year") == year_a).select(
        "theme_id", "label", "colour", "precedence", n_a="n", n_plan_a="n_plan", share_a="share"
    )
    b = counts.filter(pl.col("plan_year") == year_b).select(
        "theme_id", n_b="n", n_plan_b="n_plan", share_b="share"
    )
    return (
        a.join(b, on="theme_id", how="inner")
        .with_columns(
            change_pp=((pl.col("share_b").fill_null(0) - pl.col("share_a").fill_null(0)) * 100)
        )
        .sort(["change_pp", "precedence"], descending=[True, False])
    )


def theme_lead_agencies(
    con: duckdb.DuckDBPyConnection, theme_id: str, f: MeasureFilter, limit: int = 5
) -> pl.DataFrame:
    """For one theme: per plan, the bodies leading most of its measures (ties by name)."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        led AS (
            SELECT f.plan_year, l.agency_id, count(*) AS n_led
            FROM filtered AS f
            JOIN measure_agency_links AS l
              ON l.measure_id = f.measure_id AND l.agency_view = $view AND l.role = 'lead'
            WHERE f.theme_id = $theme
            GROUP BY ALL
        ), theme_total AS (
            SELECT plan_year, count(*) AS n_theme FROM filtered WHERE theme_id = $theme GROUP BY ALL
        ), ranked AS (
            SELECT led.*, a.short_name, a.name, a.kind, tt.n_theme,
                   row_number() OVER (PARTITION BY led.plan_year
                                      ORDER BY led.n_led DESC, a.short_name) AS rank
            FROM led JOIN agencies AS a USING (agency_id) JOIN theme_total AS tt USING (plan_year)
        )
        SELECT plan_year, rank, agency_id, short_name, name, kind, n_led, n_theme,
               n_led / n_theme AS share_of_theme
        FROM ranked WHERE rank <= $limit
        ORDER BY plan_year, rank
        """,  # noqa: S608
        _params(f.with_(themes=()), theme=theme_id, limit=limit),
    )


def themes_by_lead_agency(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> pl.DataFrame:
    """Measures per lead body and primary theme among the filtered measures."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED}
        SELECT l.agency_id, a.short_name, f.theme_id, t.label AS theme, count(*) AS n_led
        FROM filtered AS f
        JOIN measure_agency_links AS l
          ON l.measure_id = f.measure_id AND l.agency_view = $view AND l.role = 'lead'
        JOIN agencies AS a ON a.agency_id = l.agency_id
        JOIN themes AS t ON t.theme_id = f.theme_id
        GROUP BY ALL
        ORDER BY n_led DESC, a.short_name, t.label
        """,  # noqa: S608
        _params(f),
    )


# ---------------------------------------------------------------------------------------
# Network


def agency_nodes(con: duckdb.DuckDBPyConnection, f: MeasureFilter) -> pl.DataFrame:
    """Bodies on the filtered measures with how many they lead, join, share jointly."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED}
        SELECT l.agency_id, a.short_name, a.name, a.kind, k.label AS kind_label, k.colour,
               count(*) AS n_measures,
               count(*) FILTER (WHERE l.role = 'lead') AS n_led,
               count(*) FILTER (WHERE l.role = 'participant') AS n_participated,
               count(*) FILTER (WHERE l.role = 'joint') AS n_joint
        FROM filtered AS f
        JOIN measure_agency_links AS l ON l.measure_id = f.measure_id AND l.agency_view = $view
        JOIN agencies AS a ON a.agency_id = l.agency_id
        JOIN agency_kinds AS k ON k.kind = a.kind
        GROUP BY ALL
        ORDER BY n_measures DESC, a.short_name
        """,  # noqa: S608
        _params(f.with_(agencies=())),
    )


def agency_edges(con: duckdb.DuckDBPyConnection, f: MeasureFilter, directed: bool) -> pl.DataFrame:
    """Pairs of bodies sharing filtered measures, with how many (`weight`).

    Undirected: every pair on a measure (source < target). Directed: lead -> each
    participant; measures whose bodies are joint have no lead and give no directed edge.
    Ties are broken by ids so the same data always gives the same order."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        links AS (
            SELECT l.* FROM measure_agency_links AS l
            JOIN filtered AS f ON f.measure_id = l.measure_id
            WHERE l.agency_view = $view
        )
        SELECT a.agency_id AS source, b.agency_id AS target, count(*) AS weight
        FROM links AS a
        JOIN links AS b ON a.measure_id = b.measure_id AND a.agency_id <> b.agency_id
        WHERE CASE WHEN $directed THEN a.role = 'lead' AND b.role = 'participant'
                   ELSE a.agency_id < b.agency_id END
        GROUP BY a.agency_id, b.agency_id
        ORDER BY weight DESC, source, target
        """,  # noqa: S608
        _params(f.with_(agencies=()), directed=directed),
    )


# ---------------------------------------------------------------------------------------
# Agency profile


def agency_profile(con: duckdb.DuckDBPyConnection, agency_id: str, successor: bool) -> pl.DataFrame:
    """Measures a body leads, participates in and shares jointly, per plan (all plans,
    zeros included)."""
    return _frame(
        con,
        """
        SELECT p.plan_year, p.period_label,
               count(DISTINCT l.measure_id) FILTER (WHERE l.role = 'lead') AS n_led,
               count(DISTINCT l.measure_id) FILTER (WHERE l.role = 'participant') AS n_participated,
               count(DISTINCT l.measure_id) FILTER (WHERE l.role = 'joint') AS n_joint,
               count(DISTINCT l.measure_id) AS n_measures,
               p.n_present, p.names_agencies
        FROM plans AS p
        LEFT JOIN measure_agency_links AS l
          ON l.plan_year = p.plan_year AND l.agency_id = $agency AND l.agency_view = $view
        GROUP BY ALL
        ORDER BY p.plan_year
        """,
        {"agency": agency_id, "view": agency_view(successor)},
    )


def agency_themes(con: duckdb.DuckDBPyConnection, agency_id: str, successor: bool) -> pl.DataFrame:
    """A body's measures by plan, primary theme and role."""
    return _frame(
        con,
        """
        SELECT l.plan_year, p.period_label, f.theme_id, t.label AS theme, t.colour, t.precedence,
               CASE WHEN l.role = 'lead' THEN 'leads' ELSE 'joins' END AS involvement,
               count(*) AS n
        FROM measure_agency_links AS l
        JOIN measure_facts AS f ON f.measure_id = l.measure_id
        JOIN themes AS t ON t.theme_id = f.theme_id
        JOIN plans AS p ON p.plan_year = l.plan_year
        WHERE l.agency_id = $agency AND l.agency_view = $view
        GROUP BY ALL
        ORDER BY l.plan_year, t.precedence, involvement DESC
        """,
        {"agency": agency_id, "view": agency_view(successor)},
    )


def agency_partners(
    con: duckdb.DuckDBPyConnection, agency_id: str, f: MeasureFilter, limit: int = 10
) -> pl.DataFrame:
    """The bodies a body shares most filtered measures with (ties broken by name)."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        mine AS (
            SELECT l.measure_id FROM measure_agency_links AS l
            JOIN filtered AS f ON f.measure_id = l.measure_id
            WHERE l.agency_id = $agency AND l.agency_view = $view
        )
        SELECT o.agency_id, a.short_name, a.name, a.kind, count(DISTINCT o.measure_id) AS n_shared,
               count(DISTINCT o.measure_id) FILTER (WHERE o.role = 'lead') AS n_partner_led
        FROM mine
        JOIN measure_agency_links AS o
          ON o.measure_id = mine.measure_id AND o.agency_view = $view AND o.agency_id <> $agency
        JOIN agencies AS a ON a.agency_id = o.agency_id
        GROUP BY ALL
        ORDER BY n_shared DESC, a.short_name
        LIMIT $limit
        """,  # noqa: S608
        _params(f.with_(agencies=()), agency=agency_id, limit=limit),
    )


def agency_ties(con: duckdb.DuckDBPyConnection, agency_id: str, f: MeasureFilter) -> pl.DataFrame:
    """Every body sharing filtered measures with `agency_id`, most shared first (ties
    broken by name), with how those measures split: the body leads, the partner leads,
    or the bodies share the task jointly (the rest: both participate under a third
    body's lead)."""
    return _frame(
        con,
        f"""
        WITH {_FILTERED},
        mine AS (
            SELECT l.measure_id, l.role FROM measure_agency_links AS l
            JOIN filtered AS f ON f.measure_id = l.measure_id
            WHERE l.agency_id = $agency AND l.agency_view = $view
        )
        SELECT o.agency_id, a.short_name, a.name, a.kind, count(*) AS n_shared,
               count(*) FILTER (WHERE mine.role = 'lead') AS n_body_leads,
               count(*) FILTER (WHERE o.role = 'lead') AS n_partner_leads,
               count(*) FILTER (WHERE mine.role = 'joint') AS n_joint
        FROM mine
        JOIN measure_agency_links AS o
          ON o.measure_id = mine.measure_id AND o.agency_view = $view AND o.agency_id <> $agency
        JOIN agencies AS a ON a.agency_id = o.agency_id
        GROUP BY ALL
        ORDER BY n_shared DESC, a.short_name
        """,  # noqa: S608
        _params(f.with_(agencies=()), agency=agency_id),
    )


def agency_lineage(con: duckdb.DuckDBPyConnection, agency_id: str) -> pl.DataFrame:
    """The body's whole line: every predecessor and successor with dates and reforms,
    oldest first (`is_selected` marks the body asked about)."""
    return _frame(
        con,
        """
        WITH RECURSIVE
        down(agency_id, depth) AS (
            SELECT $agency, 0
            UNION ALL
            SELECT a.successor_id, d.depth + 1 FROM down AS d
            JOIN agencies AS a ON a.agency_id = d.agency_id
            WHERE a.successor_id IS NOT NULL AND d.depth < 20
        ),
        up(agency_id, depth) AS (
            SELECT $agency, 0
            UNION ALL
            SELECT a.agency_id, u.depth - 1 FROM up AS u
            JOIN agencies AS a ON a.successor_id = u.agency_id
            WHERE u.depth > -20
        ),
        line AS (SELECT * FROM down UNION SELECT * FROM up)
        SELECT a.agency_id, a.short_name, a.name, a.name_zh, a.kind, a.valid_from, a.valid_to,
               a.successor_id, a.reform, a.note, min(line.depth) AS depth,
               a.agency_id = $agency AS is_selected
        FROM line JOIN agencies AS a USING (agency_id)
        GROUP BY ALL
        ORDER BY depth, a.valid_from NULLS FIRST, a.agency_id
        """,
        {"agency": agency_id},
    )


# ---------------------------------------------------------------------------------------
# Data quality


def documents(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The source documents and their renderings."""
    return _frame(
        con,
        """
        SELECT plan_year, period_label, doc_id, rendering, is_canonical, source_file, decoding,
               n_chars, n_measures_found, n_warnings, sha256, rendering_note
        FROM documents ORDER BY plan_year, is_canonical DESC, doc_id
        """,
    )


def plan_caveats(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per plan, what a reader should know about its source: whether it names bodies,
    measures omitted in the source, parts without headings, whether the canonical text
    is a machine translation, and where its renderings disagree."""
    return _frame(
        con,
        """
        SELECT
            p.plan_year, p.period_label, p.names_agencies, p.n_omitted, p.n_renderings,
            (SELECT count(*) FROM sections AS s
             WHERE s.doc_id = p.canonical_doc_id AND s.unlabelled) AS n_unlabelled_parts,
            coalesce(d.language ILIKE '%machine%', false) AS machine_translated,
            d.rendering AS canonical_rendering,
            (SELECT count(*) FROM rendering_disagreements AS r
             WHERE r.plan_year = p.plan_year AND r.aspect = 'text') AS n_text_differences,
            (SELECT count(*) FROM rendering_disagreements AS r
             WHERE r.plan_year = p.plan_year AND r.aspect <> 'text') AS n_other_differences
        FROM plans AS p
        LEFT JOIN documents AS d ON d.doc_id = p.canonical_doc_id
        ORDER BY p.plan_year
        """,
    )


def omitted_and_unattributed(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Measures omitted in the source, and present measures naming no body."""
    return _frame(
        con,
        """
        SELECT f.plan_year, f.measure_no, f.measure_id,
               CASE WHEN f.status = 'omitted_in_source' THEN 'omitted in the source'
                    WHEN NOT p.names_agencies THEN 'the plan names no responsible bodies'
                    ELSE 'no responsible body named' END AS issue
        FROM measure_facts AS f JOIN plans AS p USING (plan_year)
        WHERE f.status = 'omitted_in_source' OR (f.n_agencies + f.n_generic_groups = 0)
        ORDER BY f.plan_year, f.measure_no
        """,
    )


def unresolved_mentions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Names that resolved to no registered body or group (should be none)."""
    return _frame(
        con,
        """
        SELECT measure_id, doc_id, position, raw_name, note FROM attribution_mentions
        WHERE mention_kind = 'unresolved' ORDER BY measure_id, doc_id, position
        """,
    )


def lineage_resolutions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Names followed through a restructuring to the body existing at the plan's date."""
    return _frame(
        con,
        """
        SELECT am.measure_id, am.doc_id, am.raw_name, a.short_name AS resolved_to, am.note
        FROM attribution_mentions AS am JOIN agencies AS a USING (agency_id)
        WHERE am.resolution = 'lineage' ORDER BY am.measure_id, am.doc_id, am.position
        """,
    )


def rendering_disagreements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Where two renderings of one plan differ."""
    return _frame(con, "SELECT * FROM rendering_disagreements ORDER BY measure_id, aspect")


def parse_warnings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What the parser reported per document."""
    return _frame(con, "SELECT * FROM parse_warnings ORDER BY doc_id, line")


def theme_confidence(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Primary themes per plan and confidence band."""
    return _frame(
        con,
        """
        SELECT f.plan_year, p.period_label, mt.confidence, count(*) AS n
        FROM measure_themes AS mt
        JOIN measure_facts AS f USING (measure_id)
        JOIN plans AS p ON p.plan_year = f.plan_year
        WHERE mt.rank = 1
        GROUP BY f.plan_year, p.period_label, mt.confidence
        ORDER BY f.plan_year, CASE mt.confidence WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                                                  WHEN 'low' THEN 3 ELSE 4 END
        """,
    )


def manual_theme_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Themes decided by hand, with the reason and what the rules gave."""
    return _frame(con, "SELECT * FROM manual_theme_decisions ORDER BY measure_id")


def low_confidence_themes(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pl.DataFrame:
    """The measures whose theme the classifier is least sure of, smallest margin first."""
    return _frame(
        con,
        """
        SELECT mt.measure_id, t.label AS theme, mt.margin, mt.decision, mt.evidence
        FROM measure_themes AS mt JOIN themes AS t USING (theme_id)
        WHERE mt.rank = 1 AND mt.confidence = 'low'
        ORDER BY mt.margin, mt.measure_id
        LIMIT $limit
        """,
        {"limit": limit},
    )


# ---------------------------------------------------------------------------------------
# The whole database (the "Download all data" zip)


def database_tables(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every table and view of the database (`table_type` 'BASE TABLE' or 'VIEW'), by name."""
    return _frame(
        con,
        """
        SELECT table_name, table_type FROM information_schema.tables
        WHERE table_schema = 'main'
        ORDER BY table_name
        """,
    )


def database_columns(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every column of every table and view, in table order, with its SQL type."""
    return _frame(
        con,
        """
        SELECT table_name, column_name, ordinal_position, data_type
        FROM information_schema.columns
        WHERE table_schema = 'main'
        ORDER BY table_name, ordinal_position
        """,
    )


def whole_table(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """Every row of a table or view of the database, ordered by all its columns from the
    first (the same data gives the same rows in the same order). A name that is not a
    table or view of the database gives an empty frame (names are checked against the
    catalogue, never spliced into SQL)."""
    known = _frame(
        con,
        """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'main' AND table_name = $name
        """,
        {"name": name},
    )
    if known.height == 0:
        return pl.DataFrame()
    cur = con.cursor()
    try:
        return cur.table(known["table_name"][0]).order("ALL").pl()
    finally:
        cur.close()


# Lineage: which measure of an earlier plan a measure continues (measure_lineage)


# The columns of every lineage list (lineage_changes) and of its downloads, in order.
LINEAGE_COLUMNS = [
    "change",
    "measure_id",
    "plan_year",
    "theme",
    "lead_agency",
    "text",
    "earlier_measure_id",
    "earlier_plan_year",
    "earlier_theme",
    "earlier_lead_agency",
    "earlier_text",
    "score",
    "alternatives",
    "evidence",
]

# Measures of plan $b with their row against plan $a (carried over or new), and the
# measures of plan $a no measure of plan $b continues (dropped): each side filtered.
_LINEAGE_CHANGES = f"""
    WITH {_FILTERED},
    shown AS (
        SELECT f.*, t.label AS theme, a.short_name AS lead_agency
        FROM filtered AS f
        LEFT JOIN themes AS t USING (theme_id)
        LEFT JOIN agencies AS a
          ON a.agency_id = CASE WHEN $view = 'current' THEN f.lead_current ELSE f.lead_named END
        WHERE f.plan_year IN ($a, $b)
    ),
    rows AS (
        SELECT * FROM measure_lineage
        WHERE plan_year = $b AND earlier_plan_year = $a AND status <> 'not_compared'
    ),
    earlier AS (
        SELECT f.measure_id, f.text, t.label AS theme, a.short_name AS lead_agency
        FROM measure_facts AS f
        LEFT JOIN themes AS t USING (theme_id)
        LEFT JOIN agencies AS a
          ON a.agency_id = CASE WHEN $view = 'current' THEN f.lead_current ELSE f.lead_named END
        WHERE f.plan_year = $a
    ),
    later_side AS (
        SELECT CASE WHEN r.status = 'continued' THEN 'carried over' ELSE 'new' END AS change,
               s.measure_id, s.plan_year, s.theme_id, s.theme, s.lead_agency, s.text,
               r.earlier_measure_id, $a AS earlier_plan_year, e.theme AS earlier_theme,
               e.lead_agency AS earlier_lead_agency, e.text AS earlier_text,
               r.score, r.alternatives, r.evidence, s.measure_no
        FROM shown AS s
        JOIN rows AS r USING (measure_id)
        LEFT JOIN earlier AS e ON e.measure_id = r.earlier_measure_id
        WHERE s.plan_year = $b
    ),
    dropped AS (
        SELECT 'dropped' AS change, s.measure_id, s.plan_year, s.theme_id, s.theme,
               s.lead_agency, s.text, NULL AS earlier_measure_id, NULL AS earlier_plan_year,
               NULL AS earlier_theme, NULL AS earlier_lead_agency, NULL AS earlier_text,
               NULL AS score, NULL AS alternatives,
               'no measure of the ' || $b || ' plan continues it' AS evidence, s.measure_no
        FROM shown AS s
        WHERE s.plan_year = $a AND EXISTS (SELECT 1 FROM rows)
          AND s.measure_id NOT IN (
              SELECT earlier_measure_id FROM rows WHERE earlier_measure_id IS NOT NULL)
    ),
    changes AS (SELECT * FROM later_side UNION ALL SELECT * FROM dropped)
"""  # noqa: S608 - constant clauses only; values are bound


def lineage_changes(
    con: duckdb.DuckDBPyConnection, year_a: int, year_b: int, f: MeasureFilter
) -> pl.DataFrame:
    """Between plan `year_a` and a later plan `year_b`: the measures of `year_b` that
    carry over a measure of `year_a` (with it, side by side) or are new, and the
    measures of `year_a` no measure of `year_b` continues (dropped); each side among the
    measures matching the filter (its plans ignored). LINEAGE_COLUMNS plus theme_id;
    empty when the two plans are not compared."""
    return _frame(
        con,
        f"""{_LINEAGE_CHANGES}
        SELECT change, measure_id, plan_year, theme, lead_agency, text, earlier_measure_id,
               earlier_plan_year, earlier_theme, earlier_lead_agency, earlier_text, score,
               alternatives, evidence, theme_id
        FROM changes
        ORDER BY CASE change WHEN 'carried over' THEN 1 WHEN 'new' THEN 2 ELSE 3 END,
                 plan_year DESC, measure_no
        """,  # noqa: S608
        _params(f.with_(years=()), a=year_a, b=year_b),
    )


def lineage_counts(
    con: duckdb.DuckDBPyConnection, year_a: int, year_b: int, f: MeasureFilter
) -> pl.DataFrame:
    """Per theme (every theme, zeros included): how many measures of `year_b` are new
    and carried over from `year_a`, and how many of `year_a` were dropped
    (see lineage_changes)."""
    return _frame(
        con,
        f"""{_LINEAGE_CHANGES}
        SELECT t.theme_id, t.label, t.colour, t.precedence,
               count(c.measure_id) FILTER (WHERE c.change = 'new') AS n_new,
               count(c.measure_id) FILTER (WHERE c.change = 'carried over') AS n_carried,
               count(c.measure_id) FILTER (WHERE c.change = 'dropped') AS n_dropped
        FROM themes AS t
        LEFT JOIN changes AS c USING (theme_id)
        GROUP BY ALL
        ORDER BY t.precedence
        """,  # noqa: S608
        _params(f.with_(years=()), a=year_a, b=year_b),
    )


def lineage_flows(
    con: duckdb.DuckDBPyConnection, year_a: int, year_b: int, f: MeasureFilter
) -> pl.DataFrame:
    """Theme to theme through the measures of `year_b` carrying over one of `year_a`
    (from_theme of the earlier measure, to_theme of the later), plus the new measures
    (from_theme NULL) and the dropped ones (to_theme NULL): from_theme, to_theme, n."""
    return _frame(
        con,
        f"""{_LINEAGE_CHANGES},
        themed AS (
            SELECT c.change, e.theme_id AS from_id, c.theme_id AS to_id
            FROM changes AS c
            LEFT JOIN measure_facts AS e ON e.measure_id = c.earlier_measure_id
            WHERE c.change <> 'dropped'
            UNION ALL
            SELECT change, theme_id, NULL FROM changes WHERE change = 'dropped'
        )
        SELECT ft.label AS from_theme, tt.label AS to_theme, count(*) AS n,
               ft.precedence AS from_precedence, tt.precedence AS to_precedence,
               coalesce(tt.colour, ft.colour) AS colour
        FROM themed AS x
        LEFT JOIN themes AS ft ON ft.theme_id = x.from_id
        LEFT JOIN themes AS tt ON tt.theme_id = x.to_id
        GROUP BY ALL
        ORDER BY from_precedence NULLS LAST, to_precedence NULLS LAST
        """,  # noqa: S608
        _params(f.with_(years=()), a=year_a, b=year_b),
    )


# A measure's predecessor: the measure it continues in the most recent earlier plan in
# which it continues one.
_PREDECESSORS = """
    predecessor AS (
        SELECT measure_id, earlier_measure_id, earlier_plan_year, score, evidence
        FROM measure_lineage
        WHERE status = 'continued'
        QUALIFY row_number() OVER (PARTITION BY measure_id ORDER BY earlier_plan_year DESC) = 1
    )"""


def persistent_commitments(
    con: duckdb.DuckDBPyConnection, f: MeasureFilter, min_plans: int = 3
) -> pl.DataFrame:
    """Commitments followed through at least `min_plans` plans: from the latest measure
    of a chain (one no later measure continues) back through its predecessors. One row
    per chain, its latest measure matching the filter (its plans ignored): measure_id,
    plans ("2012 → 2014 → 2020 → 2021–2022"), n_plans, measures, themes and leads along the
    chain, the latest text."""
    return _frame(
        con,
        f"""
        WITH RECURSIVE {_FILTERED}, {_PREDECESSORS},
        heads AS (
            SELECT f.measure_id FROM filtered AS f
            WHERE f.measure_id IN (SELECT measure_id FROM predecessor)
              AND f.measure_id NOT IN (SELECT earlier_measure_id FROM predecessor)
        ),
        chain(head, measure_id, step) AS (
            SELECT measure_id, measure_id, 0 FROM heads
            UNION ALL
            SELECT c.head, p.earlier_measure_id, c.step + 1
            FROM chain AS c JOIN predecessor AS p ON p.measure_id = c.measure_id
            WHERE c.step < 50
        ),
        described AS (
            SELECT c.head, c.step, f.measure_id, pp.period_label, t.label AS theme,
                   a.short_name AS lead
            FROM chain AS c
            JOIN measure_facts AS f ON f.measure_id = c.measure_id
            JOIN plans AS pp ON pp.plan_year = f.plan_year
            LEFT JOIN themes AS t ON t.theme_id = f.theme_id
            LEFT JOIN agencies AS a
              ON a.agency_id = CASE WHEN $view = 'current' THEN f.lead_current ELSE f.lead_named END
        )
        SELECT d.head AS measure_id,
               string_agg(d.period_label, ' → ' ORDER BY d.step DESC) AS plans,
               count(*) AS n_plans,
               string_agg(d.measure_id, ' → ' ORDER BY d.step DESC) AS measures,
               string_agg(d.theme, ' → ' ORDER BY d.step DESC) AS themes,
               string_agg(coalesce(d.lead, '–'), ' → ' ORDER BY d.step DESC) AS leads,
               any_value(h.text) AS text
        FROM described AS d
        JOIN measure_facts AS h ON h.measure_id = d.head
        GROUP BY d.head
        HAVING count(*) >= $min_plans
        ORDER BY n_plans DESC, measures
        """,  # noqa: S608
        _params(f.with_(years=()), min_plans=min_plans),
    )


def measure_predecessors(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """The measure's row against each earlier plan it is compared with: status, the
    measure it continues (or the closest one) with its text, score, evidence,
    alternatives; the most recent plan first."""
    return _frame(
        con,
        """
        SELECT l.earlier_plan_year, p.period_label AS earlier_period, l.status,
               l.earlier_measure_id, l.closest_measure_id, l.score, l.alternatives,
               l.evidence, e.text AS earlier_text
        FROM measure_lineage AS l
        JOIN plans AS p ON p.plan_year = l.earlier_plan_year
        LEFT JOIN measures AS e ON e.measure_id = l.earlier_measure_id
        WHERE l.measure_id = $id
        ORDER BY l.earlier_plan_year DESC
        """,
        {"id": measure_id},
    )


def measure_successors(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """The measures of later plans that continue this one, oldest plan first."""
    return _frame(
        con,
        """
        SELECT l.plan_year, p.period_label, l.measure_id, l.score, l.evidence, m.text
        FROM measure_lineage AS l
        JOIN plans AS p ON p.plan_year = l.plan_year
        JOIN measures AS m ON m.measure_id = l.measure_id
        WHERE l.earlier_measure_id = $id
        ORDER BY l.plan_year, l.measure_id
        """,
        {"id": measure_id},
    )


def agency_handovers(
    con: duckdb.DuckDBPyConnection, agency_id: str, successor: bool
) -> pl.DataFrame:
    """Continued measures (each with its predecessor) whose lead body changed, where the
    body leads on one side: `kind` is 'restructuring' when the new lead is the body that
    took over the old one's work (SIPO → CNIPA), else 'handover'. With `successor`,
    bodies count as today's successors, so restructurings disappear."""
    return _frame(
        con,
        f"""
        WITH {_PREDECESSORS},
        pairs AS (
            SELECT p.measure_id, p.earlier_measure_id, p.earlier_plan_year, p.score, p.evidence,
                   CASE WHEN $view = 'current' THEN l.lead_current ELSE l.lead_named END AS lead,
                   CASE WHEN $view = 'current' THEN e.lead_current
                        ELSE e.lead_named END AS earlier_lead,
                   l.plan_year, l.text, e.text AS earlier_text
            FROM predecessor AS p
            JOIN measure_facts AS l ON l.measure_id = p.measure_id
            JOIN measure_facts AS e ON e.measure_id = p.earlier_measure_id
        )
        SELECT x.earlier_plan_year, x.earlier_measure_id, ea.short_name AS earlier_lead,
               x.plan_year, x.measure_id, la.short_name AS lead,
               CASE WHEN es.successor_id = ls.successor_id THEN 'restructuring'
                    ELSE 'handover' END AS kind,
               CASE WHEN x.lead = $agency THEN 'took over' ELSE 'handed over' END AS direction,
               es.lineage AS earlier_lead_line, x.score, x.evidence, x.earlier_text, x.text
        FROM pairs AS x
        JOIN agencies AS ea ON ea.agency_id = x.earlier_lead
        JOIN agencies AS la ON la.agency_id = x.lead
        JOIN agency_successors AS es ON es.agency_id = x.earlier_lead
        JOIN agency_successors AS ls ON ls.agency_id = x.lead
        WHERE x.lead <> x.earlier_lead AND $agency IN (x.lead, x.earlier_lead)
        ORDER BY x.plan_year, x.measure_id
        """,  # noqa: S608
        {"agency": agency_id, "view": agency_view(successor)},
    )


def lineage_tested(con: duckdb.DuckDBPyConnection, year_a: int, year_b: int) -> pl.DataFrame:
    """How the links between plan `year_a` and the later `year_b` agreed with blind hand
    labels (table lineage_tests): one row, or none when that pair was not tested."""
    return _frame(
        con,
        "SELECT * FROM lineage_tests WHERE earlier_plan_year = $a AND plan_year = $b",
        {"a": year_a, "b": year_b},
    )


def other_links(con: duckdb.DuckDBPyConnection, year_a: int, year_b: int) -> pl.DataFrame:
    """The measures of plan `year_b` that continue no measure of `year_a` but one of
    another earlier plan: measure_id, continues ("2012-027; 2014-019", the most recent
    plan first)."""
    return _frame(
        con,
        """
        SELECT n.measure_id,
               string_agg(o.earlier_measure_id, '; ' ORDER BY o.earlier_plan_year DESC)
                   AS continues
        FROM measure_lineage AS n
        JOIN measure_lineage AS o
          ON o.measure_id = n.measure_id AND o.status = 'continued'
         AND o.earlier_plan_year <> $a
        WHERE n.plan_year = $b AND n.earlier_plan_year = $a AND n.status = 'new'
        GROUP BY n.measure_id
        ORDER BY n.measure_id
        """,
        {"a": year_a, "b": year_b},
    )


def lineage_plan_pairs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The pairs of plans the lineage compares: plan_year, earlier_plan_year, compared
    (false when their languages differ), n_continued."""
    return _frame(
        con,
        """
        SELECT plan_year, earlier_plan_year, bool_and(status <> 'not_compared') AS compared,
               count(*) FILTER (WHERE status = 'continued') AS n_continued
        FROM measure_lineage
        GROUP BY ALL
        ORDER BY plan_year, earlier_plan_year
        """,
    )


# ---------------------------------------------------------------------------------------
# Languages and what the parser decided (issue 13)


def measure_texts(con: duckdb.DuckDBPyConnection, measure_id: str) -> pl.DataFrame:
    """A measure as every document renders it, the prevailing text first (the canonical
    rendering: the Chinese original where there is one), with its language, number as
    written, attribution and the bodies that rendering names (English and Chinese short
    names): for showing a Chinese original and an English rendering side by side."""
    return _frame(
        con,
        """
        WITH named AS (
            SELECT am.doc_id,
                   string_agg(a.short_name || ' (' || am.role || ')', '; ' ORDER BY am.position)
                       AS bodies,
                   string_agg(coalesce(a.short_name_zh, a.short_name) || '（'
                       || CASE am.role WHEN 'lead' THEN '牵头' WHEN 'participant' THEN '参与'
                          ELSE '按职责分工' END || '）', '、' ORDER BY am.position) AS bodies_zh
            FROM attribution_mentions AS am JOIN agencies AS a USING (agency_id)
            WHERE am.measure_id = $id AND am.mention_kind = 'agency'
            GROUP BY am.doc_id
        )
        SELECT r.doc_id, r.language, d.is_canonical AS prevails, r.number_label, r.status,
               r.text, r.attribution_raw, n.bodies, n.bodies_zh, d.rendering, d.source_file
        FROM measure_renderings AS r
        JOIN documents AS d USING (doc_id)
        LEFT JOIN named AS n USING (doc_id)
        WHERE r.measure_id = $id
        ORDER BY d.is_canonical DESC, r.language = 'zh' DESC, r.doc_id
        """,
        {"id": measure_id},
    )


def translation_disagreements(
    con: duckdb.DuckDBPyConnection, plan_year: int | None = None
) -> pl.DataFrame:
    """Where a rendering in another language disagrees with the text that prevails
    (different bodies or roles, a measure missing in one, different counts), all plans
    or one."""
    return _frame(
        con,
        """
        SELECT * FROM translation_disagreements
        WHERE $year IS NULL OR plan_year = $year
        ORDER BY plan_year, measure_no NULLS FIRST, aspect
        """,
        {"year": plan_year},
    )


def parse_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What the parser decided about every document and what it doubts, with the
    document's rendering and whether it is the canonical one."""
    return _frame(
        con,
        """
        SELECT p.*, d.rendering, d.is_canonical, d.language_code
        FROM parse_decisions AS p JOIN documents AS d USING (doc_id)
        ORDER BY p.plan_year, d.is_canonical DESC, p.doc_id
        """,
    )


def agency_names(con: duckdb.DuckDBPyConnection, language: str) -> pl.DataFrame:
    """Every body's label in one language ("en": short_name, "zh": the Chinese short form
    the plans write), with its current successor's: for the English / 中文 names switch
    of charts, tables and exports."""
    return _frame(
        con,
        """
        SELECT a.agency_id,
               CASE WHEN $lang = 'zh' THEN coalesce(a.short_name_zh, a.short_name)
                    ELSE a.short_name END AS label,
               CASE WHEN $lang = 'zh' THEN coalesce(a.name_zh, a.name) ELSE a.name END AS name,
               s.successor_id,
               CASE WHEN $lang = 'zh' THEN coalesce(s.successor_short_name_zh,
                    s.successor_short_name) ELSE s.successor_short_name END AS successor_label
        FROM agencies AS a JOIN agency_successors AS s USING (agency_id)
        ORDER BY a.agency_id
        """,
        {"lang": language},
    )
