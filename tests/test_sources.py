"""ipdash.corpus.sources: the manifest and robust decoding."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from ipdash import paths
from ipdash.corpus.sources import decode_bytes, load_manifest
from ipdash.errors import DataFileError, ParseError


def test_manifest_describes_every_seed():
    sources = load_manifest(paths.DEFAULT_RAW)
    assert [
        (s.doc_id, s.plan_year, s.period_label, s.canonical, s.expected_measures) for s in sources
    ] == [
        ("2012-pdf", 2012, "2012", True, 90),
        ("2012-md", 2012, "2012", False, 90),
        ("2020", 2020, "2020", True, 100),
        ("2022", 2022, "2021–2022", True, 115),
        ("2014", 2014, "2014", True, 79),
    ]
    by_id = {s.doc_id: s for s in sources}
    assert by_id["2012-pdf"].issue_date == date(2012, 4, 6)
    assert by_id["2022"].reference_date == date(2021, 7, 1)
    assert by_id["2020"].reference_date == date(2020, 7, 1)
    for s in sources:
        assert (paths.DEFAULT_RAW / s.file).is_file()


def _manifest_with(tmp_path, old, new):
    raw = tmp_path / "raw"
    shutil.copytree(paths.DEFAULT_RAW, raw)
    manifest = raw / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return raw


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '001_0d2518ec689bdc93.txt,2012-md,2012,2012,Promotion Plan on the Implementation of National IP Strategy 2012,"Office of the Inter-Ministerial Joint Conference for Implementing the National IP Strategy (circular G. ZH. F. X. Z. [2012] No. 43, as printed)",2012-04-06,en (official translation),markdown,false',
            '001_0d2518ec689bdc93.txt,2012-md,2012,2012,Promotion Plan on the Implementation of National IP Strategy 2012,"Office of the Inter-Ministerial Joint Conference for Implementing the National IP Strategy (circular G. ZH. F. X. Z. [2012] No. 43, as printed)",2012-04-06,en (official translation),markdown,true',
            "plan year 2012 has 2 canonical renderings",
        ),
        ("004_cf8bd29487bfe8b0.txt", "missing.txt", "file 'missing.txt' is not in"),
        ("2014-04-01", "1 April 2014", "issue_date' must be a date YYYY-MM-DD"),
        (",2020,2020,2020,", ",2020,twenty,2020,", "plan_year must be a year"),
        (",2020,2020,2020,", ",2020,2020,:red[2020],", "period_label must be a year or two"),
        ("en (machine translation)", "English", "language must be en, zh, zh-Hans or zh-Hant"),
    ],
)
def test_manifest_errors_name_the_line(tmp_path, old, new, message):
    raw = _manifest_with(tmp_path, old, new)
    with pytest.raises(DataFileError, match=message) as info:
        load_manifest(raw)
    assert ", line " in str(info.value)


@pytest.mark.parametrize(
    ("data", "text", "decoding"),
    [
        ("1. Plan “A”".encode(), "1. Plan “A”", "utf-8"),
        ("\ufeff1. Plan".encode(), "1. Plan", "utf-8-sig"),
        ("1. Plan".encode("utf-16"), "1. Plan", "utf-16-le"),
        ("1. Plan über".encode("utf-16-le"), "1. Plan über", "utf-16-le (no BOM)"),
        ("1. Plan über".encode("utf-16-be"), "1. Plan über", "utf-16-be (no BOM)"),
        ("1. Plan “A”".encode("cp1252"), "1. Plan “A”", "cp1252"),
        ("1. Plan â€œAâ€\x9d".encode(), "1. Plan “A”", "utf-8 + mojibake repaired"),
        (
            ("1. Pl\x00an\x07 zero\u200bwidth. " + "Improve the system. " * 10).encode(),
            "1. Plan zerowidth. " + "Improve the system. " * 10,
            "utf-8 + control characters removed",
        ),
    ],
)
def test_decode_bytes(data, text, decoding):
    got = decode_bytes(data)
    assert (got.text, got.decoding) == (text, decoding)


def test_decode_rejects_binary_and_empty():
    with pytest.raises(ParseError, match="not a text document"):
        decode_bytes(bytes(range(256)) * 20, "x.txt")
    with pytest.raises(ParseError, match="the file is empty"):
        decode_bytes(b"  \n", "x.txt")


def test_mojibake_is_repaired_line_by_line_as_ftfy_does():
    import ftfy

    from ipdash.corpus.sources import _FTFY

    text = (paths.DEFAULT_RAW / "002_504d37ac8016cd13.txt").read_text(encoding="utf-8")
    broken = text.replace("“", "â€œ").replace("”", "â€\x9d") + "\nÃ©tÃ© \x1b[31mred\x1b[0m\n"
    got = decode_bytes(broken.encode())
    assert got.text == ftfy.fix_text(broken, _FTFY)
    assert got.decoding == "utf-8 + mojibake repaired"
    assert "“" in got.text
    assert got.text.endswith("été red\n")


def test_a_large_non_ascii_text_is_decoded_without_the_mojibake_check():
    from ipdash.corpus.sources import MOJIBAKE_REPAIR_MAX_CHARS

    data = ("1. Plan â€œAâ€\x9d\n" * (MOJIBAKE_REPAIR_MAX_CHARS // 10)).encode()
    got = decode_bytes(data)
    assert got.decoding == "utf-8 + mojibake not checked (too much non-ASCII text)"
    assert got.text.startswith("1. Plan â€œAâ€")


def test_decode_refuses_a_document_longer_than_any_plan_before_reading_it():
    from ipdash.corpus.sources import MAX_DOCUMENT_CHARS

    with pytest.raises(ParseError, match=r"x.txt: the document is 500,001 characters long"):
        decode_bytes(b"x" * (MAX_DOCUMENT_CHARS + 1), "x.txt")
    with pytest.raises(ParseError, match=r"x.txt: the document is 2.0 MB: more than a plan"):
        decode_bytes(b"x" * (MAX_DOCUMENT_CHARS * 4 + 1), "x.txt")


def test_the_manifest_records_each_documents_language():
    sources = load_manifest(paths.DEFAULT_RAW)
    assert {s.doc_id: s.language_code for s in sources} == {
        "2012-pdf": "en",
        "2012-md": "en",
        "2020": "en",
        "2022": "en",
        "2014": "en",
    }


def test_cjk_radicals_a_pdf_text_layer_gives_are_read_as_characters():
    from ipdash.corpus.sources import decode_bytes

    decoded = decode_bytes("⼀、各有关部⻔\n⼆、⺠事".encode(), "x.txt")
    assert decoded.text == "一、各有关部门\n二、民事"
    assert decoded.decoding == "utf-8 + CJK radicals read as characters"
    assert decode_bytes("一、部门".encode(), "x.txt").decoding == "utf-8"
