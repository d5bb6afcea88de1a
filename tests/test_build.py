"""ipdash.store.build: the database built from the seeds, checked with literal values."""

from __future__ import annotations

import os

import pytest

from ipdash import paths


def rows(con, sql, params=None):
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).fetchall()
    finally:
        cur.close()


def test_plans(con):
    assert rows(
        con,
        "SELECT plan_year, period_label, n_measures, n_present, n_omitted, n_attributed, "
        "n_renderings, names_agencies, canonical_doc_id FROM plans ORDER BY 1",
    ) == [
        (2012, "2012", 90, 90, 0, 90, 2, True, "2012-pdf"),
        (2014, "2014", 79, 70, 9, 0, 1, False, "2014"),
        (2020, "2020", 100, 100, 0, 100, 1, True, "2020"),
        (2022, "2021–2022", 115, 115, 0, 115, 1, True, "2022"),
    ]


def test_documents_record_both_2012_renderings(con):
    assert rows(
        con,
        "SELECT doc_id, is_canonical, rendering, source_file, n_measures_found "
        "FROM documents WHERE plan_year = 2012 ORDER BY doc_id",
    ) == [
        ("2012-md", False, "markdown", "001_0d2518ec689bdc93.txt", 90),
        ("2012-pdf", True, "pdf-text", "000_8dd6051134989dae.txt", 90),
    ]
    assert rows(con, "SELECT count(*) FROM measure_renderings WHERE measure_id LIKE '2012-%'") == [
        (180,)
    ]


def test_omitted_measures_are_rows(con):
    assert rows(
        con,
        "SELECT min(measure_no), max(measure_no), count(*), max(n_agencies) FROM measures "
        "WHERE status = 'omitted_in_source'",
    ) == [(55, 63, 9, 0)]


def agencies_of(con, measure_id):
    return rows(
        con,
        "SELECT agency_id, role, position FROM measure_agencies WHERE measure_id = ? "
        "ORDER BY position",
        [measure_id],
    )


@pytest.mark.parametrize(
    ("measure_id", "expected"),
    [
        ("2012-008", [("moa", "lead", 1), ("sfa", "participant", 2)]),
        ("2012-083", [("cpd", "lead", 1), ("sarft", "participant", 2)]),
        (
            "2012-018",
            [("miit", "lead", 1), ("most", "participant", 2), ("aqsiq", "participant", 3)],
        ),
        ("2012-043", [("mofcom", "lead", 1), ("spp", "participant", 2), ("mps", "participant", 3)]),
        ("2012-022", [("sipo", "lead", 1), ("most", "participant", 2)]),
        (
            "2020-002",
            [("spc", "joint", 1), ("moj", "joint", 2), ("cnipa", "joint", 3), ("cpd", "joint", 4)],
        ),
        ("2020-024", [("spc", "lead", 1), ("spp", "participant", 2), ("mps", "participant", 3)]),
        ("2020-023", [("cpd", "lead", 1), ("nrta", "participant", 2)]),
        ("2020-034", [("cpd", "lead", 1), ("miit", "participant", 2), ("ngoa", "participant", 3)]),
        ("2020-048", [("spb", "lead", 1)]),
        ("2020-100", [("most", "lead", 1), ("cast", "participant", 2)]),
        (
            "2020-082",
            [
                ("cnipa", "joint", 1),
                ("mfa", "joint", 2),
                ("mofcom", "joint", 3),
                ("cpd", "joint", 4),
                ("spc", "joint", 5),
                ("samr", "joint", 6),
                ("nrta", "joint", 7),
                ("nfga", "joint", 8),
                ("ccpit", "joint", 9),
            ],
        ),
        ("2022-061", [("cnipa", "lead", 1)]),
        (
            "2022-080",
            [("ndrc", "lead", 1), ("cbirc", "participant", 2), ("cnipa", "participant", 3)],
        ),
        (
            "2022-049",
            [("cnipa", "lead", 1), ("cpd", "participant", 2), ("cplac", "participant", 3)],
        ),
        ("2022-109", [("mps", "joint", 1), ("gacc", "joint", 2)]),
    ],
)
def test_tricky_attributions(con, measure_id, expected):
    assert agencies_of(con, measure_id) == expected


def test_generic_groups_are_recorded_not_counted(con):
    assert rows(
        con,
        "SELECT measure_id, position, raw_name, group_id, role FROM attribution_mentions "
        "WHERE mention_kind = 'generic_group' AND doc_id <> '2012-md' ORDER BY measure_id",
    ) == [
        (
            "2012-043",
            4,
            "relevant administrative law enforcement authorities",
            "law_enforcement_authorities",
            "participant",
        ),
        ("2020-088", 2, "joint meeting member units", "joint_meeting_members", "participant"),
        (
            "2022-111",
            2,
            "membership units of Joint Meeting",
            "joint_meeting_members",
            "participant",
        ),
    ]
    assert rows(
        con, "SELECT n_agencies, n_generic_groups FROM measures WHERE measure_id = '2012-043'"
    ) == [(3, 1)]


def test_no_unresolved_names(con):
    assert rows(
        con, "SELECT count(*) FROM attribution_mentions WHERE mention_kind = 'unresolved'"
    ) == [(0,)]


def test_lineage_resolutions_are_explained(con):
    got = rows(
        con,
        "SELECT measure_id, raw_name, agency_id FROM attribution_mentions "
        "WHERE resolution = 'lineage' ORDER BY measure_id, position",
    )
    assert got == [
        ("2020-023", "State Administration of Radio, Film and Television", "nrta"),
        ("2020-033", "State Administration of Radio, Film and Television", "nrta"),
        ("2020-076", "State Administration of Radio, Film and Television", "nrta"),
        ("2020-081", "SARFT", "nrta"),
        ("2020-082", "State Administration of Radio, Film and Television", "nrta"),
        ("2022-080", "China Banking Regulatory Commission", "cbirc"),
        ("2022-081", "China Banking Regulatory Commission", "cbirc"),
    ]


def test_successor_view(con):
    assert rows(
        con,
        "SELECT agency_id, successor_id, steps, lineage FROM agency_successors "
        "WHERE agency_id IN ('sarft', 'moh', 'cbrc', 'cnipa') ORDER BY agency_id",
    ) == [
        ("cbrc", "nfra", 2, "CBRC → CBIRC → NFRA"),
        ("cnipa", "cnipa", 0, "CNIPA"),
        ("moh", "nhc", 2, "MOH → NHFPC → NHC"),
        ("sarft", "nrta", 2, "SARFT → SAPPRFT → NRTA"),
    ]


def test_successor_view_merges_predecessors_on_one_measure(con):
    # 2012-047 names SAIC (lead) and AQSIQ: today both are SAMR, once, as lead.
    assert rows(
        con,
        "SELECT agency_id, role, named_agency_ids FROM measure_agencies_current "
        "WHERE measure_id = '2012-047' ORDER BY position",
    ) == [
        ("samr", "lead", "saic; aqsiq"),
        ("mara", "participant", "moa"),
        ("mofcom", "participant", "mofcom"),
    ]


def test_rendering_disagreements_are_the_typing_differences(con):
    assert rows(
        con, "SELECT measure_id, aspect, detail FROM rendering_disagreements ORDER BY 1"
    ) == [
        ("2012-032", "text", "'filing' vs 'filling'"),
        ("2012-034", "text", "'well known' vs 'wellknown'"),
        ("2012-035", "text", "'nationwide' vs 'nation wide'"),
        ("2012-047", "text", "'inter ministerial' vs 'interministerial'"),
        ("2012-058", "text", "'guidelines' vs 'guidlines'"),
        ("2012-060", "text", "'for national' vs 'fornational'; 'of science' vs 'ofscience'"),
        ("2012-076", "text", "'hi tech' vs 'hitech'"),
    ]


def test_sections(con):
    assert rows(
        con,
        "SELECT plan_year, level_name, count(*), count(*) FILTER (WHERE unlabelled) "
        "FROM sections WHERE doc_id <> '2012-md' GROUP BY ALL ORDER BY 1, 2",
    ) == [
        (2012, "part", 8, 0),
        (2014, "part", 7, 0),
        (2020, "part", 5, 0),
        (2020, "section", 13, 0),
        (2022, "part", 4, 4),
        (2022, "section", 11, 0),
    ]


def test_build_info(con):
    ((build_id, version, n_docs, n_measures),) = rows(
        con, "SELECT build_id, data_version, n_documents, n_measures FROM build_info"
    )
    assert build_id.endswith(version[:8])
    assert (len(version), n_docs, n_measures) == (12, 5, 384)
    # The lineage threshold the build read (data/taxonomy/lineage.yaml), for the pages.
    assert rows(con, "SELECT lineage_threshold FROM build_info") == [(0.275,)]


def _tables(con) -> dict:
    names = rows(
        con,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_name <> 'build_info'",
    )
    out = {}
    for (name,) in names:
        cur = con.cursor()
        try:
            frame = cur.sql(f'SELECT * FROM "{name}"').pl()  # a name from the catalog
        finally:
            cur.close()
        out[name] = frame.sort(frame.columns, nulls_last=True)
    return out


def test_a_build_in_worker_processes_writes_the_same_tables(con, tmp_path):
    from ipdash.store.build import build_database
    from ipdash.store.db import connect_read_only

    result = build_database(paths.DEFAULT_RAW, db_dir=tmp_path, workers=2)
    assert [p.n_measures for p in result.plans] == [90, 79, 100, 115]
    assert result.n_disagreements == 7
    other = connect_read_only(result.path)
    try:
        serial, parallel = _tables(con), _tables(other)
    finally:
        other.close()
    assert sorted(parallel) == sorted(serial)
    for name, frame in serial.items():
        assert parallel[name].schema == frame.schema, name
        assert parallel[name].equals(frame), name


def test_small_corpora_build_in_one_process_large_ones_on_every_core(tmp_path):
    from ipdash.corpus.sources import load_manifest
    from ipdash.store.build import PARALLEL_MIN_BYTES, build_workers

    sources = load_manifest(paths.DEFAULT_RAW)
    assert build_workers(sources, paths.DEFAULT_RAW) == 1
    (tmp_path / "manifest.csv").write_bytes((paths.DEFAULT_RAW / "manifest.csv").read_bytes())
    for s in sources:
        (tmp_path / s.file).write_bytes(b"x" * (PARALLEL_MIN_BYTES // 4))
    assert build_workers(sources, tmp_path) == min(os.cpu_count() or 1, 5)


def test_a_document_failing_in_a_worker_fails_the_build_with_its_own_error(tmp_path, caplog):
    import pickle
    import shutil

    from ipdash.errors import DataFileError, ParseError
    from ipdash.store.build import build_database

    for error in (ParseError("a.txt", "no measures", 3), DataFileError("m.csv", 2, "bad")):
        assert str(pickle.loads(pickle.dumps(error))) == str(error)
    raw = tmp_path / "raw"
    shutil.copytree(paths.DEFAULT_RAW, raw)
    broken = raw / "002_504d37ac8016cd13.txt"
    broken.chmod(0o644)
    broken.write_text("nothing numbered here\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"^002_504d37ac8016cd13\.txt: no numbered measures"):
        build_database(raw_dir=raw, db_dir=tmp_path / "db", workers=2)
    assert "failed to start" not in caplog.text  # the worker's error, not a fallback
    assert not (tmp_path / "db" / "CURRENT").exists()


def test_a_database_out_of_date_with_its_sources_is_rebuilt_once(corpus):
    from ipdash.store.build import rebuild_if_out_of_date
    from ipdash.store.db import current_db_path

    raw, db_dir = corpus
    built = current_db_path(db_dir)
    assert rebuild_if_out_of_date(raw, db_dir) is None  # up to date: nothing happens
    manifest = raw / "manifest.csv"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("Deepen the implementation", "Deepen"),
        encoding="utf-8",
    )
    result = rebuild_if_out_of_date(raw, db_dir)
    assert result is not None
    assert current_db_path(db_dir) == result.path != built
    assert rebuild_if_out_of_date(raw, db_dir) is None
