"""ipdash.store.checks: the declared checks pass on the seeds and fail on broken data."""

from __future__ import annotations

import shutil

import duckdb

from ipdash import paths
from ipdash.store.checks import failed, format_report, load_checks, run_checks


def test_checks_are_declared_with_severity():
    checks = load_checks()
    assert len(checks) == 26
    assert {c.severity for c in checks} == {"error", "warning", "info"}
    assert all(c.sql.upper().startswith("SELECT") for c in checks)


def test_checks_pass_on_the_seeds(con):
    results = run_checks(con, paths.DEFAULT_RAW)
    assert not failed(results)
    by_name = {r.check.name: r for r in results}
    assert len(by_name["renderings_agree_on_text"].problems) == 7
    assert by_name["offsets_trace_to_source"].passed
    report = format_report(results)
    assert report.endswith("24 checks: 0 failed, 1 with warnings")
    assert by_name["stated_counts"].passed
    assert "info open_lists: none" in report
    assert "info manual_decisions: 0 of 375 present measures have a manual theme decision" in report


def test_checks_fail_on_broken_data(built_db, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(built_db, broken)
    con = duckdb.connect(str(broken))
    con.execute("DELETE FROM measures WHERE measure_id = '2020-050'")
    con.execute(
        "UPDATE attribution_mentions SET mention_kind = 'unresolved', note = 'test' "
        "WHERE measure_id = '2022-001' AND position = 1"
    )
    con.execute(
        "UPDATE measure_renderings SET start_offset = start_offset + 3 "
        "WHERE measure_id = '2014-001'"
    )
    con.execute(
        "INSERT INTO measure_agency_links SELECT * FROM measure_agency_links "
        "WHERE measure_id = '2012-001' AND agency_id = 'most' AND agency_view = 'named'"
    )
    results = {r.check.name: r for r in run_checks(con, paths.DEFAULT_RAW)}
    con.close()
    assert results["unique_agency_links"].problems == [
        "2012-001: most linked 2 times in the named view"
    ]
    assert results["numbering_contiguous"].problems == ["plan 2020: 99 measures numbered 1..100"]
    assert results["unresolved_names"].problems == [
        "2022-001: State Administration for Market Regulation (test)"
    ]
    assert results["offsets_trace_to_source"].problems == [
        "2014-001: 004_cf8bd29487bfe8b0.txt[3228:3607] does not start with its number: "
        "'Implement the Opinions on Furt'"
    ]
    assert failed(list(results.values()))


def test_every_result_has_one_status_word_shared_by_the_report_and_the_page(con):
    from ipdash.store.checks import results_frame

    results = run_checks(con, paths.DEFAULT_RAW)
    frame = results_frame(results)
    assert frame.columns == ["check", "status", "guarantee", "findings"]
    assert sorted(set(frame["status"])) == ["info", "ok", "warning"]
    warned = frame.filter(frame["status"] == "warning").row(0, named=True)
    assert warned["check"] == "renderings_agree_on_text"
    assert warned["findings"].endswith("… (+2)")  # 7 differences, the first 5 listed
