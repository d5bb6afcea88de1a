"""The names switch (English / 中文): frames relabelled after the query, so charts, tables
and downloads name the bodies in the chosen language."""

from __future__ import annotations

import polars as pl

from ipdash.present.names import Names, load_names, names_in, relabel
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter

ENGLISH = pl.DataFrame(
    {
        "agency_id": ["cnipa", "sipo", "spc"],
        "label": ["CNIPA", "SIPO", "SPC"],
        "name": ["a", "b", "c"],
    }
)
CHINESE = pl.DataFrame(
    {
        "agency_id": ["cnipa", "sipo", "spc"],
        "label": ["国家知识产权局", "知识产权局", "最高人民法院"],
        "name": ["国家知识产权局", "国家知识产权局（2018年前）", "最高人民法院"],
    }
)


def test_short_names_lists_lineages_and_full_names_are_relabelled():
    names = names_in("zh", ENGLISH, CHINESE)
    frame = pl.DataFrame(
        {
            "agency_id": ["sipo", "spc", "moj"],
            "short_name": ["SIPO", "SPC", "MOJ"],
            "name": ["State IP Office", "Supreme People's Court", "Ministry of Justice"],
            "agencies": ["SIPO (lead); SPC (participant)", "SPC (joint)", None],
            "lineage": ["SIPO → CNIPA", "SPC", "MOJ"],
            "n": [1, 2, 3],
        }
    )
    assert relabel(frame, names).rows() == [
        (
            "sipo",
            "知识产权局",
            "国家知识产权局（2018年前）",
            "知识产权局 (lead); 最高人民法院 (participant)",
            "知识产权局 → 国家知识产权局",
            1,
        ),
        ("spc", "最高人民法院", "最高人民法院", "最高人民法院 (joint)", "最高人民法院", 2),
        ("moj", "MOJ", "Ministry of Justice", None, "MOJ", 3),  # not in the map: as it was
    ]


def test_english_and_frames_without_bodies_are_left_alone():
    frame = pl.DataFrame({"short_name": ["SIPO"], "theme": ["enforcement"]})
    assert relabel(frame, Names()) is frame
    themes = pl.DataFrame({"theme_id": ["enforcement"], "label": ["Enforcement"]})
    assert relabel(themes, names_in("zh", ENGLISH, CHINESE)).rows() == [
        ("enforcement", "Enforcement")
    ]


def test_names_are_read_from_the_database(con):
    def q(query, *args):
        return query(con, *args)

    names = load_names(q, "zh")
    assert (names.language, names.short["CNIPA"], names.short["SIPO"]) == (
        "zh",
        "国家知识产权局",
        "知识产权局",
    )
    assert load_names(q, "fr") == Names()
    rows = relabel(q(queries.filtered_measures, MeasureFilter(query="2020-002")), names)
    assert rows.select("lead_agency", "agencies").row(0) == (
        None,
        "最高人民法院 (joint); 司法部 (joint); 国家知识产权局 (joint); 中央宣传部 (joint)",
    )


def test_figures_are_cached_apart_for_each_language():
    from ipdash.present.views import data_key

    class Runner:
        def __init__(self, names: str) -> None:
            self.db, self.names = "/data/ipdash-1.duckdb", names

        def query(self, query, *args):
            raise AssertionError("not called")

    assert data_key(Runner("en").query) == "/data/ipdash-1.duckdb"
    assert data_key(Runner("zh").query) == "/data/ipdash-1.duckdb names=zh"
