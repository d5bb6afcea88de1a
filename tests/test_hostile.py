"""Hostile and broken input: the path an upload takes (bytes → decoding → cleaning →
parsing → attributions → agency resolution, `ipdash.corpus.document.parse_bytes`) never
crashes. It returns measures or raises ParseError, the one documented error, with a
message that names the file. Property-based: arbitrary bytes and unicode, and
documents built from plan-like fragments (numbered measures, headings, attribution
parentheses, garbage). The budget is set by the hypothesis profile in conftest.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ipdash.corpus.agencies import resolve_attribution, split_names
from ipdash.corpus.clean import clean_text
from ipdash.corpus.document import parse_bytes
from ipdash.corpus.parse import parse_document
from ipdash.corpus.sources import _CONTROL, MAX_DOCUMENT_CHARS, decode_bytes
from ipdash.errors import ParseError

SOURCE = "upload.txt"
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "gb18030"]

# Small real excerpts: measure texts, headings and bodies as the plans write them.
SENTENCES = [
    "Improve laws, regulations and rules",
    "Push forward the building of a patent alliance in strategic emerging industries",
    "Formulate and promulgate the Action Plan (2014–2020)",
    "Implement the 10th Sword Net campaign against online copyright piracy.",
    "Speed ??up the construction of IP service systems.",
    "the 12<sup>th</sup> Five-year Plan",
    "select  $4 \\sim 5$  colleges",
    "State Intellectual Prop-20 —\n\nerty Office",
    "完善知识产权法律制度。",
    "推進《著作權法實施條例》修訂，研究起草民間文學藝術作品保護規定。",
    "开展“剑网2024”专项行动（含网络销售渠道）。",
]
HEADINGS = [
    "I. Improving IP quality",
    "**II.** Promoting IP utilization",
    "#### III. Strengthening IP protection",
    "Second, increase the protection of intellectual property",
    "(1) Reform and perfect the intellectual property policy",
    "一、加强知识产权保护",
    "（二）完善制度",
    "Part 2 Objectives and tasks:",
    "(II) Protecting rights",
    "二、 全面加強知識產權保護。",
    "Raise the quality of IP creation",
    "Specific measures:",
    "— 24 —",
]
NAMES = [
    "State Intellectual Property Office",
    "Ministry of Finance",
    "Supreme People's Court",
    "SIPO",
    "CNIPA",
    "State Administration of Radio, Film, and Television",
    "relevant departments",
    "joint meeting member units",
    "国家知识产权局",
    "國家中醫 藥局",
    "中央宣传部（国家版权局）",
    "新闻出版广电总局(版权局)",
    "联席会议有关成员单位",
    "知识产权局",
    "Ministry of Nowhere",
    "the",
    "and",
]
PHRASINGS = [
    "({})",
    "({}).",
    "(Responsible by {})",
    "({} are responsible)",
    "({}, in accordance with the division of responsibilities)",
    "({} are individually responsible)",
    "（{}）",
    "({}))",
    "({}",
    "{})",
    "(({}))",
    "({0}牵头，{0}参与)",
    "（{0}牵头,{0}配合）",
    "（{}按职责分工负责）",
    "（{}等部门）",
    "（{}负责）",
    "({0} is responsible, with {0} participating)",
    "({0} leads, and {0} participate)",
    "({} are responsible according to their respective duties)",
    "({} and other departments)",
    "(Responsible by: {})",
]
MARKERS = [
    "{}. ",
    "{}．",
    "{}、",
    "**{}.** ",
    "- {}. ",
    "({}) ",
    "（{}）",
    "{}) ",
    "Twelve. ",
    "Measures {}-{} (Omitted)",
    "{}. (Omitted)",
]
HOSTILE = [
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "\u202e",
    "\u200b",
    "\x00",
    "\ufeff",
    "((((",
    "))))",
    "（（（",
    "Google online preview",
    "the department listed first is the leading department",
    "Note: where more than one department is named, the department named\nfirst leads.",
    "注：排在第一位的为牵头单位。",
    "⼀、⻔",
    "Oﬃce ﬁrst",
    "本计划共部署一百二十项重点任务。",
    "twenty one. ",
    "one hundred and ninety nine. ",
    "IV. ",
    "2012. ",
    "1.2.3. ",
    "??????",
    "-" * 40,
    " " * 40,
]
SEPARATORS = ["\n", "\r\n", "\r", " ", "", "\n\n", "\u2028", "\t", "\n\n\n"]


@st.composite
def attributions(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(NAMES) | st.text(max_size=12), min_size=1, max_size=5))
    separator = draw(st.sampled_from([", ", "、", " and ", "; ", ",", ", and "]))
    return draw(st.sampled_from(PHRASINGS)).format(
        separator.join(names).replace("{", "(").replace("}", ")")
    )


@st.composite
def markers(draw: st.DrawFn) -> str:
    low = draw(st.integers(min_value=0, max_value=1200))
    high = draw(st.integers(min_value=0, max_value=1200))
    return draw(st.sampled_from(MARKERS)).format(low, high)


FRAGMENTS = st.one_of(
    markers(),
    st.sampled_from(SENTENCES),
    attributions(),
    st.sampled_from(HEADINGS),
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
)


@st.composite
def plan_like(draw: st.DrawFn) -> str:
    """A document of plan-like fragments: mostly numbered measures in order (with gaps,
    repeats and jumps), with headings, attributions and garbage between them."""
    parts = []
    number = draw(st.integers(min_value=0, max_value=3))
    for _ in range(draw(st.integers(min_value=0, max_value=30))):
        number += draw(st.sampled_from([1, 1, 1, 0, 2, -1, 7, 20]))
        kind = draw(st.integers(min_value=0, max_value=4))
        if kind < 3:
            parts.append(f"{number}. {draw(st.sampled_from(SENTENCES))} {draw(attributions())}")
        else:
            parts.append(draw(FRAGMENTS))
        parts.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(parts)


def check_error(exc: ParseError) -> None:
    """A clear error: it names the file, says what is wrong, on one line."""
    message = str(exc)
    assert message.startswith(SOURCE + ": ")
    assert exc.source == SOURCE
    assert exc.problem.strip()
    assert "\n" not in message
    assert exc.line is None or exc.line >= 1


def outcome(data: bytes) -> str:
    """Parse an upload; check what came back. 'measures' or 'error'."""
    try:
        result = parse_bytes(data, SOURCE)
    except ParseError as exc:
        error = exc
    else:
        error = None
    if error is not None:
        check_error(error)
        return "error"
    check_document(result.decoded.text, result.parsed)
    assert not _CONTROL.search(result.decoded.text)
    numbers = {m.number for m in result.parsed.measures if m.names}
    assert set(result.mentions) == numbers
    roles = {m.number: m.roles for m in result.parsed.measures}
    for number, mentions in result.mentions.items():
        assert [m.position for m in mentions] == list(range(1, len(mentions) + 1))
        assert {m.role for m in mentions} <= {"lead", "participant", "joint"}
        assert {m.basis for m in mentions} <= {"explicit", "stated", "inferred"}
        # several leads only where the attribution names them in words ("X、Y牵头")
        assert sum(m.role == "lead" for m in mentions) <= 1 or roles[number] == "explicit"
        assert all(m.raw_name.strip() for m in mentions)
    decisions = result.parsed.decisions
    assert decisions is not None
    assert decisions.language in ("zh", "en")
    assert set(decisions.open_lists) <= {m.number for m in result.parsed.measures}
    return "measures"


def check_document(text, parsed) -> None:
    """What holds for every parsed document: measures in increasing order, offsets
    inside the text, attributions in parentheses, headings on their levels."""
    measures = parsed.measures
    assert measures
    numbers = [m.number for m in measures]
    assert numbers == sorted(set(numbers))
    for m in measures:
        assert m.status in ("present", "omitted_in_source")
        assert 0 <= m.start <= m.end <= len(text)
        assert m.start <= m.text_start <= len(text)
        assert m.text_end <= len(text)
        if m.status == "present":
            assert m.text == m.text.strip()
            assert "\n" not in m.text
        if m.attribution_raw is not None:
            assert text[m.attribution_start : m.attribution_end] == m.attribution_raw
            assert m.attribution_raw[0] in "(（"
            assert m.roles in ("lead_first", "joint", "explicit")
            assert m.names
        for heading in m.path:
            assert 1 <= heading.level <= len(parsed.level_names)
    for heading in parsed.headings:
        assert 0 <= heading.start <= heading.end <= len(text)
    for warning in parsed.warnings:
        assert warning.line is None or warning.line >= 1


@given(st.binary(max_size=4000))
@example(b"")
@example(b"\xff\xfe")
@example(b"\x00" * 64)
@example("1. Improve (SIPO)".encode("utf-16-le")[:-1])
def test_any_bytes_give_measures_or_a_parse_error(data):
    outcome(data)


@given(st.text(max_size=3000), st.sampled_from(ENCODINGS))
def test_any_text_in_any_encoding_gives_measures_or_a_parse_error(text, encoding):
    outcome(text.encode(encoding, errors="replace"))


@given(plan_like(), st.sampled_from(ENCODINGS))
@example("1. Improve (SIPO)\n2. Protect (CNIPA)", "utf-8")
@example("Measures 1-9999 (Omitted)\n10000. Next", "utf-8")
@example("1. Do ((((((SIPO))))))\n2. (", "utf-16-le")
def test_plan_like_documents_give_measures_or_a_parse_error(text, encoding):
    outcome(text.encode(encoding, errors="replace"))


@given(st.text(max_size=3000))
def test_parse_document_on_any_text(patterns, text):
    try:
        parsed = parse_document(text, patterns, SOURCE)
    except ParseError as exc:
        parsed, error = None, exc
    if parsed is None:
        check_error(error)
    else:
        check_document(text, parsed)


@given(plan_like())
def test_parse_document_on_plan_like_text(patterns, text):
    try:
        parsed = parse_document(text, patterns, SOURCE)
    except ParseError:
        return
    check_document(text, parsed)


@given(st.text(max_size=2000) | plan_like())
def test_clean_text_is_total_and_leaves_one_line_of_single_spaces(patterns, text):
    cleaned = clean_text(text, patterns.cleaning)
    assert cleaned == cleaned.strip()
    assert not re.search(r"\s\s", cleaned)


@given(st.text(max_size=900) | attributions(), st.sampled_from(["lead_first", "joint"]))
def test_any_list_of_names_splits_and_resolves(patterns, registry, names, roles):
    pieces = split_names(names, registry, patterns.attribution)
    assert all(p.strip() for p in pieces)
    mentions = resolve_attribution(names, roles, registry, patterns.attribution, date(2020, 7, 1))
    assert [m.raw_name for m in mentions] == pieces
    expected = (
        ["lead"]
        if len(pieces) == 1
        else ["joint"] * len(pieces)
        if roles == "joint"
        else ["lead"] + ["participant"] * (len(pieces) - 1)
    )
    assert [m.role for m in mentions] == expected[: len(pieces)]


@given(st.text(max_size=2000), st.sampled_from(ENCODINGS))
def test_decoding_returns_clean_text_or_a_parse_error(text, encoding):
    try:
        decoded = decode_bytes(text.encode(encoding, errors="replace"), SOURCE)
    except ParseError as exc:
        decoded, error = None, exc
    if decoded is None:
        check_error(error)
        return
    assert not _CONTROL.search(decoded.text)
    assert not decoded.text.startswith("\ufeff")
    assert decoded.decoding


def test_a_document_longer_than_any_plan_is_refused_at_once():
    with pytest.raises(ParseError, match=r"upload.txt: the document is 10.0 MB: more than a plan"):
        parse_bytes(b"x" * 10_000_000, SOURCE)
    with pytest.raises(ParseError, match=r"is 500,001 characters long"):
        parse_bytes(b"1. Improve. " + b"x" * (MAX_DOCUMENT_CHARS - 11), SOURCE)


def test_parse_bytes_gives_what_the_build_gives(parsed_seeds):
    from ipdash import paths

    seed = parsed_seeds["2020"]
    got = parse_bytes((paths.DEFAULT_RAW / seed.source.file).read_bytes(), seed.source.file)
    assert got.parsed == seed.parsed
    assert got.decoded == seed.decoded
    assert got.mentions == seed.mentions
    assert (got.source.plan_year, got.source.period_label) == (2020, "2020")


def test_parse_bytes_refuses_an_implausible_year():
    with pytest.raises(ParseError, match="plan year 20 is not between 1990 and 2100"):
        parse_bytes(b"1. Improve.", SOURCE, plan_year=20)
