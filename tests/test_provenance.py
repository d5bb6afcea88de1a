"""Where a measure comes from, in words: citation, rendering, passage, reasons, search."""

from __future__ import annotations

import json
from datetime import date

from ipdash.present import provenance


def test_renderings_are_described_in_words():
    assert provenance.describe_rendering("en (machine translation)", "web-scrape") == (
        "English web page, unofficial machine translation"
    )
    assert (
        provenance.describe_rendering("zh", "pdf-text") == "Chinese original, text taken from a PDF"
    )
    assert provenance.describe_rendering("en", "plain-text") == (
        "English plain text, a translation (the Chinese text is the official one)"
    )


def test_a_measure_is_cited_like_a_document():
    d = {
        "measure_no": 41,
        "period_label": "2021–2022",
        "plan_title": "A Plan",
        "issuing_body": "The Office",
        "issue_date": date(2021, 3, 5),
        "section_path": "I. Laws › (2) Courts",
        "language": "en (translation)",
        "rendering": "plain-text",
    }
    assert provenance.citation(d) == (
        "Measure 41 of the 2021–2022 plan, “A Plan”; issued by The Office, 5 March 2021; "
        "under “I. Laws › (2) Courts”; English plain text, a translation (the Chinese text "
        "is the official one)."
    )
    undated = provenance.citation(
        d | {"issuing_body": None, "issue_date": None, "section_path": None}
    )
    assert (
        "issued by issuer not stated in the text, date not stated in the text; English" in undated
    )


def test_theme_reasons_read_as_sentences_and_keep_the_rule_apart():
    evidence = json.dumps(
        {
            "decision": "subject theme in the main action (R2)",
            "matches": [
                {"theme": "emerging", "phrase": "Big Data", "zone": "lead clause"},
                {"theme": "emerging", "phrase": "big data", "zone": "first sentence"},
                {"theme": "emerging", "phrase": "blockchain", "zone": "first sentence"},
                {"theme": "quality", "phrase": "examination", "zone": "first sentence"},
            ],
            "section_prior": {"theme": "emerging", "heading": "II. New fields"},
            "scores": {"emerging": 9.5, "quality": 2.0},
        }
    )
    labels = {"emerging": "Emerging fields", "quality": "Quality"}
    reasons = provenance.theme_reasons(evidence, labels, "emerging")
    assert reasons.sentences == (
        "Its main action speaks of “Big Data”, which the codebook files under Emerging fields.",
        "Further on it mentions “blockchain”.",
        "It also touches on Quality, less prominently.",
        "It stands under “II. New fields”, a section about Emerging fields.",
    )
    assert reasons.technical == (
        "decision: subject theme in the main action (R2); scores: Emerging fields 9.5, Quality 2.0"
    )


def test_search_terms_are_marked_and_text_stays_text():
    assert provenance.highlight("Trade secrets <b>and</b> TRADE marks", "trade") == (
        "<mark>Trade</mark> secrets &lt;b&gt;and&lt;/b&gt; <mark>TRADE</mark> marks"
    )
    assert provenance.highlight("a <i>b</i>", "  ") == "a &lt;i&gt;b&lt;/i&gt;"
    # 20 characters: the 7 of the term and 6 on each side.
    assert provenance.snippet("Protect trade secrets of firms", "SECRETS", 20) == (
        "…trade «secrets» of fi…"
    )
    assert provenance.snippet("no match here", "patent") == ""


def test_the_passage_shows_the_measure_inside_its_document():
    document = "alpha beta gamma MEASURE TEXT delta epsilon zeta"
    start = document.index("MEASURE")
    end = start + len("MEASURE TEXT")
    assert provenance.passage(document, start, end, context=9) == (
        "…gamma ",
        "MEASURE TEXT",
        " delta…",
    )
    assert provenance.passage_html("<x> M", 4, 5, 10) == "&lt;x&gt; <mark>M</mark>"
