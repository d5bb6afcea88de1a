"""Both languages for one plan: a Chinese original and an English rendering of the same
year are aligned by number and confirmed by the bodies they name; the Chinese text
prevails (its measures, bodies and themes are the plan's); where they disagree is listed
for check and the Data quality page; a Chinese original added to a plan rendered in
English takes its place as the canonical rendering."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from ipdash import paths
from ipdash.corpus.sources import load_manifest
from ipdash.errors import DataFileError
from ipdash.store import intake, queries
from ipdash.store.build import build_database

PLANS = paths.ROOT / "tests" / "data" / "plans"
HEADER = (
    "file,doc_id,plan_year,period_label,title,issuing_body,issue_date,language,rendering,"
    "canonical,expected_measures,rendering_note\n"
)
ZH = "zh.txt,2012-zh,2012,2012,Promotion Plan 2012,,2012-04-06,zh (original),plain-text,{},10,\n"
EN = "en.txt,2012-en,2012,2012,Promotion Plan 2012,,2012-04-06,en (translation),plain-text,{},10,\n"


def two_languages(tmp_path, zh_canonical: bool = True):
    raw = tmp_path / "raw"
    raw.mkdir(parents=True)
    shutil.copy(PLANS / "zh_2012_style_dun.txt", raw / "zh.txt")
    shutil.copy(PLANS / "en_2012_rendering.txt", raw / "en.txt")
    canonical = ("true", "false") if zh_canonical else ("false", "true")
    (raw / "manifest.csv").write_text(
        HEADER + ZH.format(canonical[0]) + EN.format(canonical[1]), encoding="utf-8"
    )
    return raw


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bilingual")
    result = build_database(raw_dir=two_languages(tmp), db=tmp / "b.duckdb")
    con = duckdb.connect(str(result.path), read_only=True)
    yield con
    con.close()


def test_the_manifest_records_languages_and_the_chinese_prevails(tmp_path):
    sources = load_manifest(two_languages(tmp_path))
    assert [(s.doc_id, s.language_code, s.canonical) for s in sources] == [
        ("2012-zh", "zh", True),
        ("2012-en", "en", False),
    ]
    with pytest.raises(DataFileError, match="the Chinese text prevails") as info:
        load_manifest(two_languages(tmp_path / "other", zh_canonical=False))
    assert str(info.value).endswith(
        "manifest.csv, line 2: plan year 2012 has a Chinese original (zh.txt): the Chinese "
        "text prevails, so mark it canonical=true and the rendering on line 3 canonical=false"
    )


def test_the_measures_bodies_and_roles_come_from_the_chinese(bilingual):
    rows = bilingual.execute(
        "SELECT measure_id, doc_id, text, role_convention FROM measures ORDER BY measure_no"
    ).fetchall()
    assert len(rows) == 10
    assert rows[4] == (
        "2012-005",
        "2012-zh",
        "开展打击网络侵权盗版专项治理行动。",
        "explicit",
    )
    links = bilingual.execute(
        "SELECT agency_id, role, role_basis FROM measure_agencies WHERE measure_id = '2012-007' "
        "ORDER BY position"
    ).fetchall()
    assert links == [
        ("moh", "lead", "inferred"),
        ("sfda", "participant", "inferred"),
        ("sipo", "participant", "inferred"),
    ]


def test_both_texts_of_a_measure_side_by_side(bilingual):
    texts = queries.measure_texts(bilingual, "2012-006")
    assert texts.select("doc_id", "language", "prevails", "number_label").rows() == [
        ("2012-zh", "zh", True, "6、"),
        ("2012-en", "en", False, "6."),
    ]
    assert texts["text"].to_list() == [
        "加强广播影视节目版权保护，规范节目播出秩序。",
        "Protect the copyright of radio, film and television programmes more strongly and "
        "keep broadcasting in order.",
    ]
    assert texts["bodies"].to_list() == ["SARFT (lead); NCA (participant)"] * 2


def test_where_the_two_languages_disagree(bilingual):
    found = queries.translation_disagreements(bilingual)
    assert found.select("measure_id", "aspect", "detail").rows() == [
        ("2012-007", "agencies", "moh, sfda, sipo vs moh, sipo"),
        ("2012-010", "roles", "nbs lead vs participant; sipo participant vs lead"),
    ]
    # renderings in another language are not compared word by word
    assert bilingual.execute("SELECT count(*) FROM rendering_disagreements").fetchone() == (0,)


def test_a_chinese_original_added_to_an_english_plan_prevails(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(PLANS / "en_2012_rendering.txt", raw / "en.txt")
    (raw / "manifest.csv").write_text(HEADER + EN.format("true"), encoding="utf-8")
    extracted = intake.extract_text("2012 原文.txt", (PLANS / "zh_2012_style_dun.txt").read_bytes())
    metadata = intake.PlanMetadata(2012, "2012", "Promotion Plan 2012")
    result = intake.add_plan(extracted, metadata, "rendering", raw_dir=raw, db_dir=tmp_path / "db")
    sources = load_manifest(raw)
    assert [(s.doc_id, s.language, s.canonical) for s in sources] == [
        ("2012-en", "en (translation)", False),
        (result.doc_id, "zh", True),
    ]
    lines = (raw / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1] == EN.format("false").strip()


def test_names_in_english_or_chinese(bilingual):
    zh = queries.agency_names(bilingual, "zh")
    en = queries.agency_names(bilingual, "en")
    pick = ["cnipa", "sipo", "sarft", "cpd"]
    assert zh.filter(zh["agency_id"].is_in(pick)).select(
        "agency_id", "label", "successor_label"
    ).rows() == [
        ("cnipa", "国家知识产权局", "国家知识产权局"),
        ("cpd", "中央宣传部", "中央宣传部"),
        ("sarft", "广电总局", "广电总局"),
        ("sipo", "知识产权局", "国家知识产权局"),
    ]
    assert en.filter(en["agency_id"] == "sipo").select("label", "successor_label").row(0) == (
        "SIPO",
        "CNIPA",
    )


def test_what_the_parser_decided_is_stored(bilingual):
    decided = queries.parse_decisions(bilingual)
    assert decided.select(
        "doc_id", "language", "numbering_style", "lead_basis", "open_list_measures", "is_canonical"
    ).rows() == [
        ("2012-zh", "zh", "1、", "inferred", "10", True),
        ("2012-en", "en", "1.", "inferred", "10", False),
    ]
    assert (
        decided["doubts"].to_list()
        == [
            "No role note says that the first-listed body leads: the lead is inferred, not stated, "
            "in measures 3, 4, 6, 7, 9, 10 naming several bodies. The list of bodies is left open "
            "(…and other departments / 等部门) in measure 10: the bodies not named are not counted."
        ]
        * 2
    )
