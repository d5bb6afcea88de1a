"""A corpus of malformed and hostile plan documents, generated at test time (never
committed): empty and binary files, every encoding trap, huge files, deep nesting,
markup, invisible and right-to-left characters, broken numbering, and the seed plans
cut, shuffled and corrupted. `generate(directory)` writes them and returns their paths;
every one must end in measures or a ParseError, quickly (tests/test_malformed.py).

Run `python -m tests.malformed DIR` to write the corpus somewhere to look at it.
"""

from __future__ import annotations

import gzip
import random
import sys
import zipfile
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

from ipdash import paths
from ipdash.corpus.sources import MAX_DOCUMENT_CHARS

# The seed plans the mutations start from (read from data/raw, never changed).
SEED_FILES = sorted(p for p in paths.DEFAULT_RAW.glob("*.txt"))
# Size of the "huge" files: the 10 MB single line of the issue.
HUGE_BYTES = 10_000_000
# Line count of the "million short lines" files.
MILLION = 1_000_000
# Depth of the nesting files: far deeper than any document nests.
DEPTH = 5_000
# "Near the limit" files are this long: the largest documents the parser must read.
NEAR_LIMIT = MAX_DOCUMENT_CHARS * 98 // 100

Case = tuple[str, Callable[[], bytes]]


def _seed(index: int = 2) -> str:
    return SEED_FILES[index % len(SEED_FILES)].read_text(encoding="utf-8")


def _plan(n: int = 12, attribution: str = "State Intellectual Property Office") -> str:
    """A small, well-formed plan to hide things in."""
    lines = ["Promotion Plan for the Implementation of the National IP Strategy 2030", ""]
    for i in range(1, n + 1):
        if i % 5 == 1:
            lines.append(f"{'IVX'[0] * ((i // 5) + 1)}. Improving IP quality")
        lines.append(f"{i}. Improve the system of measure {i} for patents. ({attribution})")
    return "\n".join(lines) + "\n"


def _empty() -> Iterator[Case]:
    for name, data in [
        ("empty", b""),
        ("one_space", b" "),
        ("newlines", b"\n\n\n"),
        ("whitespace_mix", b" \t\r\n\x0b\x0c \r\n"),
        ("utf8_bom_only", b"\xef\xbb\xbf"),
        ("utf16le_bom_only", b"\xff\xfe"),
        ("utf16be_bom_only", b"\xfe\xff"),
        ("utf16_spaces", " \n \n".encode("utf-16")),
        ("nul_only", b"\x00"),
        ("nuls", b"\x00" * 4096),
        ("ideographic_spaces", "\u3000\u3000\n".encode()),
        ("zero_width_only", "\u200b\u200c\u200d\ufeff\u2060".encode()),
    ]:
        yield name, lambda data=data: data


def _binary() -> Iterator[Case]:
    rng = random.Random(7)
    yield "random_64k", lambda: rng.randbytes(65_536)
    yield "random_1", lambda: b"\x93"
    yield "random_3", lambda: b"\xff\x00\xfe"
    yield "all_bytes", lambda: bytes(range(256)) * 64
    yield "png_header", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000)
    yield "pdf_binary", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + rng.randbytes(8000)
    yield "elf", lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(56) + rng.randbytes(4000)
    yield "gzip_of_plan", lambda: gzip.compress(_seed(0).encode())
    yield "sqlite", lambda: b"SQLite format 3\x00" + bytes(4080)

    def docx() -> bytes:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("word/document.xml", "<w:document>" + _plan() + "</w:document>")
        return buffer.getvalue()

    yield "docx_zip", docx
    yield "utf32", lambda: _plan().encode("utf-32")
    yield "plan_then_binary", lambda: _plan().encode() + rng.randbytes(20_000)
    yield "binary_then_plan", lambda: rng.randbytes(2_000) + _plan().encode()
    for i in range(5):
        yield f"random_small_{i}", lambda i=i: random.Random(i).randbytes(17 * (i + 1))


def _encodings() -> Iterator[Case]:
    for i in range(len(SEED_FILES)):
        yield f"seed{i}_utf16le_nobom", lambda i=i: _seed(i).encode("utf-16-le")
        yield f"seed{i}_utf16be_nobom", lambda i=i: _seed(i).encode("utf-16-be")
        yield f"seed{i}_utf16_bom", lambda i=i: _seed(i).encode("utf-16")
        yield f"seed{i}_cp1252", lambda i=i: _seed(i).encode("cp1252", errors="replace")
        yield f"seed{i}_utf8_bom", lambda i=i: _seed(i).encode("utf-8-sig")
        yield (
            f"seed{i}_double_utf8",
            lambda i=i: _seed(i).encode("utf-8").decode("latin-1").encode("utf-8"),
        )
    zh = "一、加强知识产权保护\n1. 完善专利法律制度。（国家知识产权局、司法部）\n2. 加强执法。（公安部）\n"
    yield "gb18030", lambda: zh.encode("gb18030")
    yield "big5", lambda: zh.encode("big5", errors="replace")
    yield "shift_jis", lambda: "1. 特許制度の改善。\n2. 執行の強化。\n".encode("shift_jis")
    yield "ebcdic", lambda: _plan().encode("cp500")
    yield "utf7", lambda: _plan().encode("utf-7")
    yield "latin1_plan", lambda: _plan(attribution="Ministère des Finances").encode("latin-1")
    yield "utf16le_odd_length", lambda: _plan().encode("utf-16-le") + b"\x41"
    yield "utf16le_lone_surrogate", lambda: _plan().encode("utf-16-le") + b"\x00\xd8\x41\x00"
    yield "utf16_bom_then_utf8", lambda: b"\xff\xfe" + _plan().encode()
    yield "utf8_bom_then_latin1", lambda: b"\xef\xbb\xbf" + _plan().encode() + b"\xe9\xe8"
    yield "mojibake_cp1252", lambda: _plan().replace("IP", "â€œIPâ€\x9d").encode()


def _truncated() -> Iterator[Case]:
    text = _seed(3) + "\n专利、商标、版权\n"
    data = text.encode()
    for cut in (1, 2, 3, 5, 17, 101, len(data) // 2, len(data) - 1, len(data) - 2):
        yield f"truncated_at_{cut}", lambda cut=cut: data[:cut]
    yield "truncated_mid_char", lambda: "1. 专利制度。".encode()[:-2]
    yield "truncated_utf16", lambda: _plan().encode("utf-16-le")[:-1]
    zh = "专".encode()
    yield "invalid_continuations", lambda: _plan().encode() + zh[:1] + b"abc" + zh[1:] + b"\n"
    yield "overlong_utf8", lambda: b"1. Improve \xc0\xaf the \xe0\x80\xaf system.\n" * 20
    yield "surrogate_utf8", lambda: b"1. Improve \xed\xa0\x80 system.\n2. Next.\n"
    yield "cut_mid_measure", lambda: _seed(2)[: len(_seed(2)) // 3].encode()
    yield "cut_mid_attribution", lambda: _plan().rsplit("(", 1)[0].encode() + b"(State Intel"


def _nul_and_controls() -> Iterator[Case]:
    plan = _plan()
    yield "nul_every_other", lambda: "\x00".join(plan).encode()
    yield "nul_sprinkled", lambda: plan.replace(" ", " \x00", 5).encode()
    yield "nul_at_start", lambda: b"\x00" + plan.encode()
    yield "nul_at_end", lambda: plan.encode() + b"\x00"
    yield "nul_block", lambda: plan.encode() + b"\x00" * 10_000 + plan.encode()
    yield "bell_and_backspace", lambda: plan.replace("Improve", "Imp\x08\x07rove").encode()
    yield "ansi_escapes", lambda: plan.replace("Improve", "\x1b[31mImprove\x1b[0m").encode()
    yield "c1_controls", lambda: plan.replace("the", "t\u0085h\u009be").encode()
    yield "del_chars", lambda: plan.replace("e", "e\x7f").encode()
    yield "form_feeds", lambda: plan.replace("\n", "\f\n").encode()


def _line_endings() -> Iterator[Case]:
    plan = _plan(30)
    seed = _seed(0)
    yield "crlf", lambda: plan.replace("\n", "\r\n").encode()
    yield "cr_only", lambda: plan.replace("\n", "\r").encode()
    yield "seed_cr_only", lambda: seed.replace("\n", "\r").encode()
    yield (
        "mixed_endings",
        lambda: "".join(
            line + ("\n", "\r\n", "\r")[i % 3] for i, line in enumerate(plan.splitlines())
        ).encode(),
    )
    yield "lfcr", lambda: plan.replace("\n", "\n\r").encode()
    yield "unicode_line_sep", lambda: plan.replace("\n", "\u2028").encode()
    yield "paragraph_sep", lambda: plan.replace("\n", "\u2029").encode()
    yield "nel", lambda: plan.replace("\n", "\u0085").encode()
    yield "vertical_tab", lambda: plan.replace("\n", "\x0b").encode()
    yield "no_newlines", lambda: plan.replace("\n", " ").encode()
    yield "seed_no_newlines", lambda: seed.replace("\n", " ").encode()
    yield "blank_lines_between_chars", lambda: "\n\n".join(plan[:2000]).encode()
    yield "trailing_spaces", lambda: plan.replace("\n", " " * 300 + "\n").encode()


def _fill(unit: str, chars: int = NEAR_LIMIT) -> bytes:
    """`unit` repeated to `chars` characters, UTF-8."""
    return (unit * (chars // len(unit)))[:chars].encode()


def _vocabulary_lists() -> bytes:
    """999 measures each ending in a list of 29 names made of registry words: the most
    work the name splitter can be given (its dynamic programme on every list)."""
    from ipdash.corpus.agencies import MAX_PIECES_JOINED, load_registry

    words = sorted({w for key in load_registry().index for w in key.split() if w.isascii()})
    rng = random.Random(11)
    lines = []
    for i in range(1, 1000):
        names = ", ".join(
            " ".join(rng.choice(words).capitalize() for _ in range(rng.randint(1, 2)))
            for _ in range(MAX_PIECES_JOINED - 1)
        )
        lines.append(f"{i}. Improve the system. (Ministry of Finance, {names})")
    return "\n".join(lines).encode()


def _huge() -> Iterator[Case]:
    yield "10mb_single_line_x", lambda: b"x" * HUGE_BYTES
    yield "10mb_single_line_words", lambda: b"Improve the system. " * (HUGE_BYTES // 20)
    yield "10mb_single_line_digits", lambda: b"1" * HUGE_BYTES
    yield "million_short_lines", lambda: b"a\n" * MILLION
    yield "million_numbered_lines", lambda: b"1. A\n" * MILLION
    yield "million_empty_lines", lambda: b"\n" * MILLION
    yield "million_cjk_lines", lambda: "专\n".encode() * MILLION
    yield "million_accented_lines", lambda: "é\n".encode() * MILLION
    yield "utf16_huge", lambda: ("Improve the system. " * 300_000).encode("utf-16-le")
    yield "plan_repeated_2mb", lambda: (_seed(2) * 50).encode()[:2_000_000]
    # The same shapes just below the limit: these the parser reads to the end.
    yield "near_limit_single_line_x", lambda: _fill("x")
    yield "near_limit_single_line_digits", lambda: _fill("1")
    yield "near_limit_prose", lambda: _fill("Improve the system of patents. ")
    yield "near_limit_short_lines", lambda: _fill("a\n")
    yield "near_limit_lines_1", lambda: _fill("\n1")
    yield "near_limit_numbered_lines", lambda: _fill("1. A\n")
    yield "near_limit_cjk_lines", lambda: _fill("专\n")
    yield "near_limit_accented_lines", lambda: _fill("é\n")
    yield "near_limit_mojibake", lambda: _fill("â€œIPâ€\x9d ")
    yield "near_limit_mojibake_lines", lambda: _fill("â€œIPâ€\x9d\n")
    yield "near_limit_plan_repeated", lambda: _fill(_seed(2))
    yield (
        "near_limit_numbered",
        lambda: _fill(
            "".join(
                f"{i % 999 + 1}. Improve the system ({'Ministry of Finance' if i % 2 else 'x'}).\n"
                for i in range(2000)
            )
        ),
    )
    yield "near_limit_one_measure", lambda: _fill("Improve the system. ", NEAR_LIMIT - 3) + b"1. "
    yield "near_limit_measure_then_prose", lambda: b"1. " + _fill("Improve the system. ")
    yield "near_limit_number_words", lambda: _fill("twenty one. Do it. ")
    yield "near_limit_paren_groups", lambda: b"1. Improve " + _fill("(a) ") + b"\n2. Next.\n"
    yield (
        "near_limit_paren_groups_distinct",
        lambda: b"1. Improve " + _fill("".join(f"(a{i}) " for i in range(5000))),
    )
    yield "near_limit_headings", lambda: _fill("I. Heading\n(1) Sub heading\n")
    yield "near_limit_headings_cr_only", lambda: b"1. A\r" + _fill("I. Heading\r")
    yield "near_limit_headings_no_breaks", lambda: b"1. A " + _fill("I. Heading ")
    yield "near_limit_spaces", lambda: b"1. A" + _fill(" ") + b"(SIPO)"
    yield "near_limit_question_marks", lambda: b"1. A" + _fill("?") + b"x"
    yield "near_limit_huge_attribution", lambda: b"1. Improve. (" + _fill("Ministry of Finance, ")
    yield (
        "many_measures_increasing",
        lambda: _fill("".join(f"{i}. Improve item {i}.\n" for i in range(1, 1000))),
    )
    yield (
        "many_long_attributions",
        lambda: "".join(
            f"{i}. Improve. (" + "Ministry of Finance and " * 30 + "SIPO)\n" for i in range(1, 900)
        ).encode(),
    )
    yield "many_vocabulary_lists", _vocabulary_lists


def _nesting() -> Iterator[Case]:
    yield "nested_parens", lambda: ("1. Do " + "(" * DEPTH + "x" + ")" * DEPTH + ".\n").encode()
    yield (
        "nested_fullwidth_parens",
        lambda: ("1. Do " + "（" * DEPTH + "x" + "）" * DEPTH + ".\n2. Next.\n").encode(),
    )
    yield "open_parens_only", lambda: ("1. Do " + "(" * 200_000 + "\n2. Next (SIPO)\n").encode()
    yield "close_parens_only", lambda: ("1. Do " + ")" * 200_000 + "\n2. Next (SIPO)\n").encode()
    yield "nested_brackets", lambda: ("1. Do " + "[" * DEPTH + "]" * DEPTH + "\n").encode()
    yield "nested_braces", lambda: ("1. Do " + "{" * DEPTH + "}" * DEPTH + "\n").encode()
    yield (
        "nested_attribution",
        lambda: (
            "1. Do it. " + "(Ministry of Finance " * DEPTH + ")" * DEPTH + "\n2. Next.\n"
        ).encode(),
    )
    yield (
        "nested_headings_markdown",
        lambda: "".join(
            f"{'#' * (i % 7 + 1)} {i % 40 + 1}. Heading\n" for i in range(DEPTH)
        ).encode(),
    )
    yield (
        "nested_blockquotes",
        lambda: "".join(">" * i + f" {i}. Improve.\n" for i in range(1, 950)).encode(),
    )
    yield (
        "nested_lists",
        lambda: "".join("  " * i + f"- {i % 50 + 1}. Improve.\n" for i in range(650)).encode(),
    )
    yield (
        "nested_numbering",
        lambda: "".join(
            ".".join(["1"] * (i % 50 + 1)) + ". Improve.\n" for i in range(DEPTH)
        ).encode(),
    )
    yield "nested_html", lambda: ("<div>" * DEPTH + _plan() + "</div>" * DEPTH).encode()
    yield "nested_emphasis", lambda: ("*" * DEPTH + _plan() + "*" * DEPTH).encode()
    yield (
        "nested_chinese_headings",
        lambda: "".join(
            f"（{'一二三四五六七八九十'[i % 10]}）标题\n{'一二三四五六七八九十'[i % 10]}、标题\n"
            for i in range(DEPTH)
        ).encode(),
    )
    yield (
        "parens_per_measure",
        lambda: "".join(
            f"{i}. Improve {'(' * 50}the system{')' * 50}. (SIPO)\n" for i in range(1, 200)
        ).encode(),
    )


def _markup() -> Iterator[Case]:
    plan = _plan()
    yield "script_tags", lambda: ("<script>alert(1)</script>\n" + plan).encode()
    yield (
        "html_page",
        lambda: (
            "<!DOCTYPE html><html><head><title>x</title></head><body><pre>"
            + plan
            + "</pre><script>document.cookie</script></body></html>"
        ).encode(),
    )
    yield "html_only", lambda: b"<html><body><p>Hello</p></body></html>"
    yield "svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    yield (
        "xml_entities",
        lambda: (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + '<!ENTITY lol2 "&lol;&lol;&lol;">]><x>&lol2;</x>\n'
            + plan
        ).encode(),
    )
    yield (
        "script_in_attribution",
        lambda: _plan(attribution="<script>alert('Ministry')</script>").encode(),
    )
    yield "formula_in_text", lambda: plan.replace("Improve", "=cmd|' /C calc'!A0").encode()
    yield "formula_attribution", lambda: _plan(attribution='=HYPERLINK("http://x")').encode()
    yield (
        "markdown_links",
        lambda: plan.replace("patents", "[patents](javascript:alert(1))").encode(),
    )
    yield "markdown_images", lambda: ("![x](http://e/x.png)\n" + plan).encode()
    yield "html_entities", lambda: plan.replace("the", "&amp;&#x3c;&lt;").encode()
    yield "json_document", lambda: b'{"measures": [1, 2, 3], "text": "1. Improve"}'
    yield "csv_document", lambda: b"number,text\n1,Improve\n2,Protect\n"
    yield "yaml_document", lambda: b"- 1. Improve\n- 2. Protect\n"
    yield "base64_blob", lambda: __import__("base64").b64encode(random.Random(3).randbytes(30_000))
    yield "minified_js", lambda: b"!function(e){var t={};" * 5000
    yield "sql_injection", lambda: plan.replace("Improve", "'; DROP TABLE measures; --").encode()
    yield (
        "template_injection",
        lambda: plan.replace("Improve", "{{7*7}} ${7*7} <%= 7*7 %>").encode(),
    )
    yield "path_traversal_text", lambda: b"1. ../../../../etc/passwd\n2. C:\\Windows\\system32\n"
    yield "latex_math", lambda: plan.replace("Improve", "$4 \\sim 5$ $$ \\sim $ \\sim").encode()


def _unicode() -> Iterator[Case]:
    plan = _plan()
    seed = _seed(1)
    yield "zero_width_between_chars", lambda: "\u200b".join(plan).encode()
    yield "zero_width_joiners", lambda: plan.replace(" ", "\u200d \u200c").encode()
    yield "word_joiner_digits", lambda: plan.replace(".", "\u2060.").encode()
    yield "rtl_override", lambda: ("\u202e" + plan.replace("\n", "\u202c\n\u202e")).encode()
    yield "bidi_isolates", lambda: plan.replace("Improve", "\u2067Improve\u2069").encode()
    yield "rtl_arabic", lambda: "١. تحسين النظام (وزارة المالية)\n٢. حماية البراءات\n".encode()
    yield "hebrew", lambda: "1. שיפור המערכת (משרד האוצר)\n2. הגנה\n".encode()
    yield "zalgo", lambda: "".join(c + "\u0301\u0302\u0303\u0304" * 5 for c in plan).encode()
    yield "emoji", lambda: plan.replace(" ", " 🦀 ").encode()
    yield "fullwidth_digits", lambda: plan.replace("1.", "１．").encode()
    yield "math_digits", lambda: plan.replace("1", "𝟏").encode()
    yield "superscript_digits", lambda: plan.replace("1", "¹").encode()
    yield (
        "fullwidth_seed",
        lambda: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in seed).encode(),
    )
    yield "homoglyphs", lambda: plan.replace("o", "о").replace("a", "а").encode()
    yield "ligatures", lambda: plan.replace("fi", "ﬁ").encode()
    yield "nbsp_everywhere", lambda: plan.replace(" ", "\u00a0").encode()
    yield "private_use", lambda: plan.replace("e", "\ue000").encode()
    yield "noncharacters", lambda: plan.replace("e", "\ufffe\uffff").encode()
    yield "replacement_chars", lambda: plan.replace("e", "\ufffd").encode()
    yield "tag_characters", lambda: plan.replace(" ", "\U000e0041 ").encode()
    yield "variation_selectors", lambda: "\ufe0f".join(plan).encode()
    yield "interlinear", lambda: plan.replace("the", "\ufff9the\ufffa\ufffb").encode()


def _numbering() -> Iterator[Case]:
    def numbered(numbers: list[int]) -> bytes:
        return "".join(f"{n}. Improve the system {n}. (SIPO)\n" for n in numbers).encode()

    yield "gaps", lambda: numbered([1, 2, 5, 6, 20, 21, 40])
    yield "duplicates", lambda: numbered([1, 2, 2, 3, 3, 3, 4])
    yield "all_ones", lambda: numbered([1] * 500)
    yield "descending", lambda: numbered(list(range(100, 0, -1)))
    yield "starts_late", lambda: numbered(list(range(500, 560)))
    yield "zero", lambda: numbered([0, 0, 0])
    yield "huge_numbers", lambda: b"99999999999999999999999. Improve.\n1e308. Improve.\n"
    yield "negative", lambda: b"-1. Improve.\n-2. Protect.\n"
    yield "decimals", lambda: b"1.1. Improve.\n1.2. Protect.\n2.0 Next.\n"
    yield "random_order", lambda: numbered(random.Random(5).sample(range(1, 300), 299))
    yield "sawtooth", lambda: numbered([n for _ in range(50) for n in range(1, 12)])
    yield "big_gaps", lambda: numbered(list(range(1, 9000, 37)))
    yield "words_and_digits", lambda: b"One. Improve.\n2. Protect.\nthree. Enforce.\nFour. Do.\n"
    yield "number_words_large", lambda: b"one hundred and ninety nine. Improve.\n" * 50
    yield "roman_only", lambda: b"I. Improve.\nII. Protect.\nIII. Enforce.\nMMMMMMMM. X.\n"
    yield "omitted_ranges", lambda: b"1. Improve.\nMeasures 2-9999 (Omitted)\n10000. Next.\n"
    yield "omitted_overlap", lambda: b"Measures 1-5 (Omitted)\nMeasures 3-7 (Omitted)\n4. X.\n"
    yield "omitted_reversed", lambda: b"Measures 9-2 (Omitted)\n1. Improve.\n"
    yield "only_headings", lambda: b"I. Improving\nII. Protecting\n(1) Sub\n(2) Sub\n"
    yield "chinese_numerals", lambda: "一、总则\n十一、其他\n（十）细则\n1. 完善。\n".encode()
    yield "dotted_years", lambda: b"2012. The year.\n2020. Another.\n201212. Glued.\n"
    yield "measure_without_text", lambda: b"1.\n2.\n3. \n4.(SIPO)\n"
    yield "empty_attributions", lambda: b"1. Improve ().\n2. Protect (  ).\n3. Do (())\n"
    yield "attribution_only", lambda: b"1. (State Intellectual Property Office)\n2. (SIPO)\n"


def _seed_mutations() -> Iterator[Case]:
    for i in range(30):

        def mutate(i: int = i) -> bytes:
            rng = random.Random(1000 + i)
            data = bytearray(_seed(i).encode())
            kind = i % 6
            if kind == 0:  # flip bytes
                for _ in range(50):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            elif kind == 1:  # delete runs
                for _ in range(20):
                    at = rng.randrange(len(data))
                    del data[at : at + rng.randrange(1, 400)]
            elif kind == 2:  # shuffle lines
                lines = bytes(data).split(b"\n")
                rng.shuffle(lines)
                data = bytearray(b"\n".join(lines))
            elif kind == 3:  # duplicate runs
                for _ in range(20):
                    at = rng.randrange(len(data))
                    data[at:at] = data[at : at + rng.randrange(1, 600)]
            elif kind == 4:  # drop every parenthesis or dot
                data = bytearray(bytes(data).replace(b"(" if i % 2 else b".", b""))
            else:  # insert hostile characters
                for _ in range(100):
                    at = rng.randrange(len(data))
                    data[at:at] = rng.choice(
                        ["\u202e", "\u200b", "(", ")", "\x00", "\r", "1. ", "（", "=", "\ufeff"]
                    ).encode()
            return bytes(data)

        yield f"seed_mutation_{i:02d}", mutate
    yield "all_seeds_concatenated", lambda: "\n".join(_seed(i) for i in range(5)).encode()
    yield "seed_repeated", lambda: (_seed(3) * 20).encode()
    yield "seed_all_numbers_one", lambda: __import__("re").sub(r"\d+\.", "1.", _seed(0)).encode()
    yield "seed_reversed_lines", lambda: "\n".join(reversed(_seed(2).splitlines())).encode()
    yield "seed_reversed_chars", lambda: _seed(0)[::-1].encode()
    yield "seed_upper", lambda: _seed(1).upper().encode()
    yield "seed_lower", lambda: _seed(4).lower().encode()
    yield "seed_no_spaces", lambda: _seed(2).replace(" ", "").encode()
    yield (
        "seed_interleaved",
        lambda: "\n".join(
            a + "\n" + b for a, b in zip(_seed(0).splitlines(), _seed(3).splitlines(), strict=False)
        ).encode(),
    )


def cases() -> Iterator[Case]:
    """Every malformed document: (file stem, function making its bytes)."""
    for family in (
        _empty,
        _binary,
        _encodings,
        _truncated,
        _nul_and_controls,
        _line_endings,
        _huge,
        _nesting,
        _markup,
        _unicode,
        _numbering,
        _seed_mutations,
    ):
        yield from family()


def generate(directory: Path) -> list[Path]:
    """Write every malformed document into `directory` as NNN_name.txt; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for n, (name, make) in enumerate(cases()):
        path = directory / f"{n:03d}_{name}.txt"
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "malformed")
    files = generate(out)
    print(f"wrote {len(files)} files to {out}")
