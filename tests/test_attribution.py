"""ipdash.corpus.attribution: phrasings and roles of the text in parentheses."""

from __future__ import annotations

import pytest

from ipdash.corpus.attribution import looks_like_body_list, match_phrasing, split_simple


@pytest.mark.parametrize(
    ("content", "phrasing", "roles", "names"),
    [
        (
            "Ministry of Science and Technology",
            "bare_list",
            "lead_first",
            "Ministry of Science and Technology",
        ),
        (
            "Responsible by State Administration for Market Regulation",
            "responsible_by",
            "lead_first",
            "State Administration for Market Regulation",
        ),
        (
            "Responsible for Intellectual Property Office",
            "responsible_by",
            "lead_first",
            "Intellectual Property Office",
        ),
        (
            "In charge of the General Administration of Market Supervision",
            "responsible_by",
            "lead_first",
            "the General Administration of Market Supervision",
        ),
        (
            "The Supreme People's Court is responsible",
            "is_responsible",
            "lead_first",
            "The Supreme People's Court",
        ),
        (
            "The Ministry of Science and Technology and the China Association for Science and Technology are responsible for",
            "is_responsible",
            "lead_first",
            "The Ministry of Science and Technology and the China Association for Science and Technology",
        ),
        (
            "The Ministry of Finance and Intellectual Property Office are respectively responsible for their duties",
            "individually_responsible",
            "joint",
            "The Ministry of Finance and Intellectual Property Office",
        ),
        (
            "The Supreme People's Court, the Ministry of Justice are individually responsible for their duties",
            "individually_responsible",
            "joint",
            "The Supreme People's Court, the Ministry of Justice",
        ),
        (
            "The Intellectual Property Office, and the CCPIT are responsible for their duties",
            "responsible_for_their_duties",
            "joint",
            "The Intellectual Property Office, and the CCPIT",
        ),
        (
            "The Supreme People’s Procuratorate and the General Administration of Customs are responsible for their duties respectively",
            "responsible_for_their_duties",
            "joint",
            "The Supreme People’s Procuratorate and the General Administration of Customs",
        ),
        (
            "Responsible by Ministry of Finance and State Intellectual property Administration in accordance with the division of responsibilities",
            "division_of_responsibilities",
            "joint",
            "Ministry of Finance and State Intellectual property Administration",
        ),
    ],
)
def test_match_phrasing(patterns, content, phrasing, roles, names):
    phrase = match_phrasing(content, patterns.attribution)
    assert (phrase.phrasing, phrase.roles, phrase.names) == (phrasing, roles, names)


def test_match_phrasing_rejects_empty_and_overlong(patterns):
    assert match_phrasing("  ", patterns.attribution) is None
    assert match_phrasing("x" * 900, patterns.attribution) is None


def test_split_simple(patterns):
    assert split_simple("the A Office, B Bureau and the C Court", patterns.attribution) == [
        "A Office",
        "B Bureau",
        "C Court",
    ]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ("Ministry of Industry and Information Technology", True),
        (
            "State-owned Assets Supervision and Administration Commission and State Intellectual Property Office",
            True,
        ),
        ("Draft", False),
        ("2021-2025", False),
        ("parks, enterprises, and guiding stations", False),
        ("autonomous regions, municipalities directly under the Central Government", False),
    ],
)
def test_looks_like_body_list(patterns, names, expected):
    assert looks_like_body_list(names, patterns.attribution) is expected
