"""ipdash.corpus.clean and the cleaning rules in data/patterns/cleaning.yaml."""

from __future__ import annotations

import pytest

from ipdash.corpus.clean import clean_text, comparable_words, strip_decoration


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("State Intellectual Prop-20 —\n\nerty Office", "State Intellectual Property Office"),
        ("a patent alli-\n\nance in", "a patent alliance in"),
        ("self-\nregulation of the industry", "self-regulation of the industry"),
        ("*Interim Provi-*\n\n\n\nsions on *IP Management*", "Interim Provisions on IP Management"),
        ("courts\n\n- having jurisdiction", "courts having jurisdiction"),
        ("the 12<sup>th</sup> Five-year Plan", "the 12th Five-year Plan"),
        ("select  $4 \\sim 5$  colleges", "select 4 ~ 5 colleges"),
        ("Speed ??up the construction", "Speed up the construction"),
        ("give priority\n\nto revising", "give priority to revising"),
        ("courts\n**— 24 —** \nhaving", "courts having"),
    ],
)
def test_clean_text(patterns, raw, clean):
    assert clean_text(raw, patterns.cleaning) == clean


@pytest.mark.parametrize(
    "literal",
    [
        "<script>alert(1)</script> stays",
        "a [link](http://example.com) stays",
        "costs $5 and $6 stay",
        "a*b*c stays",
    ],
)
def test_markup_that_is_not_formatting_stays_literal(patterns, literal):
    assert clean_text(literal, patterns.cleaning) == literal


def test_strip_decoration():
    assert strip_decoration("#### **III.** ") == "III."


def test_comparable_words_ignore_quotes_dashes_and_case():
    assert comparable_words("State—owned “Assets”, Well-known") == [
        "state",
        "owned",
        "assets",
        "well",
        "known",
    ]
