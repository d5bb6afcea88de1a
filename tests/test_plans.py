"""Plans the parser has never seen, in other years' formats, in English and Chinese
(tests/data/plans/, written for these tests; see its README): every measure, its number
as written, its headings, bodies (registry ids) and roles, open lists and generic groups
against the expected files, and what the parser says it decided."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from functools import cache

import pytest

from ipdash import paths
from ipdash.corpus import chinese
from ipdash.corpus.document import ParsedSource, parse_bytes

PLANS = paths.ROOT / "tests" / "data" / "plans"
NAMES = [
    "zh_simplified",
    "zh_traditional",
    "zh_2017_style",
    "zh_2012_style_dun",
    "en_paren_numbers",
    "en_numbered_dot",
]

# The registry id of every English name the English plans use (literal: a wrong alias
# in the registry fails here, not silently).
EN_IDS = {
    "State Intellectual Property Office": "sipo",
    "Legislative Affairs Office of the State Council": "lao",
    "State Administration of Press, Publication, Radio, Film and Television (National Copyright Administration)": "sapprft",
    "State Forestry Administration": "sfa",
    "Ministry of Agriculture": "moa",
    "Ministry of Environmental Protection": "mep",
    "Ministry of Public Security": "mps",
    "Ministry of Industry and Information Technology": "miit",
    "Supreme People's Court": "spc",
    "Supreme People's Procuratorate": "spp",
    "General Administration of Customs": "gacc",
    "State Administration for Industry and Commerce": "saic",
    "General Administration of Quality Supervision, Inspection and Quarantine": "aqsiq",
    "Ministry of Finance": "mof",
    "People's Bank of China": "pboc",
    "China Banking Regulatory Commission": "cbrc",
    "Ministry of Commerce": "mofcom",
    "State Administration of Traditional Chinese Medicine": "natcm",
    "National Health and Family Planning Commission": "nhfpc",
    "State Administration of Science, Technology and Industry for National Defense": "sastind",
    "Equipment Development Department of the Central Military Commission": "cmc_edd",
    "Ministry of Foreign Affairs": "mfa",
    "China Council for the Promotion of International Trade": "ccpit",
    "Ministry of Education": "moe",
    "Ministry of Human Resources and Social Security": "mohrss",
    "Office of the Joint Meeting": "jmo",
    "National Bureau of Statistics": "nbs",
    "Intellectual Property Office": "cnipa",
    "General Administration of Market Supervision": "samr",
    "Ministry of Science and Technology": "most",
    "Chinese Academy of Sciences": "cas",
    "Ministry of Agriculture and Rural Affairs": "mara",
    "Forest and Grass Bureau": "nfga",
    "Central Propaganda Department": "cpd",
    "Central Network Information Office": "cac",
    "State Post Bureau": "spb",
    "National Development and Reform Commission": "ndrc",
    "China Banking and Insurance Regulatory Commission": "cbirc",
    "China Securities Regulatory Commission": "csrc",
    "Joint Meeting Office": "jmo",
    "Statistics Bureau": "nbs",
}
# A Chinese form that names another body in an earlier plan than zh_short_forms.csv's
# (written for the 2024 plan) says: the body that existed on the plan's date.
ZH_ERA = {("知识产权局", 2017): "sipo", ("知识产权局", 2012): "sipo", ("广电总局", 2012): "sarft"}
# 食品药品监管局 (the pre-2013 SFDA) is in the registry: the fixtures' list leaves it blank.
ZH_ADDED = {"食品药品监管局": "sfda"}


def expected(name: str, suffix: str = "expected") -> dict:
    return json.loads((PLANS / f"{name}.{suffix}.json").read_text(encoding="utf-8"))


@cache
def parsed(name: str) -> ParsedSource:
    year = expected(name)["plan_year"]
    return parse_bytes((PLANS / f"{name}.txt").read_bytes(), f"{name}.txt", plan_year=year)


@cache
def zh_ids() -> dict[str, str]:
    with (PLANS / "zh_short_forms.csv").open(encoding="utf-8") as handle:
        rows = {r["name_as_written"]: r["agency_id"] for r in csv.DictReader(handle)}
    return {folded(name): agency for name, agency in (rows | ZH_ADDED).items()}


def agency_id(name: str, year: int) -> str:
    if chinese.has_han(name):
        return ZH_ERA.get((name, year), zh_ids()[folded(name)])
    return EN_IDS[name]


def folded(text: str | None) -> str | None:
    """Text as compared: simplified characters, full-width punctuation as half-width,
    no whitespace (a PDF's stray spaces and line breaks)."""
    if text is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", chinese.simplified(text)))


def found(doc: ParsedSource) -> list[dict]:
    """Each measure as the expected files describe one."""
    out = []
    for m in doc.parsed.measures:
        mentions = doc.mentions.get(m.number, [])
        part = m.path[0] if m.path else None
        sub = m.path[1] if len(m.path) > 1 else None
        out.append(
            {
                "seq": m.number,
                "number": m.number_written,
                "number_label": m.label,
                "part": part.marker.rstrip("、.．") or None if part else None,
                "part_heading": part.title if part else None,
                "subpart": sub.marker if sub else None,
                "bodies": [[x.raw_name, x.role] for x in mentions if x.resolution.kind == "agency"],
                "open_list": m.open_list,
                "generic_group": next(
                    (x.raw_name for x in mentions if x.resolution.kind == "generic_group"), None
                ),
                "attribution": m.attribution_raw,
            }
        )
    return out


@pytest.mark.parametrize("name", NAMES)
def test_every_measure_number_heading_body_and_role(name):
    want = expected(name)
    doc = parsed(name)
    got = found(doc)
    assert len(got) == want["measure_count"]
    for g, w in zip(got, want["measures"], strict=True):
        for key in ("seq", "number", "number_label", "part", "open_list"):
            assert g[key] == w[key], (name, w["seq"], key)
        for key in ("part_heading", "subpart", "generic_group", "attribution"):
            assert folded(g[key]) == folded(w[key]), (name, w["seq"], key)
        assert [[folded(n), r] for n, r in g["bodies"]] == [
            [folded(n), r] for n, r in w["bodies"]
        ], (name, w["seq"])


@pytest.mark.parametrize("name", NAMES)
def test_every_body_resolves_to_its_registry_id(name):
    want = expected(name)
    doc = parsed(name)
    year = want["plan_year"]
    for m, w in zip(doc.parsed.measures, want["measures"], strict=True):
        mentions = [
            x for x in doc.mentions.get(m.number, []) if x.resolution.kind != "generic_group"
        ]
        names = [n for n, _ in w["bodies"]]
        assert [x.resolution.agency_id for x in mentions] == [agency_id(n, year) for n in names], (
            name,
            w["seq"],
        )
    assert doc.report().unresolved == ()


def test_traditional_names_are_kept_as_written():
    want = expected("zh_traditional", "expected_as_written")
    got = found(parsed("zh_traditional"))
    for g, w in zip(got, want["measures"], strict=True):
        assert [[re.sub(r"\s+", "", n), r] for n, r in g["bodies"]] == w["bodies"]
        assert re.sub(r"\s+", "", g["attribution"]) == w["attribution"]
    assert (
        parsed("zh_traditional").parsed.measures[5].text.startswith("推進《著作權法實施條例》修訂")
    )


@pytest.mark.parametrize(
    ("name", "numbering", "style", "runs_on", "level", "note"),
    [
        ("zh_simplified", "arabic_dot", "1.", True, "under part (一、) › section (（一）)", True),
        ("zh_traditional", "arabic_dot", "1.", True, "under part (一、) › section ((一))", True),
        ("zh_2017_style", "paren_arabic", "（1）", True, "under part (一、)", False),
        ("zh_2012_style_dun", "arabic_dot", "1、", True, "under part (一、)", False),
        ("en_paren_numbers", "paren_arabic", "(1)", False, "under part (I.)", True),
        ("en_numbered_dot", "arabic_paren", "1)", True, "under part (unnumbered)", False),
    ],
)
def test_what_the_parser_decided(name, numbering, style, runs_on, level, note):
    d = parsed(name).parsed.decisions
    assert (d.numbering, d.numbering_style, d.numbers_run_on, d.measure_level) == (
        numbering,
        style,
        runs_on,
        level,
    )
    assert d.role_note_found is note is expected(name)["role_note"]
    assert d.lead_basis == ("stated" if note else "inferred")
    assert d.language == ("zh" if name.startswith("zh") else "en")


@pytest.mark.parametrize("name", NAMES)
def test_leads_are_stated_inferred_or_explicit(name):
    doc = parsed(name)
    plain = "stated" if doc.parsed.role_note else "inferred"
    for m in doc.parsed.measures:
        for x in doc.mentions.get(m.number, []):
            explicit = m.roles in ("explicit", "joint") or (
                len(doc.mentions[m.number]) == 1 and m.attribution.worded
            )
            assert x.basis == ("explicit" if explicit else plain), (name, m.number)


def test_open_lists_and_unattributed_measures_are_reported():
    assert parsed("zh_simplified").parsed.decisions.open_lists == (26, 40, 42)
    assert parsed("zh_2017_style").parsed.decisions.open_lists == (7,)
    assert parsed("en_paren_numbers").parsed.decisions.open_lists == (4, 15)
    assert parsed("en_numbered_dot").parsed.decisions.open_lists == (10, 16)
    assert all(parsed(n).parsed.decisions.unattributed == () for n in NAMES)
    lines = parsed("zh_simplified").report().lines()
    assert "open lists (…and other departments / 等部门): 26, 40, 42" in lines
    assert (
        "structure: measures numbered 1., running through the document, under part (一、) › section (（一）)"
        in lines
    )
    assert any(line.startswith("name resolved with a note: 知识产权局") for line in lines)


def test_measures_restarting_in_each_part_are_numbered_through_the_plan():
    doc = parsed("en_paren_numbers")
    assert [(m.number, m.number_written, m.path[0].marker) for m in doc.parsed.measures[3:6]] == [
        (4, 4, "I."),
        (5, 1, "II."),
        (6, 2, "II."),
    ]
    assert doc.parsed.warnings == ()


# ---------------------------------------------------------------------------------------
# The other numberings the issue names, in short plans written here: measures "1)" under
# parts "1." and sub-parts "(I)"; measures "1．" under "一、" parts whose headings end in
# "。" or not and "（一）" sub-parts; measures spelled out ("One.") under "I." parts. (The
# State Intellectual Property Office and the CBIRC of a 2024 plan are the bodies of that
# date: CNIPA, NFRA.)

PARTS_1_SUBPARTS_I = """Promotion Plan 2024
1. Raising the quality of creation
(I) Examination
1) Shorten the time taken to examine invention patents (State Intellectual Property Office)
2) Curb patent applications not made in good faith (State Intellectual Property Office, Ministry of Finance)
(II) Protection
3) Punish repeated infringement more heavily (Supreme People's Court, Ministry of Justice)
2. Using rights well
(I) Finance
4) Widen patent pledge financing (China Banking and Insurance Regulatory Commission, State Intellectual Property Office)
5) Train examiners of pledged rights (State Intellectual Property Office)
"""
FULL_WIDTH_DOT = """2024年知识产权强国建设推进计划
一、加强知识产权保护。
（一）完善法律制度。
1．推进专利法实施细则修改。（司法部、国家知识产权局按职责分工负责）
2．研究制定数据知识产权保护规则。（国家知识产权局牵头，中央网信办参与）
（二）强化司法保护。
3．加强知识产权审判队伍建设。（最高人民法院）
二、促进知识产权运用
（三）推动转化
4．开展专利开放许可试点。（国家知识产权局、财政部）
5．扩大知识产权质押融资规模。（金融监管总局、国家知识产权局等部门）
"""
SPELLED_OUT = """Promotion Plan 2024
I. Protection
One. Revise the rules on trade secrets (State Administration for Market Regulation)
Two. Strengthen border measures (General Administration of Customs)
II. Use
Three. Extend patent pledge financing (State Intellectual Property Office, Ministry of Finance)
Four. Build a trading platform (State Intellectual Property Office)
"""


@pytest.mark.parametrize(
    ("text", "decided", "measures"),
    [
        (
            PARTS_1_SUBPARTS_I,
            ("arabic_paren", "1)", True, "under part (1.) › section ((I))", ("1.", "(I)")),
            [
                ("1)", ["1.", "(I)"], [("cnipa", "lead")]),
                ("2)", ["1.", "(I)"], [("cnipa", "lead"), ("mof", "participant")]),
                ("3)", ["1.", "(II)"], [("spc", "lead"), ("moj", "participant")]),
                ("4)", ["2.", "(I)"], [("nfra", "lead"), ("cnipa", "participant")]),
                ("5)", ["2.", "(I)"], [("cnipa", "lead")]),
            ],
        ),
        (
            FULL_WIDTH_DOT,
            ("arabic_dot", "1．", True, "under part (一、) › section (（一）)", ("一、", "（一）")),
            [
                ("1．", ["一、", "（一）"], [("moj", "joint"), ("cnipa", "joint")]),
                ("2．", ["一、", "（一）"], [("cnipa", "lead"), ("cac", "participant")]),
                ("3．", ["一、", "（二）"], [("spc", "lead")]),
                ("4．", ["二、", "（三）"], [("cnipa", "lead"), ("mof", "participant")]),
                ("5．", ["二、", "（三）"], [("nfra", "lead"), ("cnipa", "participant")]),
            ],
        ),
        (
            SPELLED_OUT,
            ("number_words", "number words (One. Two. …)", True, "under part (I.)", ("I.",)),
            [
                ("One.", ["I."], [("samr", "lead")]),
                ("Two.", ["I."], [("gacc", "lead")]),
                ("Three.", ["II."], [("cnipa", "lead"), ("mof", "participant")]),
                ("Four.", ["II."], [("cnipa", "lead")]),
            ],
        ),
    ],
)
def test_other_numberings_and_heading_styles(text, decided, measures):
    doc = parse_bytes(text.encode("utf-8"), "plan.txt", plan_year=2024)
    d = doc.parsed.decisions
    assert (
        d.numbering,
        d.numbering_style,
        d.numbers_run_on,
        d.measure_level,
        d.heading_styles,
    ) == decided
    assert [
        (
            m.label,
            [h.marker for h in m.path],
            [(x.resolution.agency_id, x.role) for x in doc.mentions[m.number]],
        )
        for m in doc.parsed.measures
    ] == measures
    assert doc.parsed.warnings == ()
    assert d.open_lists == ((5,) if text is FULL_WIDTH_DOT else ())
