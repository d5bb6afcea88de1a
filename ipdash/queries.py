"""Every query the app and the exports run. Each takes a DuckDB connection, runs on
its own cursor (a connection is not thread-safe; cursors are cheap), binds every value
as a parameter and returns a Polars frame named after what it holds."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl


def _frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict | None = None
) -> pl.DataFrame:
    cur = con.cursor()
    try:
        return cur.sql(sql, params=params).pl()
    finally:
        cur.close()


def plan_overview(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per plan: measures, omitted, attributed, agencies involved, multi-agency share."""
    return _frame(
        con,
        """
        WITH per_measure AS (
            SELECT m.plan_year, m.measure_id, m.status, m.n_agencies
            FROM measures AS m
        ), agencies_per_plan AS (
            SELECT m.plan_year, count(DISTINCT ma.agency_id) AS n_agencies
            FROM measure_agencies AS ma JOIN measures AS m USING (measure_id)
            GROUP BY m.plan_year
        )
        SELECT
            p.plan_year,
            p.period_label,
            p.title,
            p.n_measures,
            p.n_present,
            p.n_omitted,
            p.n_attributed,
            coalesce(a.n_agencies, 0) AS n_agencies,
            CASE WHEN p.names_agencies THEN
                avg(CASE WHEN pm.n_agencies > 1 THEN 1.0 ELSE 0.0 END)
                    FILTER (WHERE pm.status = 'present')
            END AS share_multi_agency,
            p.names_agencies,
            p.n_renderings
        FROM plans AS p
        LEFT JOIN agencies_per_plan AS a USING (plan_year)
        LEFT JOIN per_measure AS pm USING (plan_year)
        GROUP BY ALL
        ORDER BY p.plan_year
        """,
    )


def build_info(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The build id, data version and time of the database."""
    return _frame(con, "SELECT * FROM build_info")
