"""The baseline: the dashboard as it is often written first. One Streamlit script that, on
every rerun, reads the data from CSV files with pandas, filters and aggregates it in
pandas and draws it with Plotly Express; no database, no marts, no caching.

It shows the same four views as ipdash's Overview, Measures, Agency network and Theme
shifts pages, with the same filters from the page address (?view=measures&year=2020
&theme=judicial&agency=cnipa&role=lead&q=patent), so that bench_scale_baseline.py can
time both after the same filter changes. Not part of the app: it lives in bench/ and
reads the CSV files bench_scale_baseline.py exports to NAIVE_DATA.
"""

import os

import networkx as nx
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

DATA = os.environ["NAIVE_DATA"]
params = st.query_params
view = params.get("view", "overview")
years = [int(y) for y in params.get("year", "").split(",") if y.strip().isdigit()]
themes_chosen = [t for t in params.get("theme", "").split(",") if t]
agencies_chosen = [a for a in params.get("agency", "").split(",") if a]
role = params.get("role", "any")
query = params.get("q", "")

# Read everything, every time.
measures = pd.read_csv(f"{DATA}/measures.csv")
links = pd.read_csv(f"{DATA}/measure_agencies.csv")
agencies = pd.read_csv(f"{DATA}/agencies.csv")
measure_themes = pd.read_csv(f"{DATA}/measure_themes.csv")
theme_list = pd.read_csv(f"{DATA}/themes.csv")
plans = pd.read_csv(f"{DATA}/plans.csv")

primary = measure_themes[measure_themes["rank"] == 1][["measure_id", "theme_id"]]
facts = measures[measures["status"] == "present"].merge(primary, on="measure_id", how="left")
links = links.merge(measures[["measure_id", "plan_year"]], on="measure_id")
links = links.merge(agencies[["agency_id", "short_name", "kind"]], on="agency_id")

filtered = facts
if years:
    filtered = filtered[filtered["plan_year"].isin(years)]
if themes_chosen:
    filtered = filtered[filtered["theme_id"].isin(themes_chosen)]
if query:
    filtered = filtered[
        filtered["text"].str.contains(query, case=False, regex=False)
        | filtered["attribution_raw"].fillna("").str.contains(query, case=False, regex=False)
    ]
if agencies_chosen:
    chosen = links[links["agency_id"].isin(agencies_chosen)]
    if role != "any":
        chosen = chosen[chosen["role"] == role]
    filtered = filtered[filtered["measure_id"].isin(chosen["measure_id"])]

if view == "overview":
    st.title("Overview")
    per_plan = facts.groupby("plan_year").size().rename("measures").reset_index()
    bodies = links.groupby("plan_year")["agency_id"].nunique().rename("agencies").reset_index()
    counts = links.groupby("measure_id").size().rename("n").reset_index()
    multi = facts.merge(counts, on="measure_id", how="left").fillna({"n": 0})
    multi = multi.groupby("plan_year")["n"].apply(lambda s: (s > 1).mean()).rename("shared")
    table = per_plan.merge(bodies, on="plan_year", how="left").merge(
        multi.reset_index(), on="plan_year", how="left"
    )
    st.dataframe(table)
    leads = links[links["role"] == "lead"].groupby(["plan_year", "short_name"]).size()
    top = leads.rename("led").reset_index()
    top = top.sort_values(["plan_year", "led"], ascending=[True, False])
    top = top.groupby("plan_year").head(5)
    top = top[top["plan_year"].isin(sorted(top["plan_year"].unique())[-12:])]  # as ipdash
    st.plotly_chart(px.bar(top, x="led", y="short_name", facet_col="plan_year", orientation="h"))
elif view == "measures":
    st.title("Measures")
    named = (
        links.sort_values("position")
        .assign(label=lambda d: d["short_name"] + " (" + d["role"] + ")")
        .groupby("measure_id")["label"]
        .agg("; ".join)
        .rename("agencies")
        .reset_index()
    )
    table = filtered.merge(named, on="measure_id", how="left").merge(
        theme_list[["theme_id", "label"]], on="theme_id", how="left"
    )
    table = table.sort_values(["plan_year", "measure_no"])
    st.markdown(f"**{len(table)} measures**")
    by_theme = table.groupby(["plan_year", "label"]).size().rename("n").reset_index()
    st.plotly_chart(px.bar(by_theme, x="plan_year", y="n", color="label"))
    st.dataframe(table[["plan_year", "measure_no", "label", "agencies", "text"]])
    st.download_button("Download CSV", table.to_csv(index=False), "measures.csv")
elif view == "network":
    st.title("Agency network")
    on = links[links["measure_id"].isin(filtered["measure_id"])]
    nodes = on.groupby(["agency_id", "short_name", "kind"]).agg(
        measures=("measure_id", "nunique"),
        led=("role", lambda r: (r == "lead").sum()),
    )
    nodes = nodes.reset_index()
    pairs = on.merge(on, on="measure_id")
    pairs = pairs[pairs["agency_id_x"] < pairs["agency_id_y"]]
    edges = pairs.groupby(["agency_id_x", "agency_id_y"]).size().rename("weight").reset_index()
    graph = nx.Graph()
    graph.add_nodes_from(nodes["agency_id"])
    for a, b, w in edges.itertuples(index=False):
        graph.add_edge(a, b, weight=w)
    positions = nx.spring_layout(graph, seed=1)
    fig = go.Figure()
    for a, b, _ in edges.itertuples(index=False):
        (x0, y0), (x1, y1) = positions[a], positions[b]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line={"width": 1}))
    fig.add_trace(
        go.Scatter(
            x=[positions[a][0] for a in nodes["agency_id"]],
            y=[positions[a][1] for a in nodes["agency_id"]],
            mode="markers+text",
            text=nodes["short_name"],
            marker={"size": 8 + nodes["measures"] ** 0.5},
        )
    )
    st.plotly_chart(fig)
    st.dataframe(nodes)
elif view == "themes":
    st.title("Theme shifts")
    counts = filtered.groupby(["plan_year", "theme_id"]).size().rename("n").reset_index()
    totals = filtered.groupby("plan_year").size().rename("total").reset_index()
    counts = counts.merge(totals, on="plan_year").merge(theme_list, on="theme_id")
    counts["share"] = counts["n"] / counts["total"]
    st.plotly_chart(px.line(counts, x="plan_year", y="share", color="label"))
    st.plotly_chart(px.density_heatmap(counts, x="plan_year", y="label", z="share"))
    leads = filtered.merge(links[links["role"] == "lead"], on="measure_id")
    top = leads.groupby(["plan_year_x", "short_name"]).size().rename("led").reset_index()
    st.dataframe(top.sort_values("led", ascending=False).groupby("plan_year_x").head(5))
