"""The floor of the load benchmark: the plainest Streamlit app doing the visible work of
ipdash's Measures page for one visitor: one query, a table, one chart and a CSV button.

It reads the same database (the current generation, read-only, one cursor per query),
takes the same filters from the address (`?q=…&year=…`) as the load test sends them, and
has no sidebar, navigation, caching, detail view or second download. Whatever a server
does beyond this is what ipdash adds; bench/load.py runs both side by side.

    .venv/bin/python -m streamlit run bench/floor_app.py -- DB_FILE
"""

from __future__ import annotations

import sys

import duckdb
import plotly.express as px
import streamlit as st

SQL = """
SELECT f.plan_year, f.measure_no, f.measure_id, t.label AS theme, f.lead_named AS lead_agency,
       f.agencies_named AS agencies, f.text
FROM measure_facts AS f JOIN themes AS t USING (theme_id)
WHERE f.status = 'present'
  AND (cardinality($years) = 0 OR list_contains($years, f.plan_year))
  AND ($q = '' OR contains(f.search_text, lower($q)))
ORDER BY f.plan_year, f.measure_no
"""


@st.cache_resource
def connection(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


st.set_page_config(page_title="Measures (floor)", layout="wide")
st.title("Measures")
query = st.query_params.get("q", "")
year = st.query_params.get("year", "")
years = [int(year)] if year.isdigit() else []
cursor = connection(sys.argv[1]).cursor()
try:
    rows = cursor.sql(SQL, params={"years": years, "q": query}).pl()
finally:
    cursor.close()
where = "in the chosen plans" if years else "of all plans"
st.markdown(f"**{rows.height} measures** match ({where}).")
st.download_button(
    "Download CSV",
    b"\xef\xbb\xbf" + rows.write_csv().encode("utf-8"),
    file_name="measures.csv",
    mime="text/csv",
    on_click="ignore",
)
counts = rows.group_by("plan_year", "theme").len().sort("plan_year", "theme")
st.plotly_chart(
    px.bar(counts, x="plan_year", y="len", color="theme", title="Measures by plan and theme"),
    width="stretch",
)
st.dataframe(rows, hide_index=True, width="stretch")
