"""The command line: cli.main run in-process (one test starts a real process)."""

from __future__ import annotations

import json
import subprocess
import sys

from ipdash import paths
from tests.conftest import run_cli


def test_the_command_runs_as_a_user_runs_it():
    """One real process: `python -m ipdash` starts (every other test calls cli.main)."""
    result = subprocess.run(
        [sys.executable, "-m", "ipdash", "--version"],
        capture_output=True,
        text=True,
        cwd=paths.ROOT,
        timeout=120,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "ipdash 0.1.0")


def test_build_then_check_round_trip(tmp_path):
    db = tmp_path / "x.duckdb"
    built = run_cli("build", "--db", str(db))
    assert built.returncode == 0, built.stderr
    assert (
        "2022   2021–2022        115     115       0        115       38          1        1"
        in built.stdout
    )
    checked = run_cli("check", "--db", str(db))
    assert checked.returncode == 0, checked.stdout
    assert "24 checks: 0 failed, 1 with warnings" in checked.stdout


def test_parse_json_prints_measures_with_agencies():
    result = run_cli("parse", str(paths.DEFAULT_RAW / "002_504d37ac8016cd13.txt"), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["plan_year"], payload["n_measures"], payload["levels"]) == (
        2020,
        100,
        ["part", "section"],
    )
    m2 = payload["measures"][1]
    assert [(a["agency_id"], a["role"]) for a in m2["agencies"]] == [
        ("spc", "joint"),
        ("moj", "joint"),
        ("cnipa", "joint"),
        ("cpd", "joint"),
    ]
    assert m2["section_path"][1] == "(1) Reform and perfect the intellectual property policy"
    assert payload["measures"][87]["generic_groups"] == [
        {
            "name": "joint meeting member units",
            "group_id": "joint_meeting_members",
            "role": "participant",
        }
    ]


def test_parse_summary_and_year_option(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "I. Protection\n1. Revise the law. (Intellectual Property Office and Ministry of Space)\n",
        encoding="utf-8",
    )
    result = run_cli("parse", str(plan), "--year", "2012")
    assert result.returncode == 0
    assert "1 measures (1 present), levels part" in result.stdout
    assert "State Intellectual Property Office" not in result.stdout
    assert "Intellectual Property Office [lead]; UNRESOLVED Ministry of Space" in result.stdout


def test_parse_reads_pdf_and_docx_as_add_does(tmp_path):
    from tests.test_intake import docx_bytes, minimal_pdf

    lines = [
        "I. Protection",
        "1. Revise the law. (Responsible by State Intellectual Property Office)",
        "2. Train judges. (Supreme People's Court, Ministry of Justice)",
    ]
    (tmp_path / "plan.pdf").write_bytes(minimal_pdf(lines))
    (tmp_path / "plan.docx").write_bytes(docx_bytes(lines))
    for name, decoding in (
        ("plan.pdf", "pypdf text layer + utf-8"),
        ("plan.docx", "python-docx paragraphs and tables + utf-8"),
    ):
        result = run_cli("parse", str(tmp_path / name), "--year", "2016", "--json")
        assert result.returncode == 0, result.stderr
        payload = json.loads(result.stdout)
        assert payload["decoding"] == decoding
        assert [
            [(a["agency_id"], a["role"]) for a in m["agencies"]] for m in payload["measures"]
        ] == [[("sipo", "lead")], [("spc", "lead"), ("moj", "participant")]]
    (tmp_path / "plan.csv").write_text("1. Revise the law.", encoding="utf-8")
    refused = run_cli("parse", str(tmp_path / "plan.csv"))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: {tmp_path / 'plan.csv'}: is a .csv: upload .txt, .md, .pdf or .docx"
    )


def test_parse_says_what_it_decided_and_doubts():
    plan = paths.ROOT / "tests" / "data" / "plans" / "en_paren_numbers.txt"
    result = run_cli("parse", str(plan), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["plan_year"] == 2016
    decisions = payload["decisions"]
    assert decisions == {
        "language": "en",
        "numbering": "paren_arabic",
        "numbering_style": "(1)",
        "numbers_run_on": False,
        "measure_level": "under part (I.)",
        "heading_styles": ["I."],
        "families_tried": [{"family": "paren_arabic", "items": 21, "closed": 20, "restarts": 4}],
        "role_note_found": True,
        "lead_basis": "stated",
        "open_lists": [4, 15],
        "unattributed": [],
        "stated_count": None,
        "count_far": False,
        "unresolved": {},
        "name_notes": {},
    }
    m5 = payload["measures"][4]
    assert (m5["number"], m5["number_label"], m5["section_path"][0]) == (
        5,
        "(1)",
        "II. Protecting intellectual property more strongly",
    )
    text = run_cli("parse", str(plan))
    assert (
        "  structure: measures numbered (1), restarting in each part, under part (I.)"
        in text.stdout
    )
    assert "  role note: found: the first-listed body leads (leads stated)" in text.stdout


def test_errors_are_plain_and_non_zero(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run_cli("parse", str(empty))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {empty}: the file is empty"
    missing = run_cli("check", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2
    assert "no database at" in missing.stderr
    assert "Traceback" not in missing.stderr + result.stderr


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("build", "parse", "check", "path"):
        assert command in result.stdout


def test_export_takes_the_role_not_leading(tmp_path, built_db):
    out = tmp_path / "x.xlsx"
    result = run_cli(
        "export", "--db", str(built_db), "--agency", "CNIPA", "--year", "2022",
        "--role", "not_lead", "--format", "xlsx", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"wrote 32 measures to {out} (2021–2022 · agencies: CNIPA (not leading) · "
        "agencies as named at the time)"
    )


def _zipped_text(path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(name).decode("utf-8-sig")
            for name in archive.namelist()
            if name.endswith(".csv")
        )


def test_export_names_the_bodies_in_chinese_on_request(tmp_path, built_db):
    texts = {}
    for names in ("en", "zh"):
        out = tmp_path / f"{names}.zip"
        result = run_cli(
            "export", "--db", str(built_db), "--query", "2020-002", "--format", "csv",
            "--names", names, "--out", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        texts[names] = _zipped_text(out)
    assert "SPC (joint); MOJ (joint); CNIPA (joint); CPD (joint)" in texts["en"]
    assert (
        "最高人民法院 (joint); 司法部 (joint); 国家知识产权局 (joint); 中央宣传部 (joint)"
        in (texts["zh"])
    )
