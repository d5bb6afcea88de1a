"""ipdash.corpus.parse: golden tests on the seed plans, and variants built from them
(re-wrapped, renumbered, re-worded, other heading styles) so that parsing is tested
on the document structure, not on these five files."""

from __future__ import annotations

import re

import pytest

from ipdash.corpus.parse import guess_metadata, parse_document, select_measures
from ipdash.errors import ParseError
from tests.conftest import seed_text


def parse(text, patterns):
    return parse_document(text, patterns)


def path_of(measure) -> list[str]:
    return [h.label for h in measure.path]


# --- the seeds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_id", "n_rows", "n_present", "levels"),
    [
        ("2012-pdf", 90, 90, ("part",)),
        ("2012-md", 90, 90, ("part",)),
        ("2014", 79, 70, ("part",)),
        ("2020", 100, 100, ("part", "section")),
        ("2022", 115, 115, ("part", "section")),
    ],
)
def test_seed_counts_and_levels(parsed_seeds, doc_id, n_rows, n_present, levels):
    parsed = parsed_seeds[doc_id].parsed
    assert len(parsed.measures) == n_rows
    assert len(parsed.present) == n_present
    assert [m.number for m in parsed.measures] == list(range(1, n_rows + 1))
    assert parsed.level_names == levels


def test_2014_omitted_range_is_recorded_as_rows(parsed_seeds):
    measures = parsed_seeds["2014"].parsed.measures
    omitted = [m.number for m in measures if m.status == "omitted_in_source"]
    assert omitted == list(range(55, 64))
    assert {m.text for m in measures if m.status == "omitted_in_source"} == {""}
    assert path_of(measures[54]) == ["V. Promoting IP International Exchange"]
    assert path_of(measures[63]) == ["VI. Promoting Fundamental IP Capabilities"]
    assert not parsed_seeds["2014"].parsed.has_attributions


def test_2014_texts_lose_page_debris_and_emphasis(parsed_seeds):
    measures = parsed_seeds["2014"].parsed.measures
    assert measures[27].text == (
        "Implement the 10th Sword Net campaign against online copyright piracy and "
        "infringement, implement special crackdown activities on online copyright piracy "
        "and infringement."
    )
    assert measures[71].text == (
        "Formulate and promulgate the Action Plan for Deepening the Implementation of the "
        "National Intellectual Property Strategy (2014–2020)."
    )
    assert "implement Interim Provisions on IP Management of Major National" in measures[44].text
    # The last measure of a section does not swallow the next heading or its goals.
    assert measures[6].text.endswith("form IP portfolios with advantages.")


def test_2012_sections_and_dehyphenation(parsed_seeds):
    measures = parsed_seeds["2012-pdf"].parsed.measures
    assert path_of(measures[0]) == ["I. Improving IP quality"]
    assert path_of(measures[89]) == ["VIII. Fostering IP culture"]
    assert measures[13].text == (
        "Push forward the building of a patent alliance in strategic emerging industries, "
        "and guide the establishment of about 30 industrial patent alliances."
    )
    assert measures[21].text == (
        "Draw up Service Invention Regulations (Draft) and promote and the transformation "
        "and utilization of service inventions."
    )
    assert measures[21].attribution_raw == (
        "(State Intellectual Prop-\n\nerty Office and Ministry of Science and Technology)"
    )
    assert measures[34].names == "State Administration for Industry and Commerce"
    assert measures[72].text.endswith(
        "productivity promotion centers, etc., and improve their service capability."
    )


def test_2012_headings_carry_their_objectives(parsed_seeds):
    heading = parsed_seeds["2012-pdf"].parsed.headings[0]
    assert heading.label == "I. Improving IP quality"
    assert heading.intro.startswith("Objectives and tasks: perfect the IP evaluation system")
    assert heading.intro.endswith("promote the increase in IP value.")


def test_2012_markdown_rendering_is_cleaned(parsed_seeds):
    measures = parsed_seeds["2012-md"].parsed.measures
    parsed = parsed_seeds["2012-md"].parsed
    assert [h.label for h in parsed.headings][2] == "III. Promoting IP utilization"
    assert measures[21].attribution_text == (
        "State Intellectual Property Office and Ministry of Science and Technology"
    )
    assert "during the 12th Five-year Plan Period" in measures[58].text
    assert "select 4 ~ 5 colleges and universities" in measures[88].text
    assert measures[40].text.startswith("Optimize the distribution of jurisdiction over IP cases")
    assert "grassroots people's courts having jurisdiction" in measures[40].text
    assert not parsed.warnings


def test_2020_run_on_scrape(parsed_seeds):
    parsed = parsed_seeds["2020"].parsed
    m = parsed.measures
    # Part headings in mixed styles, sections in brackets, glued to the measures.
    assert path_of(m[0]) == [
        "1. Deepen reform in the field of intellectual property",
        "(1) Reform and perfect the intellectual property policy",
    ]
    assert path_of(m[20]) == [
        "1. Deepen reform in the field of intellectual property",
        "(2) Deepen the reform of “delegating services” in the field of intellectual property",
    ]
    assert path_of(m[21]) == [
        "Second, increase the protection of intellectual property rights",
        "(1) Improve laws, regulations and rules",
    ]
    assert path_of(m[54]) == [
        "3. Promote the creation and application of intellectual property",
        "(1) Improve the quality and efficiency of intellectual property examination",
    ]
    assert path_of(m[81]) == [
        "4. Deepening international exchanges and cooperation in intellectual property"
    ]
    assert path_of(m[87]) == [
        "V. Strengthen top-level design and organization and implementation",
        "(1) Strengthen strategic planning and implementation of intellectual property rights",
    ]
    # Spelled-out numbers.
    assert m[20].text.startswith("Continue to implement the pre-confirmation system")
    assert m[21].text.startswith('Cooperate with the revision of the "Patent Law"')
    # Damaged characters.
    assert m[38].text.startswith(
        "Speed up the issuance of trademark infringement judgment standards."
    )
    # The trailing footer and role note are not part of measure 100.
    assert m[99].text.endswith(
        "Incorporate intellectual property related content in various knowledge contests."
    )
    assert m[99].attribution_raw == (
        "(The Ministry of Science and Technology and the China Association for Science and "
        "Technology are responsible for)"
    )
    assert parsed.role_note == (
        "In the above division of tasks, multiple departments are responsible, the first "
        "department is the lead department, and the other are the participating departments."
    )
    assert (
        parsed.preamble
        == "Deepen the implementation of the national intellectual property strategy in 2020"
    )
    assert not parsed.warnings


def test_2020_brackets_inside_a_measure_are_not_headings(parsed_seeds):
    m = parsed_seeds["2020"].parsed.measures[23]
    assert 'Criminal Cases of Intellectual Property Infringement (3)", amend' in m.text
    assert m.text.endswith('under the jurisdiction of Public Security Organs" "(1)(2).')
    assert m.phrasing == "is_responsible"


def test_2022_unlabelled_parts(parsed_seeds):
    parsed = parsed_seeds["2022"].parsed
    m = parsed.measures
    assert path_of(m[0]) == [
        "(unlabelled part 1)",
        "I. Improve laws and regulations on intellectual property rights",
    ]
    assert path_of(m[23]) == ["(unlabelled part 2)", "I. Strengthen judicial protection"]
    assert path_of(m[58]) == [
        "(unlabelled part 3)",
        "I. Improve the quality of intellectual property creation",
    ]
    assert path_of(m[114]) == [
        "(unlabelled part 4)",
        "II. Lay a solid foundation for the development of intellectual property undertakings",
    ]
    unlabelled = [h for h in parsed.headings if h.unlabelled]
    assert [(h.label, h.number, h.marker, h.title) for h in unlabelled] == [
        (f"(unlabelled part {i})", i, "", "") for i in range(1, 5)
    ]


def test_2022_doubled_parenthesis(parsed_seeds):
    parsed = parsed_seeds["2022"].parsed
    m = parsed.measures[60]
    assert m.attribution_raw == "(Responsible by State Intellectual property Administration))"
    assert m.names == "State Intellectual property Administration"
    assert [w.kind for w in parsed.warnings] == ["doubled_parenthesis"]


def test_2022_joint_phrasing(parsed_seeds):
    m = parsed_seeds["2022"].parsed.measures
    assert (m[19].phrasing, m[19].roles, m[19].names) == (
        "division_of_responsibilities",
        "joint",
        "Propaganda Department of Central Committee and State Intellectual property Administration",
    )
    assert sum(1 for x in m if x.roles == "joint") == 21


def test_offsets_trace_to_source(parsed_seeds):
    for doc in parsed_seeds.values():
        text = doc.decoded.text
        for m in doc.parsed.measures:
            if m.status != "present":
                assert text[m.start : m.end].lower().startswith("measures")
                continue
            span = text[m.start : m.end]
            if m.attribution_raw:
                assert span.endswith(m.attribution_raw)
                assert text[m.attribution_start : m.attribution_end] == m.attribution_raw


def test_guess_metadata(parsed_seeds):
    got = {k: guess_metadata(v.parsed) for k, v in parsed_seeds.items()}
    assert (
        got["2012-pdf"].title == "Promotion Plan on the Implementation of National IP Strategy 2012"
    )
    assert got["2012-pdf"].plan_year == 2012
    assert (
        got["2014"].title
        == "Promotion Plan for the Implementation of the National IP Strategy in 2014"
    )
    assert got["2020"].plan_year == 2020
    assert got["2022"].title is None


# --- variants --------------------------------------------------------------------------


def test_run_on_rendering_of_2012_has_the_same_structure(patterns):
    original = parse(seed_text("2012-pdf"), patterns)
    run_on = parse(re.sub(r"\s+", " ", seed_text("2012-pdf")), patterns)
    assert len(run_on.measures) == 90
    assert [path_of(m) for m in run_on.measures] == [path_of(m) for m in original.measures]
    differ = [
        m.number
        for m, o in zip(run_on.measures, original.measures, strict=True)
        if m.names != o.names
    ]
    assert differ == [22]  # "Prop- erty": the line break that marked the hyphenation is gone
    same_text = sum(
        a.text == b.text for a, b in zip(run_on.measures, original.measures, strict=True)
    )
    # Only words hyphenated across a line break differ: the break is gone in a run-on text.
    assert same_text == 85
    assert run_on.headings[1].intro.startswith("Objectives and tasks: build a working system")
    assert not run_on.warnings


def test_renumbered_excerpt_warns_that_it_does_not_start_at_one(patterns):
    text = "\n".join(
        [
            "II. Enforcement",
            "5. Carry out special campaigns. (Ministry of Public Security)",
            "6. Improve customs protection. (General Administration of Customs)",
            "8. Strengthen judicial protection. (Supreme People's Court)",
        ]
    )
    parsed = parse(text, patterns)
    assert [m.number for m in parsed.measures] == [5, 6, 8]
    assert [w.kind for w in parsed.warnings] == ["not_from_one", "numbering_gap"]
    assert parsed.warnings[1].message == "measure number(s) 7 not found between 6 and 8"
    assert parsed.warnings[1].line == 4


def test_duplicate_numbers_are_reported(patterns):
    text = "1. First task. (Ministry of Finance)\n2. Second task. (Ministry of Education)\n2. Third task. (Ministry of Commerce)\n3. Fourth. (Ministry of Justice)\n"
    parsed = parse(text, patterns)
    assert [m.number for m in parsed.measures] == [1, 2, 3]
    assert [w.kind for w in parsed.warnings] == ["duplicate_number"]


def test_reworded_attributions(patterns):
    text = "\n".join(
        [
            "I. Protection",
            "1. Do one thing. (Ministry of Finance is responsible)",
            "2. Do another. (In charge of Ministry of Commerce and Ministry of Justice)",
            "3. Do a third. (Ministry of Education and Ministry of Finance are respectively responsible for their duties)",
            "4. Do a fourth. (Responsible by Ministry of Justice, Ministry of Commerce according to the division of duties)",
            "5. Do a fifth. (Led by Ministry of Science and Technology)",
        ]
    )
    got = [(m.number, m.phrasing, m.roles, m.names) for m in parse(text, patterns).measures]
    assert got == [
        (1, "is_responsible", "lead_first", "Ministry of Finance"),
        (2, "responsible_by", "lead_first", "Ministry of Commerce and Ministry of Justice"),
        (3, "individually_responsible", "joint", "Ministry of Education and Ministry of Finance"),
        (4, "division_of_responsibilities", "joint", "Ministry of Justice, Ministry of Commerce"),
        (5, "responsible_by", "lead_first", "Ministry of Science and Technology"),
    ]


def test_chinese_and_part_markers(patterns):
    text = "\n".join(
        [
            "Part One Strengthen protection",
            "一、Judicial protection",
            "1. Improve trials. (Supreme People's Court)",
            "2. Improve prosecution. (Supreme People's Procuratorate)",
            "二、Administrative protection",
            "3. Carry out campaigns. (State Administration for Market Regulation)",
            "Part Two Promote use",
            "一、Transfer",
            "4. Build platforms. (Ministry of Finance)",
        ]
    )
    parsed = parse(text, patterns)
    assert parsed.level_names == ("part", "section")
    assert [path_of(m) for m in parsed.measures] == [
        ["Part One Strengthen protection", "一、Judicial protection"],
        ["Part One Strengthen protection", "一、Judicial protection"],
        ["Part One Strengthen protection", "二、Administrative protection"],
        ["Part Two Promote use", "一、Transfer"],
    ]


def test_missing_parent_heading_in_the_middle_is_unlabelled(patterns):
    text = "\n".join(
        [
            "I. Protection",
            "(1) Courts",
            "1. Improve trials. (Supreme People's Court)",
            "(2) Customs",
            "2. Border measures. (General Administration of Customs)",
            "(1) Transfer",
            "3. Build platforms. (Ministry of Finance)",
        ]
    )
    parsed = parse(text, patterns)
    assert [path_of(m) for m in parsed.measures] == [
        ["I. Protection", "(1) Courts"],
        ["I. Protection", "(2) Customs"],
        ["(unlabelled part 2)", "(1) Transfer"],
    ]


def test_measures_without_attribution_end_at_the_next_heading(patterns):
    text = "I. Quality\n\nGoals: better.\n\nMeasures:\n\n1. Improve examination.\n\n2. Cut pendency.\n\nII. Use\n\nGoals: more.\n\n3. Promote transfer.\n"
    parsed = parse(text, patterns)
    assert [(m.number, m.text, path_of(m)) for m in parsed.measures] == [
        (1, "Improve examination.", ["I. Quality"]),
        (2, "Cut pendency.", ["I. Quality"]),
        (3, "Promote transfer.", ["II. Use"]),
    ]
    assert parsed.headings[1].intro == "Goals: more."


def test_unknown_text_between_measures_is_reported_not_dropped(patterns):
    text = "1. Do this. (Ministry of Finance)\nThis sentence belongs to nothing.\n2. Do that. (Ministry of Commerce)\n"
    parsed = parse(text, patterns)
    assert [w.kind for w in parsed.warnings] == ["unclassified_text"]
    assert "This sentence belongs to nothing." in parsed.warnings[0].message
    assert parsed.warnings[0].line == 2


def test_brackets_that_are_not_bodies_stay_in_the_text(patterns):
    text = "1. Formulate the plan (2021-2025).\n2. Publish the catalogue (the seventh batch).\n3. Build centres (TISC).\n"
    parsed = parse(text, patterns)
    assert [m.attribution_raw for m in parsed.measures] == [None, None, None]
    assert parsed.measures[0].text == "Formulate the plan (2021-2025)."


def test_single_measure_marked_omitted(patterns):
    parsed = parse(
        "1. Do this. (Ministry of Finance)\n2. (Omitted)\n3. Do that. (Ministry of Commerce)\n",
        patterns,
    )
    assert [m.status for m in parsed.measures] == ["present", "omitted_in_source", "present"]


def test_not_a_plan_raises_parse_error(patterns):
    with pytest.raises(ParseError, match="no numbered measures found"):
        parse("Just a letter with no numbered items at all.", patterns)
    with pytest.raises(ParseError, match="the document is empty"):
        parse("   \n  ", patterns)


def test_select_measures_prefers_the_later_equal_marker(patterns):
    # "1." as a part heading right before measure "1." (the 2020 layout).
    text = "Plan 20201. Deepen reform(1) Reform policy1. Formulate documents. (Ministry of Finance)2. Copy measures. (Ministry of Justice)"
    parsed = parse(text, patterns)
    assert [m.text for m in parsed.measures] == ["Formulate documents.", "Copy measures."]
    assert path_of(parsed.measures[0]) == ["1. Deepen reform", "(1) Reform policy"]
    assert select_measures([]) == []
