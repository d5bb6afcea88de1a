"""ipdash home page: the plans at a glance."""

import streamlit as st

from ipdash import queries
from ipdash.ui import connection

st.set_page_config(page_title="ipdash", layout="wide")
con, db_key = connection()


@st.cache_data(show_spinner=False)
def _overview(db: str):  # noqa: ANN202 - cached frame
    return queries.plan_overview(con)


st.title("China's national IP-strategy promotion plans, 2012–2022")
st.dataframe(_overview(db_key), hide_index=True)
