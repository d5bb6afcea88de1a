"""Adding a plan: reading uploads of every type, the preview, and adding a plan so that
data/raw and the served database change together or not at all."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from ipdash import paths
from ipdash.errors import ParseError
from ipdash.store import intake, queries
from ipdash.store.db import connect_read_only, current_db_path
from ipdash.store.intake import AddPlanError, PlanMetadata
from tests.conftest import SEEDS, CliResult, run_cli, seed_text

PLAN_2023 = """Promotion Plan for the Implementation of the National IP Strategy in 2023
In order to implement the Outline, the key tasks for 2023 are specified as follows.
I. Improve laws and regulations on intellectual property rights
1. Promote the revision of the Rules for the Implementation of the Patent Law. (Responsible by \
State Intellectual Property Administration, Ministry of Justice)
2. Promote the revision of the Copyright Law regulation. (Responsible by Propaganda Department \
of Central Committee)
II. Strengthen protection
3. Crack down on infringement and counterfeiting. (State Administration for Market Regulation, \
Ministry of Public Security, and General Administration of Customs are individually responsible \
for their duties)
4. Improve the trial of intellectual property cases. (Responsible by Supreme People's Court)
6. Study a measure of an unknown body. (Responsible by Ministry of Imaginary Affairs)
7. Publish the annual report.
"""
SEED_2020 = SEEDS["2020"]
META_2023 = PlanMetadata(2023, "2023", "Promotion Plan for the National IP Strategy in 2023")


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds these lines (Helvetica, WinAnsi)."""
    ops = ["BT", "/F1 10 Tf", "40 800 Td", "12 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def snapshot(raw: Path, db_dir: Path) -> tuple[dict[str, bytes], Path | None]:
    files = {
        str(p.relative_to(raw)): p.read_bytes()
        for p in sorted(raw.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    return files, current_db_path(db_dir)


def count(db: Path, sql: str) -> object:
    con = connect_read_only(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------
# Reading uploads


def test_utf16_upload_records_its_decoding():
    extracted = intake.extract_text("plan.txt", PLAN_2023.encode("utf-16"))
    assert extracted.decoded.decoding == "utf-16-le"
    assert extracted.rendering == "plain-text"


def test_pdf_upload_is_read_from_its_text_layer():
    extracted = intake.extract_text(
        "plan.pdf", minimal_pdf(["1. Promote the revision of the law. (Responsible by MOJ)"])
    )
    assert "1. Promote the revision of the law. (Responsible by MOJ)" in extracted.decoded.text
    assert extracted.decoded.decoding.startswith("pypdf text layer + utf-8")
    assert extracted.rendering == "pdf-text"


def test_docx_upload_is_read_paragraph_by_paragraph():
    extracted = intake.extract_text("Plan.DOCX", docx_bytes(["Title", "1. First measure."]))
    assert extracted.decoded.text == "Title\n1. First measure."
    assert extracted.suffix == ".docx"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.exe", b"MZ", "is a .exe: upload .txt, .md, .pdf or .docx"),
        ("plan", b"text", "is a file without extension"),
        ("plan.txt", b"", "the file is empty"),
        ("plan.txt", bytes(range(256)) * 40, "this is not a text document"),
        ("plan.txt", b"x" * (10 * 1024 * 1024 + 1), "is 10.0 MB; the limit is 10 MB"),
        ("plan.pdf", b"%PDF-1.4 garbage", "is not a readable PDF"),
        ("plan.docx", b"PK\x03\x04 not a zip", "is not a readable Word document"),
        ("../../etc/plan.md", b"", "plan.md: the file is empty"),
    ],
)
def test_unreadable_uploads_are_refused_in_plain_words(name, data, message):
    with pytest.raises(ParseError, match=message.replace(".", r"\.")):
        intake.extract_text(name, data)


def test_pdf_without_text_and_encrypted_pdf_are_refused():
    from pypdf import PdfWriter

    blank = PdfWriter()
    blank.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    blank.write(buffer)
    with pytest.raises(ParseError, match="no text layer"):
        intake.extract_text("scan.pdf", buffer.getvalue())
    blank.encrypt("secret")
    buffer = io.BytesIO()
    blank.write(buffer)
    with pytest.raises(ParseError, match="password-protected"):
        intake.extract_text("locked.pdf", buffer.getvalue())


# ---------------------------------------------------------------------------------------
# Preview


def test_preview_lists_measures_bodies_unresolved_names_and_warnings():
    extracted = intake.extract_text("plan2023.txt", PLAN_2023.encode("utf-8"))
    p = intake.preview(extracted, META_2023, raw_dir=paths.DEFAULT_RAW)
    assert (p.n_measures, p.n_present) == (6, 6)
    assert p.sections().rows() == [
        ("I. Improve laws and regulations on intellectual property rights", 2),
        ("II. Strengthen protection", 4),
    ]
    assert p.agencies().rows() == [
        ("CNIPA", "China National Intellectual Property Administration", 1, 0, 0),
        ("CPD", "Publicity Department of the CPC Central Committee", 1, 0, 0),
        ("SPC", "Supreme People's Court", 1, 0, 0),
        ("MOJ", "Ministry of Justice", 0, 1, 0),
        ("GACC", "General Administration of Customs", 0, 0, 1),
        ("MPS", "Ministry of Public Security", 0, 0, 1),
        ("SAMR", "State Administration for Market Regulation", 0, 0, 1),
    ]
    assert p.unresolved().rows() == [("Ministry of Imaginary Affairs", "6")]
    warnings = p.warnings()
    assert warnings.select("kind", "measure").rows() == [
        ("numbering_gap", 6),
        ("no_attribution", 7),
    ]
    assert p.measures()["bodies (role)"].to_list()[2] == "SAMR (joint); MPS (joint); GACC (joint)"
    assert p.existing == ()


def test_preview_says_what_the_parser_decided():
    text = (paths.ROOT / "tests" / "data" / "plans" / "zh_2017_style.txt").read_bytes()
    extracted = intake.extract_text("2017.txt", text)
    assert extracted.language == "zh"
    p = intake.preview(extracted, raw_dir=paths.DEFAULT_RAW)
    assert (p.metadata.plan_year, p.n_measures) == (2017, 22)
    shown = intake.format_preview(p)
    assert (
        "\n".join(
            [
                "what the parser decided:",
                "  language: zh",
                "  structure: measures numbered （1）, running through the document, under part (一、)",
                "  numbering families tried: paren_arabic: 22 items, 22 ending in an attribution",
                "  count: 22 measures found",
                "  role note: none: the first-listed body of a plain list is taken to lead (leads inferred)",
                "  open lists (…and other departments / 等部门): 7",
                "  measures without an attribution: none",
                "  unresolved names: none",
            ]
        )
        in shown
    )
    assert intake.extract_text("plan2023.txt", PLAN_2023.encode("utf-8")).language == "en"


def test_preview_prefills_what_the_text_states():
    extracted = intake.extract_text("plan2023.txt", PLAN_2023.encode("utf-8"))
    guessed = intake.guess(extracted)
    assert (guessed.plan_year, guessed.period_label, guessed.title) == (
        2023,
        "2023",
        "Promotion Plan for the Implementation of the National IP Strategy in 2023",
    )


def test_preview_of_an_existing_year_names_its_documents():
    extracted = intake.extract_text("again.txt", PLAN_2023.encode("utf-8"))
    p = intake.preview(extracted, PlanMetadata(2012, "2012", "x"), raw_dir=paths.DEFAULT_RAW)
    assert [s.doc_id for s in p.existing] == ["2012-pdf", "2012-md"]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (PlanMetadata(1800, "1800", "t"), "plan year 1800 is not between 1990 and 2100"),
        (PlanMetadata(2023, " ", "t"), "the period label is empty"),
        (PlanMetadata(2023, "2023", ""), "the title is empty"),
        (PlanMetadata(2023, "2023", "a\nb"), "one line each"),
        (PlanMetadata(2023, "**2023** :red[x]", "t"), "must be a year or two years"),
    ],
)
def test_metadata_is_checked(metadata, message):
    with pytest.raises(AddPlanError, match=message):
        intake.check_metadata(metadata)


# ---------------------------------------------------------------------------------------
# Adding


def test_adding_a_new_plan_writes_the_document_and_switches_the_database(corpus):
    raw, db_dir = corpus
    before_files, before_db = snapshot(raw, db_dir)
    old = connect_read_only(before_db)  # a session reading while the plan is added
    extracted = intake.extract_text("plan2023.txt", PLAN_2023.encode("utf-8"))
    result = intake.add_plan(extracted, META_2023, "new", raw_dir=raw, db_dir=db_dir)
    assert (result.file, result.doc_id) == ("005_f9f068f3345f25a4.txt", "2023")
    manifest = (raw / "manifest.csv").read_text(encoding="utf-8")
    assert manifest.startswith(before_files["manifest.csv"].decode("utf-8"))
    assert manifest.splitlines()[-1].startswith(
        "005_f9f068f3345f25a4.txt,2023,2023,2023,Promotion Plan for the National IP Strategy "
        "in 2023,,,en,plain-text,true,,Added with ipdash on "
    )
    assert (raw / result.file).read_text(encoding="utf-8") == PLAN_2023
    new_db = current_db_path(db_dir)
    assert new_db != before_db
    assert before_db.exists()  # the previous generation stays for open sessions
    assert old.execute("SELECT count(*) FROM measures").fetchall() == [(384,)]
    old.close()
    assert count(new_db, "SELECT count(*) FROM measures") == [(390,)]
    assert count(
        new_db, "SELECT agency_id, role FROM measure_agencies WHERE measure_id = '2023-001'"
    ) == [("cnipa", "lead"), ("moj", "participant")]


def test_an_existing_year_needs_a_choice_and_nothing_changes(corpus):
    raw, db_dir = corpus
    before = snapshot(raw, db_dir)
    extracted = intake.extract_text("again.txt", PLAN_2023.encode("utf-8"))
    with pytest.raises(AddPlanError, match=r"already has a 2020 plan .* another rendering"):
        intake.add_plan(
            extracted, PlanMetadata(2020, "2020", "x"), "new", raw_dir=raw, db_dir=db_dir
        )
    with pytest.raises(AddPlanError, match="there is no plan of year 2023 to replace"):
        intake.add_plan(extracted, META_2023, "replace", raw_dir=raw, db_dir=db_dir)
    assert snapshot(raw, db_dir) == before


def test_a_rendering_keeps_the_plans_title_and_period(corpus):
    raw, db_dir = corpus
    md = (paths.DEFAULT_RAW / "001_0d2518ec689bdc93.txt").read_bytes()
    extracted = intake.extract_text("2012 again.md", md)
    result = intake.add_plan(
        extracted,
        PlanMetadata(2012, "2012–2013", "ignored"),
        "rendering",
        raw_dir=raw,
        db_dir=db_dir,
    )
    assert result.doc_id == "2012-markdown"
    db = current_db_path(db_dir)
    assert count(db, "SELECT count(*) FROM documents WHERE plan_year = 2012") == [(3,)]
    assert count(db, "SELECT count(*) FROM measures WHERE plan_year = 2012") == [(90,)]
    assert count(db, "SELECT DISTINCT title FROM documents WHERE plan_year = 2012") == [
        ("Promotion Plan on the Implementation of National IP Strategy 2012",)
    ]
    assert count(db, "SELECT DISTINCT period_label FROM documents WHERE plan_year = 2012") == [
        ("2012",)
    ]


def test_replacing_a_plan_keeps_the_old_documents_aside(corpus):
    raw, db_dir = corpus
    extracted = intake.extract_text("plan2014.txt", PLAN_2023.encode("utf-8"))
    result = intake.add_plan(
        extracted, PlanMetadata(2014, "2014", "A new 2014"), "replace", raw_dir=raw, db_dir=db_dir
    )
    assert result.replaced == ("004_cf8bd29487bfe8b0.txt",)
    assert not (raw / "004_cf8bd29487bfe8b0.txt").exists()
    aside = list((raw / "replaced").glob("2014-*/004_cf8bd29487bfe8b0.txt"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == (paths.DEFAULT_RAW / "004_cf8bd29487bfe8b0.txt").read_bytes()
    manifest = (raw / "manifest.csv").read_text(encoding="utf-8")
    assert "004_cf8bd29487bfe8b0.txt" not in manifest
    assert count(
        current_db_path(db_dir), "SELECT count(*) FROM measures WHERE plan_year = 2014"
    ) == [(6,)]


def test_a_failed_build_restores_data_raw_and_the_database(corpus, monkeypatch):
    raw, db_dir = corpus
    before = snapshot(raw, db_dir)

    def broken_build(**_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(intake, "build_database", broken_build)
    extracted = intake.extract_text("plan2014.txt", PLAN_2023.encode("utf-8"))
    with pytest.raises(AddPlanError, match=r"building the database failed \(disk full\)"):
        intake.add_plan(
            extracted, PlanMetadata(2014, "2014", "t"), "replace", raw_dir=raw, db_dir=db_dir
        )
    assert snapshot(raw, db_dir) == before
    assert not (raw / "replaced").exists() or not any((raw / "replaced").iterdir())


def test_manifest_rows_of_a_year_are_removed_and_other_lines_kept_as_written():
    text = (
        "file,doc_id,plan_year,note\n"
        'a.txt,a,2012,"quoted, with comma"\n'
        'b.txt,b,2014,"two\nlines"\n'
        'c.txt,c,2020,"not needed"\n'
    )
    assert intake.manifest_without_year(text, 2014) == (
        'file,doc_id,plan_year,note\na.txt,a,2012,"quoted, with comma"\nc.txt,c,2020,"not needed"\n'
    )


# ---------------------------------------------------------------------------------------
# The command line


def cli(*args: str) -> CliResult:
    return run_cli(*args)


def test_cli_add_prints_the_preview_then_adds(corpus, tmp_path):
    raw, db_dir = corpus
    plan = tmp_path / "plan2023.txt"
    plan.write_text(PLAN_2023, encoding="utf-8")
    dry = cli(
        "add", str(plan), "--year", "2023", "--raw", str(raw), "--db-dir", str(db_dir), "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert "6 measures (6 present, 0 omitted in the source), levels: part" in dry.stdout
    assert "  Ministry of Imaginary Affairs (measures 6)" in dry.stdout
    assert "\n        UNRESOLVED Ministry of Imaginary Affairs\n" in dry.stdout
    assert dry.stdout.rstrip().endswith("dry run: nothing was written")
    assert "005_" not in (raw / "manifest.csv").read_text(encoding="utf-8")
    done = cli("add", str(plan), "--year", "2023", "--raw", str(raw), "--db-dir", str(db_dir))
    assert done.returncode == 0, done.stderr
    assert "added plan2023.txt as 005_f9f068f3345f25a4.txt (document 2023, new)" in done.stdout
    again = cli("add", str(plan), "--year", "2023", "--raw", str(raw), "--db-dir", str(db_dir))
    assert again.returncode == 2
    assert "pass --mode rendering" in again.stderr


def test_guessing_and_previewing_parse_the_upload_once(monkeypatch):
    calls = []
    parse = intake.parse_text
    monkeypatch.setattr(intake, "parse_text", lambda *a, **k: calls.append(1) or parse(*a, **k))
    extracted = intake.extract_text("plan2023.txt", PLAN_2023.encode("utf-8"))
    guessed = intake.guess(extracted)
    first = intake.preview(extracted, META_2023, raw_dir=paths.DEFAULT_RAW)
    again = intake.preview(
        extracted, PlanMetadata(2024, "2024", "Another year"), raw_dir=paths.DEFAULT_RAW
    )
    assert len(calls) == 1
    assert guessed.plan_year == 2023
    assert first.n_measures == again.n_measures == 6


def _snapshot(folder):
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("failure", [RuntimeError("build failed"), KeyboardInterrupt()])
def test_a_raw_transaction_that_fails_puts_every_change_back(tmp_path, failure):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.csv").write_text("file,plan_year\nold.txt,2014\n", encoding="utf-8")
    (raw / "old.txt").write_text("the old plan", encoding="utf-8")
    before = _snapshot(raw)

    def change_then_fail() -> None:
        with intake.raw_transaction(raw) as changes:
            changes.write(raw / "new.txt", b"the new plan")
            changes.write_manifest("file,plan_year\nnew.txt,2014\n")
            changes.move_aside(raw / "old.txt", raw / "replaced" / "2014-x")
            raise failure

    with pytest.raises(type(failure)):
        change_then_fail()
    assert _snapshot(raw) == {**before, "replaced": None}  # only the empty parent folder


def test_a_raw_transaction_that_succeeds_keeps_its_changes(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.csv").write_text("file,plan_year\nold.txt,2014\n", encoding="utf-8")
    (raw / "old.txt").write_text("the old plan", encoding="utf-8")
    with intake.raw_transaction(raw) as changes:
        changes.write(raw / "new.txt", b"the new plan")
        changes.write_manifest("file,plan_year\nnew.txt,2014\n")
        changes.move_aside(raw / "old.txt", raw / "replaced" / "2014-x")
    assert _snapshot(raw) == {
        "manifest.csv": b"file,plan_year\nnew.txt,2014\n",
        "new.txt": b"the new plan",
        "replaced": None,
        "replaced/2014-x": None,
        "replaced/2014-x/old.txt": b"the old plan",
    }


# ---------------------------------------------------------------------------------------
# What adding will change, and input that looks wrong

READY_MADE_PLANS = (2012, 2014, 2020, 2022)
TODAY = date(2026, 11, 26)


def tiny_preview(year: int, text: str | None = None) -> intake.Preview:
    from tests.test_stories import TINY_PLAN_2030

    extracted = intake.extract_text("tiny.txt", (text or TINY_PLAN_2030).encode("utf-8"))
    metadata = PlanMetadata(year, str(year), "A tiny test plan")
    return intake.preview(extracted, metadata, raw_dir=paths.DEFAULT_RAW)


def test_published_plans_are_read_from_the_database(con, built_db):
    plans = intake.published_plans(queries.plans(con))
    assert [(p.plan_year, p.period_label, p.n_present, p.names_agencies) for p in plans] == [
        (2012, "2012", 90, True),
        (2014, "2014", 70, False),
        (2020, "2020", 100, True),
        (2022, "2021–2022", 115, True),
    ]
    assert intake.read_published_plans(built_db.parent) == plans


def test_a_tiny_plan_for_2030_is_warned_about_and_its_changes_said(con):
    plans = intake.published_plans(queries.plans(con))
    advice = intake.advice(tiny_preview(2030), plans, "new", READY_MADE_PLANS, TODAY)
    assert advice.warnings == (
        "Only 3 measures found: far fewer than the smallest plan in the corpus (2014, 70 "
        "measures). Is this the whole plan? A test file added by mistake can be removed "
        "again: Manage plans, or python -m ipdash remove --year 2030.",
        "The plan year 2030 is in the future (it is 2026 now): plans are issued in the year "
        "they cover. Check the year.",
    )
    assert advice.changes == (
        "The 2030 plan becomes the latest plan (now 2021–2022). Pages that start from the "
        "latest plan change: Theme shifts' “To” plan (2021–2022 → 2030) and the Agency "
        "network's second plan compared (2021–2022 → 2030).",
        "Charts of every plan (Overview, Theme shifts) gain a 2030 plan.",
        intake.RESCORED,
        "The ready-made story keeps its plans (2012, 2014, 2020 and 2021–2022) and does not "
        "change, but for links close to the threshold in its view of what is new; your "
        "stories that list their plans keep them too, and stories listing none will cover it.",
    )
    assert intake.RESCORED.startswith("Links between the measures of the other plans")


def test_a_year_before_the_series_or_between_plans(con):
    plans = intake.published_plans(queries.plans(con))
    early = intake.advice(tiny_preview(2008), plans, "new", READY_MADE_PLANS, TODAY)
    assert early.warnings[1] == (
        "The plan year 2008 is before the first plan in the corpus (2012). Check the year: "
        "added, it becomes the first plan."
    )
    assert early.changes[0] == (
        "The 2008 plan becomes the first plan (now 2012). Pages that start from the first plan "
        "change: Theme shifts' “From” plan (2012 → 2008) and the Agency network's first plan "
        "compared (2012 → 2008)."
    )
    between = intake.advice(tiny_preview(2016), plans, "new", READY_MADE_PLANS, TODAY)
    assert between.changes[0] == (
        "The 2016 plan sits between 2014 and 2020: no page's default plan changes."
    )
    assert len(between.warnings) == 1  # only the size: 2016 is neither future nor early


def test_a_latest_plan_naming_no_bodies_leaves_the_network_comparison(con):
    from tests.test_stories import NO_BODIES_PLAN_2030

    plans = intake.published_plans(queries.plans(con))
    advice = intake.advice(
        tiny_preview(2025, NO_BODIES_PLAN_2030), plans, "new", READY_MADE_PLANS, TODAY
    )
    assert advice.changes[0] == (
        "The 2025 plan becomes the latest plan (now 2021–2022). Pages that start from the "
        "latest plan change: Theme shifts' “To” plan (2021–2022 → 2025)."
    )
    assert [w.split(":")[0] for w in advice.warnings] == [
        "Only 4 measures found"
    ]  # 2025 is not in the future


def test_a_plausible_plan_gets_no_warning(con):
    plans = intake.published_plans(queries.plans(con))
    extracted = intake.extract_text("2020 again.txt", seed_text("2020").encode("utf-8"))
    p = intake.preview(extracted, PlanMetadata(2024, "2024", "t"), raw_dir=paths.DEFAULT_RAW)
    assert intake.advice(p, plans, "new", READY_MADE_PLANS, TODAY).warnings == ()


def test_replacing_or_rendering_a_plan_says_what_changes(con):
    plans = intake.published_plans(queries.plans(con))
    replacing = intake.advice(tiny_preview(2020), plans, "replace", READY_MADE_PLANS, TODAY)
    assert replacing.changes == (
        "Replaces the 2020 plan's documents (moved to data/raw/replaced/): every page shows "
        "the new text for 2020.",
        intake.RESCORED,
        "The ready-made story covers the plan of 2020 (2012, 2014, 2020 and 2021–2022): its "
        "facts and views of that plan will show the new document.",
    )
    rendering = intake.advice(tiny_preview(2012), plans, "rendering", READY_MADE_PLANS, TODAY)
    assert rendering.warnings[0].startswith(
        "Only 3 measures found: far fewer than the plan it renders in the corpus (2012, 90 "
    )


def test_the_command_line_preview_carries_the_warnings_and_changes(con):
    plans = intake.published_plans(queries.plans(con))
    p = tiny_preview(2030)
    text = intake.format_preview(p, advice=intake.advice(p, plans, "new", (), TODAY))
    assert "\ncheck before going on:\n  ! Only 3 measures found: far fewer" in text
    assert "\nthis will change:\n  - The 2030 plan becomes the latest plan" in text
    assert "  - The ready-made story follows the data: it will cover this plan.\n" in text


# ---------------------------------------------------------------------------------------
# Removing a plan


def test_removing_an_added_plan_restores_the_corpus_as_it_was(corpus):
    from ipdash.store.checks import failed, run_checks
    from tests.test_stories import TINY_PLAN_2030

    raw, db_dir = corpus
    before_manifest = (raw / "manifest.csv").read_bytes()
    before_version = count(current_db_path(db_dir), "SELECT data_version FROM build_info")
    # A Word upload, so that its original is kept beside the text (and moved with it).
    extracted = intake.extract_text("tiny.docx", docx_bytes(TINY_PLAN_2030.splitlines()))
    added = intake.add_plan(
        extracted, PlanMetadata(2030, "2030", "A tiny test plan"), raw_dir=raw, db_dir=db_dir
    )
    assert count(current_db_path(db_dir), "SELECT count(*) FROM measures") == [(387,)]
    result = intake.remove_plan(2030, raw_dir=raw, db_dir=db_dir)
    assert (result.plan_year, result.period_label, result.files) == (2030, "2030", (added.file,))
    assert result.aside.parent == raw / "removed"
    assert result.aside.name.startswith("2030-")
    # Out of data/raw and the manifest, kept aside with its manifest row and its original.
    assert (raw / "manifest.csv").read_bytes() == before_manifest
    assert not (raw / added.file).exists()
    assert not any((raw / "originals").iterdir())
    assert sorted(p.relative_to(result.aside).as_posix() for p in result.aside.rglob("*")) == [
        added.file,
        "manifest-rows.csv",
        "originals",
        f"originals/{added.file.removesuffix('.txt')}.docx",
    ]
    rows = (result.aside / "manifest-rows.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == before_manifest.decode("utf-8").splitlines()[0]
    assert len(rows) == 2
    assert rows[1].startswith(f"{added.file},2030,2030,2030,A tiny test plan,")
    # The database is the one of the corpus before: same counts, same data version.
    db = current_db_path(db_dir)
    assert db == result.build.path
    assert count(db, "SELECT count(*) FROM measures") == [(384,)]
    assert count(db, "SELECT plan_year FROM plans ORDER BY 1") == [
        (2012,),
        (2014,),
        (2020,),
        (2022,),
    ]
    assert count(db, "SELECT data_version FROM build_info") == before_version
    con = connect_read_only(db)
    try:
        assert not failed(run_checks(con, raw))
    finally:
        con.close()


def test_removal_refuses_an_unknown_year_and_the_last_plan(corpus, tmp_path):
    raw, db_dir = corpus
    before = snapshot(raw, db_dir)
    with pytest.raises(intake.RemovePlanError, match="there is no plan of year 2031 to remove"):
        intake.remove_plan(2031, raw_dir=raw, db_dir=db_dir)
    assert snapshot(raw, db_dir) == before
    alone = tmp_path / "alone"
    alone.mkdir()
    header, *lines = (raw / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(line for line in lines if ",2020,2020," in line)
    (alone / "manifest.csv").write_text(header + row, encoding="utf-8")
    (alone / SEED_2020).write_bytes((raw / SEED_2020).read_bytes())
    with pytest.raises(intake.RemovePlanError, match="the 2020 plan is the only plan"):
        intake.remove_plan(2020, raw_dir=alone, db_dir=tmp_path / "db")
    assert sorted(p.name for p in alone.iterdir()) == [".add.lock", SEED_2020, "manifest.csv"]


def test_a_failed_build_during_removal_changes_nothing(corpus, monkeypatch):
    raw, db_dir = corpus
    before = snapshot(raw, db_dir)

    def broken_build(**_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(intake, "build_database", broken_build)
    with pytest.raises(intake.RemovePlanError, match=r"building the database failed \(disk full"):
        intake.remove_plan(2020, raw_dir=raw, db_dir=db_dir)
    assert snapshot(raw, db_dir) == before


def test_removal_advice_says_what_changes(con):
    plans = intake.published_plans(queries.plans(con))
    assert intake.removal_advice(2022, plans, READY_MADE_PLANS) == intake.Advice(
        (),
        (
            "The 2021–2022 plan and its 115 measures leave every page; its documents move to "
            "data/raw/removed/ (not deleted) and can be restored.",
            "2020 becomes the latest plan again (Theme shifts' “To”, the network's second plan "
            "compared).",
            intake.RESCORED,
            "The ready-made story covers the 2021–2022 plan: it will say the plan is no longer "
            "in the data, leave out its sentences about it, and show the rest.",
        ),
    )
    assert intake.removal_advice(2031, plans).warnings == (
        "There is no plan of year 2031 in the corpus.",
    )
    only = plans[:1]
    assert intake.removal_advice(2012, only).warnings == (
        "It is the only plan: the corpus cannot be left empty.",
    )


def test_cli_remove_prints_what_changes_then_removes(corpus, tmp_path):
    from tests.test_stories import TINY_PLAN_2030

    raw, db_dir = corpus
    plan = tmp_path / "plan2030.txt"
    plan.write_text(TINY_PLAN_2030, encoding="utf-8")
    where = ("--raw", str(raw), "--db-dir", str(db_dir))
    added = cli("add", str(plan), "--year", "2030", *where)
    assert added.returncode == 0, added.stderr
    assert "  ! Only 3 measures found: far fewer than the smallest plan" in added.stdout
    dry = cli("remove", "--year", "2030", *where, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(
        "remove the 2030 plan (year 2030)\n\nthis will change:\n"
        "  - The 2030 plan and its 3 measures leave every page;"
    )
    assert dry.stdout.rstrip().endswith("dry run: nothing was changed")
    assert "2030," in (raw / "manifest.csv").read_text(encoding="utf-8")
    done = cli("remove", "--year", "2030", *where)
    assert done.returncode == 0, done.stderr
    assert "removed the 2030 plan: 005_" in done.stdout
    assert ",2030," not in (raw / "manifest.csv").read_text(encoding="utf-8")
    check = cli("check", "--raw", str(raw), "--db-dir", str(db_dir))
    assert check.returncode == 0, check.stdout
    again = cli("remove", "--year", "2030", *where)
    assert again.returncode == 2
    assert "there is no plan of year 2030 to remove" in again.stderr


DOUBTFUL_PLAN = """Promotion Plan for 2024
This plan sets out a total of 12 measures.
I. Protection
1. Revise the patent law (State Intellectual Property Office, Ministry of Nowhere)
2. Improve the courts.
3. Strengthen customs enforcement (General Administration of Customs, Ministry of Public Security)
4. Train judges (Supreme People's Court and other departments)
"""


def test_the_preview_says_what_is_doubtful():
    extracted = intake.extract_text("p.txt", DOUBTFUL_PLAN.encode("utf-8"))
    report = intake.preview(extracted, raw_dir=paths.DEFAULT_RAW).parsed.report()
    assert report.doubts() == [
        "The text states 12 measures; the parser found 4: check the numbering.",
        "No role note says that the first-listed body leads: the lead is inferred, not stated, "
        "in measures 1, 3 naming several bodies.",
        "The list of bodies is left open (…and other departments / 等部门) in measure 4: the "
        "bodies not named are not counted.",
        "No responsible body is named in measure 2.",
        "1 name resolves to no registered body: Ministry of Nowhere (measure 1).",
    ]
    plan = (paths.ROOT / "tests" / "data" / "plans" / "en_paren_numbers.txt").read_bytes()
    stated = intake.preview(intake.extract_text("p.txt", plan), raw_dir=paths.DEFAULT_RAW)
    # a role note: leads stated, so only the open lists are doubtful
    assert stated.parsed.report().doubts() == [
        "The list of bodies is left open (…and other departments / 等部门) in measures 4, 15: "
        "the bodies not named are not counted."
    ]
