"""One plan, two renderings, the same measures, bodies and roles: a plan as plain text and
as a Word document (python-docx), in simplified and in traditional characters (OpenCC),
and as a PDF printed by Chromium (marked browser). Plans are the test plans in
tests/data/plans/ and plans generated from their parts (hypothesis): numbering styles,
parts, attribution forms and languages drawn at random, each with what it must parse to."""

from __future__ import annotations

import html
import io
import re
import subprocess
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipdash import paths
from ipdash.corpus import chinese
from ipdash.corpus.document import ParsedSource, parse_bytes

PLANS = paths.ROOT / "tests" / "data" / "plans"
NAMES = {
    "zh_simplified": 2024,
    "zh_traditional": 2024,
    "zh_2017_style": 2017,
    "zh_2012_style_dun": 2012,
    "en_paren_numbers": 2016,
    "en_numbered_dot": 2020,
}


def folded(text: str | None) -> str | None:
    """Text as compared across renderings: simplified characters, half-width
    punctuation, no whitespace (PDF and Word lay lines out differently)."""
    if text is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", chinese.simplified(text)))


def summary(doc: ParsedSource) -> list[tuple]:
    """What must not depend on the rendering: each measure's number as written, text,
    headings, bodies (registry ids) with roles and role basis, open list."""
    return [
        (
            m.number,
            m.number_written,
            folded(m.text),
            tuple(folded(h.label) for h in m.path),
            tuple(
                (x.resolution.agency_id or x.resolution.group_id or x.raw_name, x.role, x.basis)
                for x in doc.mentions.get(m.number, [])
            ),
            m.open_list,
        )
        for m in doc.parsed.measures
    ]


def docx_of(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_of(text: str, tmp_path, chromium: str) -> bytes:
    """The text printed to PDF by headless Chromium: one paragraph per line, A4, a CJK
    font (Debian's fonts-noto-cjk), lines wrapped by the browser."""
    page = tmp_path / "plan.html"
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        "@page { size: A4; margin: 2cm } "
        "body { font-family: 'Noto Serif CJK SC', 'Noto Sans CJK SC', serif; font-size: 11pt }"
        "</style></head><body>" + body + "</body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "plan.pdf"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out.read_bytes()


def parse(data: bytes, name: str, year: int) -> ParsedSource:
    return parse_bytes(data, name, plan_year=year)


# ---------------------------------------------------------------------------------------
# The test plans


@pytest.mark.parametrize("name", list(NAMES))
def test_a_plan_as_text_and_as_word_parses_the_same(name):
    text = (PLANS / f"{name}.txt").read_text(encoding="utf-8")
    as_text = parse(text.encode(), f"{name}.txt", NAMES[name])
    as_word = parse(docx_of(text), f"{name}.docx", NAMES[name])
    assert as_word.decoded.decoding == "python-docx paragraphs and tables + utf-8"
    assert summary(as_word) == summary(as_text)


def test_simplified_and_traditional_parse_the_same():
    simplified = parse((PLANS / "zh_simplified.txt").read_bytes(), "s.txt", 2024)
    traditional = parse((PLANS / "zh_traditional.txt").read_bytes(), "t.txt", 2024)
    assert summary(traditional) == summary(simplified)


@pytest.mark.browser
@pytest.mark.parametrize("name", list(NAMES))
def test_a_plan_as_text_and_as_a_pdf_printed_by_chromium_parses_the_same(name, tmp_path, chromium):
    text = (PLANS / f"{name}.txt").read_text(encoding="utf-8")
    as_text = parse(text.encode(), f"{name}.txt", NAMES[name])
    as_pdf = parse(pdf_of(text, tmp_path, chromium), f"{name}.pdf", NAMES[name])
    assert as_pdf.decoded.decoding.startswith("pypdf text layer")
    assert summary(as_pdf) == summary(as_text)


# ---------------------------------------------------------------------------------------
# Generated plans

EN_BODIES = {
    "State Intellectual Property Office": "sipo",
    "Ministry of Justice": "moj",
    "Ministry of Public Security": "mps",
    "Ministry of Commerce": "mofcom",
    "Ministry of Education": "moe",
    "Ministry of Science and Technology": "most",
    "General Administration of Customs": "gacc",
    "Supreme People's Court": "spc",
    "Supreme People's Procuratorate": "spp",
    "State Administration for Industry and Commerce": "saic",
}
ZH_BODIES = {
    "国家知识产权局": "cnipa",
    "司法部": "moj",
    "公安部": "mps",
    "商务部": "mofcom",
    "教育部": "moe",
    "科技部": "most",
    "海关总署": "gacc",
    "最高人民法院": "spc",
    "高检院": "spp",
    "市场监管总局": "samr",
    "中央宣传部（国家版权局）": "cpd",
}
EN_TEXTS = [
    "Improve the rules for examining patent applications in new fields",
    "Train more judges and examiners who understand technology",
    "Carry out a campaign against counterfeit goods sold online",
    "Help small firms turn their patents into products",
    "Publish the annual report on how the strategy is carried out",
    "Study how customs can stop infringing goods at the border",
]
ZH_TEXTS = [
    "完善新领域专利申请审查规则",
    "加强懂技术的审判和审查人才培养",
    "开展网络销售假冒商品专项整治",
    "帮助小微企业把专利转化为产品",
    "发布战略实施年度报告",
    "研究加强边境环节侵权货物查处",
]
EN_PARTS = ["Improving the rules", "Protecting rights", "Using intellectual property"]
ZH_PARTS = ["完善制度规则", "加强权利保护", "促进转化运用"]


@dataclass(frozen=True)
class Generated:
    text: str
    year: int
    expected: list[tuple[int, tuple[tuple[str, str], ...], bool]]  # number, bodies, open


def _attribution(draw: st.DrawFn, zh: bool) -> tuple[str, tuple[tuple[str, str], ...], bool]:
    bodies = ZH_BODIES if zh else EN_BODIES
    names = draw(st.lists(st.sampled_from(sorted(bodies)), min_size=1, max_size=4, unique=True))
    ids = [bodies[n] for n in names]
    form = draw(st.sampled_from(["list", "explicit", "joint", "open"]))
    if len(names) == 1 or form == "list":
        roles = ["lead"] + ["participant"] * (len(names) - 1)
        written = "、".join(names) if zh else ", ".join(names)
        if not zh and draw(st.booleans()):
            written = "Responsible by " + written
        return written, tuple(zip(ids, roles, strict=True)), False
    if form == "explicit":
        roles = ["lead"] + ["participant"] * (len(names) - 1)
        if zh:
            written = f"{names[0]}牵头，{'、'.join(names[1:])}参与"
        else:
            written = f"{names[0]} is responsible, with {' and '.join(names[1:])} participating"
        return written, tuple(zip(ids, roles, strict=True)), False
    if form == "joint":
        written = (
            "、".join(names) + "按职责分工负责"
            if zh
            else ", ".join(names) + ", in accordance with the division of responsibilities"
        )
        return written, tuple((i, "joint") for i in ids), False
    roles = ["lead"] + ["participant"] * (len(names) - 1)
    written = "、".join(names) + "等部门" if zh else ", ".join(names) + " and other departments"
    return written, tuple(zip(ids, roles, strict=True)), True


@st.composite
def plans(draw: st.DrawFn) -> Generated:
    zh = draw(st.booleans())
    style = draw(st.sampled_from(["{}.", "{}、", "（{}）"] if zh else ["{}.", "({})", "{})"]))
    restart = not zh and style == "({})" and draw(st.booleans())
    n_parts = draw(st.integers(1, 3))
    lines = ["2024年知识产权工作推进计划" if zh else "Promotion Plan for 2016", ""]
    expected = []
    number = 0
    for part in range(n_parts):
        marker = "一二三"[part] + "、" if zh else ["I.", "II.", "III."][part] + " "
        lines.append(marker + (ZH_PARTS if zh else EN_PARTS)[part])
        for k in range(draw(st.integers(1, 4))):
            number += 1
            written_no = k + 1 if restart else number
            text = draw(st.sampled_from(ZH_TEXTS if zh else EN_TEXTS))
            attribution, bodies, open_list = _attribution(draw, zh)
            opening, closing, stop = ("（", "）", "。") if zh else ("(", ")", ".")
            lines.append(f"{style.format(written_no)} {text}{stop}{opening}{attribution}{closing}")
            expected.append((number, bodies, open_list))
    return Generated("\n".join(lines) + "\n", 2024 if zh else 2016, expected)


def _found(doc: ParsedSource) -> list[tuple[int, tuple[tuple[str, str], ...], bool]]:
    return [
        (
            m.number,
            tuple(
                (x.resolution.agency_id, x.role)
                for x in doc.mentions.get(m.number, [])
                if x.resolution.kind == "agency"
            ),
            m.open_list,
        )
        for m in doc.parsed.measures
    ]


@given(plan=plans())
def test_a_generated_plan_parses_to_what_it_was_made_of_in_every_rendering(plan):
    as_text = parse(plan.text.encode(), "plan.txt", plan.year)
    assert _found(as_text) == plan.expected
    as_word = parse(docx_of(plan.text), "plan.docx", plan.year)
    assert summary(as_word) == summary(as_text)
    if chinese.has_han(plan.text):
        import opencc

        traditional = opencc.OpenCC("s2t").convert(plan.text)
        assert summary(parse(traditional.encode(), "t.txt", plan.year)) == summary(as_text)
