"""ipdash.corpus.numbering: spelled-out numbers are searched only before full stops, and
find exactly what scanning the whole text finds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ipdash.corpus.numbering import _number_word_matches
from ipdash.corpus.patterns import load_patterns

STRUCTURE = load_patterns().structure
PIECES = [
    *list(STRUCTURE.number_words)[::7],
    "one hundred and ninety nine",
    "Twenty-One",
    "often",
    "rules",
    "a",
    "hundred",
    ".",
    "．",
    "..",
    " ",
    "\n",
    "X",
]


@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=80))
def test_number_words_are_found_as_a_scan_of_the_whole_text_finds_them(pieces):
    text = "".join(pieces)
    scanned = [(m.start(), m.end()) for m in STRUCTURE.number_word_regex.finditer(text)]
    assert [(m.start(), m.end()) for m in _number_word_matches(text, STRUCTURE)] == scanned


def test_a_number_glued_to_a_word_and_one_across_a_line_break():
    text = "Improve the rulestwenty two. Protect rights. One hundred and one. often.\nten."
    assert [m.group("words") for m in _number_word_matches(text, STRUCTURE)] == [
        "twenty two",
        "One hundred and one",
        "ten",
        "ten",
    ]
