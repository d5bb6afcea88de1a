"""The synthetic corpus for benchmarks: deterministic, in the real plans' formats, and read
by the real parser and build exactly as it was written (bodies, roles, era-correct names,
every check passing)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date

import pytest

from ipdash import paths
from ipdash.corpus import synth
from ipdash.corpus.parse import parse_document
from ipdash.store.build import build_database
from ipdash.store.checks import run_checks
from ipdash.store.db import connect_read_only
from ipdash.store.tables import build_tables


@pytest.fixture(scope="session")
def profile(parsed_seeds, registry, patterns) -> synth.Profile:
    return synth.learn_profile(build_tables(list(parsed_seeds.values()), registry), patterns)


@pytest.fixture(scope="session")
def templates() -> synth.Templates:
    return synth.load_templates()


@pytest.fixture(scope="session")
def corpus(profile, templates, registry, patterns) -> synth.SynthCorpus:
    return synth.generate_corpus(1000, 3, profile, templates, registry, patterns)


@pytest.fixture(scope="session")
def built(corpus, tmp_path_factory):
    raw = tmp_path_factory.mktemp("synth-raw")
    for name, text in corpus.files.items():
        (raw / name).write_text(text, encoding="utf-8", newline="")
    result = build_database(raw_dir=raw, db_dir=tmp_path_factory.mktemp("synth-db"))
    con = connect_read_only(result.path)
    yield raw, con
    con.close()


def test_the_profile_is_learned_from_the_real_corpus(profile):
    assert profile.list_sizes == {1: 160, 2: 76, 3: 35, 4: 15, 5: 10, 6: 5, 7: 1, 9: 2, 12: 1}
    assert profile.phrasings[("responsible_by", "lead_first")] == 177
    assert profile.phrasings[("division_of_responsibilities", "joint")] == 21
    assert round(profile.joint_share, 3) == 0.214
    assert profile.lead["cnipa"] > profile.lead["moe"] > 0
    assert profile.pairs[("cnipa", "samr")] > 0


def test_plan_years_and_sizes():
    assert synth.default_years(1000) == (2008, 2022)
    assert synth.default_years(38_400) == (1990, 2029)
    assert synth.default_years(100_000) == (1990, 2094)
    assert synth.default_years(200_000) == (1990, 2100)


def test_the_corpus_has_one_document_per_year_and_a_manifest(corpus):
    assert sorted(corpus.files) == [
        *(f"{i:03d}_synth_{2008 + i}.txt" for i in range(15)),
        "manifest.csv",
    ]
    assert len(corpus.measures) == 1000
    manifest = corpus.files["manifest.csv"].splitlines()
    assert manifest[0] == (
        "file,doc_id,plan_year,period_label,title,issuing_body,issue_date,language,"
        "rendering,canonical,expected_measures,rendering_note"
    )
    assert manifest[1].startswith("000_synth_2008.txt,synth-2008,2008,2008,Promotion Plans")
    rows = list(csv.DictReader(io.StringIO(corpus.files["manifest.csv"])))
    assert sum(int(r["expected_measures"]) for r in rows) == 1000
    assert {r["canonical"] for r in rows} == {"true"}
    assert corpus.files["000_synth_2008.txt"].startswith(
        "Promotion Plans of the Provinces for the Implementation of the National IP Strategy "
        "in 2008\n"
    )


def test_the_same_seed_gives_byte_identical_files_in_any_process(corpus, tmp_path):
    out = tmp_path / "again"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ipdash",
            "synth",
            "--measures",
            "1000",
            "--seed",
            "3",
            "--out",
            out,
        ],
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote 1,000 measures in 15 plan documents to ")
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    assert written == {name: text.encode("utf-8") for name, text in corpus.files.items()}


def test_another_seed_gives_another_corpus(corpus, profile, templates, registry, patterns):
    other = synth.generate_corpus(1000, 4, profile, templates, registry, patterns)
    assert other.files["manifest.csv"] != corpus.files["manifest.csv"]
    assert other.files["000_synth_2008.txt"] != corpus.files["000_synth_2008.txt"]


def test_the_build_reads_exactly_the_measures_bodies_and_roles_written(corpus, built):
    _, con = built
    cur = con.cursor()
    assert cur.execute("SELECT count(*), count(DISTINCT plan_year) FROM measures").fetchall() == [
        (1000, 15)
    ]
    rows = cur.execute(
        "SELECT m.plan_year, m.measure_no, m.role_convention, m.attribution_phrasing, "
        "m.n_generic_groups, list(a.agency_id ORDER BY a.position) FILTER (a.agency_id IS NOT NULL) "
        "FROM measures AS m LEFT JOIN measure_agencies AS a USING (measure_id) GROUP BY ALL"
    ).fetchall()
    cur.close()
    read = {
        (y, n): (roles, phrasing, groups, tuple(ids)) for y, n, roles, phrasing, groups, ids in rows
    }
    written = {
        (m.plan_year, m.number): (m.roles, m.phrasing, m.n_groups, m.agencies)
        for m in corpus.measures
    }
    assert read == written


def test_every_name_resolves_directly_to_a_body_of_its_time(built, registry):
    _, con = built
    cur = con.cursor()
    resolutions = dict(
        cur.execute("SELECT resolution, count(*) FROM attribution_mentions GROUP BY ALL").fetchall()
    )
    assert set(resolutions) <= {"name", "alias", "group"}  # never unresolved, never lineage
    links = cur.execute(
        "SELECT DISTINCT ma.agency_id, d.reference_date, m.plan_year FROM measure_agencies AS ma "
        "JOIN measures AS m USING (measure_id) JOIN documents AS d USING (doc_id)"
    ).fetchall()
    cur.close()
    assert all(registry.agencies[a].valid_on(day) for a, day, _ in links)
    years = {a: sorted({y for b, _, y in links if b == a}) for a, _, _ in links}
    # Bodies valid only before the 2018 restructuring appear only in plans before it.
    assert (max(years["sipo"]), min(years["cnipa"])) == (2017, 2018)
    assert (max(years["saic"]), min(years["samr"])) == (2017, 2018)
    assert max(years["moh"]) <= 2012 < 2018 <= min(years["nhc"])
    assert max(years["gad"]) <= 2015 < 2016 <= min(years["cmc_edd"])


def test_the_builds_checks_all_pass(built):
    raw, con = built
    results = run_checks(con, raw)
    assert [r.check.name for r in results if not r.passed] == []
    assert [r.check.name for r in results if r.check.severity != "info" and r.problems] == []


def test_a_plan_holds_up_to_999_measures(profile, templates, registry, patterns):
    corpus = synth.generate_corpus(999, 1, profile, templates, registry, patterns, (2020, 2020))
    parsed = parse_document(corpus.files["000_synth_2020.txt"], patterns)
    assert [m.number for m in parsed.measures] == list(range(1, 1000))
    assert parsed.warnings == ()


def test_impossible_corpora_are_refused(profile, templates, registry, patterns):
    with pytest.raises(synth.SynthError, match="at least one measure"):
        synth.generate_corpus(0, 1, profile, templates, registry, patterns)
    with pytest.raises(synth.SynthError, match="parser's limit"):
        synth.generate_corpus(1999, 1, profile, templates, registry, patterns, (2020, 2021))
    with pytest.raises(synth.SynthError, match="plan years must run from 1990 to 2100"):
        synth.generate_corpus(10, 1, profile, templates, registry, patterns, (1980, 1990))
    assert synth.year_bodies(profile, registry, date(2012, 4, 1)).spellings["sipo"][0] == (
        "State Intellectual Property Office"
    )
