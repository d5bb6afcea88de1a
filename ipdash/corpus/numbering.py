"""Where measures are numbered: every candidate marker in a plan's text (measure
numbers, omitted ranges, heading markers) and the chain of numbers that carries the
measures. Pure functions over the patterns in data/patterns/structure.yaml; the parser
(ipdash.corpus.parse) assembles the document around the chain."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ipdash.corpus.patterns import Patterns, StructurePatterns

# A plan has at most a few thousand measures (the seeds have 79-126 numbered items with
# headings); far more numbered items is not a plan, and each costs parsing time.
MAX_CANDIDATES = 20_000
# A jump in numbering larger than this is not read as a continuation of the same list.
MAX_GAP = 10
# Measures are numbered below this; larger numbers are years or quantities.
MAX_MEASURE_NUMBER = 9999
# Scores for choosing the measure chain: every measure counts far more than any
# preference between markers, so the longest run always wins.
_ELEMENT_SCORE = 1000.0
_GAP_PENALTY = 300.0

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_DECORATION_CHARS = " \t*_#>-+•"
_STRONG_BEFORE = set(")）.。;；:：\"”'’")
_OPENERS = "\"“‘'(（[【《"


@dataclass(frozen=True)
class Marker:
    """A place in the text where a measure, an omitted range or a heading may start."""

    kind: str  # "measure" | "omitted" | "heading"
    family: str  # e.g. "arabic_dot", "number_words", "roman_dot", "paren_arabic"
    tier: int  # heading tier (measures: -1)
    lo: int  # number (first number of an omitted range)
    hi: int  # last number covered (== lo except for omitted ranges)
    start: int
    end: int  # offset just after the marker and its trailing spaces
    strength: float  # how clearly the context says "a new item starts here"
    line_start: bool


# ---------------------------------------------------------------------------------------
# Markers


def _context(text: str, pos: int) -> tuple[bool, float]:
    """(at line start?, strength) for a marker starting at pos."""
    i = pos
    steps = 0
    while i > 0 and text[i - 1] in _DECORATION_CHARS and steps < 12:
        i -= 1
        steps += 1
    if i == 0 or text[i - 1] in "\n\r":
        return True, 3.0
    j = pos
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    prev = text[j - 1] if j > 0 else ""
    if not prev or prev in _STRONG_BEFORE:
        return False, 2.0
    if j < pos:
        return False, 1.0
    return False, 0.5


def _followed_by_text(text: str, pos: int) -> int | None:
    """If pos is followed (after at most 6 spaces, line breaks or emphasis marks) by the
    start of a sentence, return the offset where the text starts; else None."""
    end = min(len(text), pos + 6)
    j = pos
    while j < end and text[j] in " \t\r\n\u3000*_":
        j += 1
    if j >= len(text):
        return None
    ch = text[j]
    if ch.isalpha() or ch in _OPENERS:
        return j
    return None


def _roman_value(numeral: str) -> int | None:
    total = 0
    for i, ch in enumerate(numeral):
        value = _ROMAN[ch]
        if i + 1 < len(numeral) and _ROMAN[numeral[i + 1]] > value:
            total -= value
        else:
            total += value
    if total <= 0 or total > 50 or _to_roman(total) != numeral:
        return None
    return total


def _to_roman(value: int) -> str:
    out = []
    for number, numeral in (
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


def _chinese_value(numeral: str, digits: dict[str, int]) -> int | None:
    if not numeral or any(ch not in digits for ch in numeral):
        return None
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + digits[numeral[1]] if len(numeral) == 2 else None
    if len(numeral) == 1:
        return digits[numeral]
    if len(numeral) == 2 and numeral[1] == "十":
        return digits[numeral[0]] * 10
    if len(numeral) == 3 and numeral[1] == "十":
        return digits[numeral[0]] * 10 + digits[numeral[2]]
    return None


def _word_value(word: str, patterns: Patterns) -> int | None:
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    roman = _roman_value(word.upper()) if set(word.upper()) <= set(_ROMAN) else None
    if roman:
        return roman
    return patterns.structure.number_words.get(word)


class TooManyMarkersError(Exception):
    pass


def _capped(found: list[Marker]) -> None:
    if len(found) > MAX_CANDIDATES:
        raise TooManyMarkersError


def find_markers(text: str, patterns: Patterns) -> list[Marker]:
    """Every candidate marker in the text, sorted by position: measure numbers of every
    family ("1." / "1、", "(1)" / "（1）", "1)", "twenty one."), omitted ranges and
    heading markers."""
    found: list[Marker] = []
    _arabic_dot_markers(text, found)
    _bracketed_markers(text, patterns, found)
    _number_word_markers(text, patterns, found)
    _omitted_markers(text, patterns, found)
    _heading_markers(text, patterns, found)
    found.sort(key=lambda mk: (mk.start, mk.kind != "omitted", mk.kind != "measure"))
    return found


def _arabic_dot_markers(text: str, found: list[Marker]) -> None:
    """Numbers followed by a full stop or 、 (12. / 12．/ 12、), not decimals, dotted
    section numbers or years."""
    for m in re.finditer(r"(?<!\d)\d+[.．、]", text):  # from the first digit: linear time
        digits = m.group()[:-1]
        start = m.start()
        after = m.end()
        if after < len(text) and text[after].isdigit():
            continue  # a decimal or a dotted section number (2.0, 1.2.3)
        if start > 0 and text[start - 1] in ".,":
            continue  # the tail of 1.2. or 10,000.
        glued_year = False
        if len(digits) > 3:
            if 5 <= len(digits) <= 7 and digits[:2] in {"19", "20"}:
                digits = digits[4:]
                start += 4
                glued_year = True
            else:
                continue
        value = int(digits)
        if value == 0 or value > MAX_MEASURE_NUMBER:
            continue
        text_start = _followed_by_text(text, after)
        if text_start is None:
            continue
        line_start, strength = _context(text, start)
        if glued_year:
            line_start, strength = False, 0.5
        found.append(
            Marker(
                "measure", "arabic_dot", -1, value, value, start, text_start, strength, line_start
            )
        )
        _capped(found)


def _bracketed_markers(text: str, patterns: Patterns, found: list[Marker]) -> None:
    """Numbers in brackets or before a closing bracket ((1) / （1） / 1)), one family per
    pattern of structure.yaml's measure_numbers."""
    for family in patterns.structure.measure_numbers:
        for m in family.regex.finditer(text):
            value = int(m.group("num"))
            if value == 0 or value > MAX_MEASURE_NUMBER:
                continue
            text_start = _followed_by_text(text, m.end())
            if text_start is None:
                continue
            line_start, strength = _context(text, m.start())
            found.append(
                Marker(
                    "measure",
                    family.name,
                    -1,
                    value,
                    value,
                    m.start(),
                    text_start,
                    strength,
                    line_start,
                )
            )
            _capped(found)


_DOT = re.compile("[.．]")


def _number_word_matches(text: str, structure: StructurePatterns) -> Iterator[re.Match[str]]:
    """What number_word_regex.finditer(text) finds, searched only just before each full
    stop: every match ends in one and holds none, so each lies within the longest form's
    length before its own. A quarter of the time of scanning every letter of the text."""
    regex = structure.number_word_regex
    reach = max(map(len, structure.number_words)) + 1
    after_previous = 0
    for dot in _DOT.finditer(text):
        at = dot.start()
        found = regex.search(text, max(after_previous, at - reach), at + 1)
        if found:
            yield found
        after_previous = at + 1


def _number_word_markers(text: str, patterns: Patterns, found: list[Marker]) -> None:
    """Numbers spelled out by machine translations ("twenty one.")."""
    structure = patterns.structure
    for m in _number_word_matches(text, structure):
        words = " ".join(m.group("words").lower().replace("-", " ").split())
        value = structure.number_words.get(words)
        if value is None:
            continue
        start = m.start()
        glued = start > 0 and text[start - 1].isalpha()
        if glued and " " not in words:
            continue  # "often." holds "ten." but is not a number
        text_start = _followed_by_text(text, m.end())
        if text_start is None or not text[text_start].isupper():
            continue
        line_start, strength = _context(text, start)
        found.append(
            Marker(
                "measure",
                "number_words",
                -1,
                value,
                value,
                start,
                text_start,
                min(strength, 1.0) if not line_start else strength,
                line_start,
            )
        )
        _capped(found)


def _omitted_markers(text: str, patterns: Patterns, found: list[Marker]) -> None:
    """Ranges the source leaves out ("Measures 55—63 (Omitted)")."""
    for m in patterns.structure.omitted_range.finditer(text):
        lo, hi = int(m.group("lo")), int(m.group("hi"))
        if not 0 < lo <= hi <= MAX_MEASURE_NUMBER or hi - lo > 500:
            continue
        line_start, strength = _context(text, m.start())
        found.append(
            Marker("omitted", "omitted_range", -1, lo, hi, m.start(), m.end(), strength, line_start)
        )
        _capped(found)


def _heading_markers(text: str, patterns: Patterns, found: list[Marker]) -> None:
    """Heading markers of every pattern in structure.yaml (I. / Second, / 一、 / （一）)."""
    structure = patterns.structure
    for pattern in structure.headings:
        for m in pattern.regex.finditer(text):
            groups = m.groupdict()
            if groups.get("word"):
                value = structure.ordinal_words.get(groups["word"].lower())
            elif "roman" in pattern.name:
                value = _roman_value(groups["num"])
            elif "chinese" in pattern.name:
                value = _chinese_value(groups["num"], structure.chinese_numerals)
            else:
                value = _word_value(groups.get("num") or "", patterns)
            if not value:
                continue
            text_start = _followed_by_text(text, m.end())
            if text_start is None:
                continue
            line_start, strength = _context(text, m.start())
            found.append(
                Marker(
                    "heading",
                    pattern.name,
                    pattern.tier,
                    value,
                    value,
                    m.start(),
                    text_start,
                    strength,
                    line_start,
                )
            )
            _capped(found)


# ---------------------------------------------------------------------------------------
# The measure chain


def select_measures(markers: list[Marker]) -> list[Marker]:
    """The longest run of increasing measure numbers, in text order.

    Dynamic programme over candidates in position order. A chain element scores far more
    than any preference, so the longest chain wins; among chains of equal length the
    one with stronger markers wins, and between equal markers the later one, which
    skips a part heading numbered like the measure right after it.
    """
    best: dict[int, tuple[float, int]] = {}  # last number -> (score, candidate index)
    back: dict[int, int | None] = {}
    scores: dict[int, float] = {}
    items = [mk for mk in markers if mk.kind in ("measure", "omitted")]
    for idx, mk in enumerate(items):
        count = mk.hi - mk.lo + 1
        own = _ELEMENT_SCORE * count + mk.strength
        start_score = own - _GAP_PENALTY * min(mk.lo - 1, MAX_GAP + 2)
        score, prev = start_score, None
        for value in range(max(0, mk.lo - MAX_GAP - 1), mk.lo):
            entry = best.get(value)
            if entry is None:
                continue
            candidate = entry[0] + own - _GAP_PENALTY * (mk.lo - 1 - value)
            if candidate > score:
                score, prev = candidate, entry[1]
        scores[idx] = score
        back[idx] = prev
        current = best.get(mk.hi)
        if current is None or score >= current[0]:
            best[mk.hi] = (score, idx)
    if not best:
        return []
    end_idx = max(best.values(), key=lambda e: (e[0], items[e[1]].hi))[1]
    chain: list[Marker] = []
    cursor: int | None = end_idx
    while cursor is not None:
        chain.append(items[cursor])
        cursor = back[cursor]
    chain.reverse()
    return chain


# ---------------------------------------------------------------------------------------
# Which numbers carry the measures

# Families that join any chain: numbers a translation spelled out, ranges left out.
_WILDCARDS = ("number_words", "omitted_range")
# A marker this strong starts an item (line start 3, after a closing bracket or full
# stop 2): the text up to the next one is the item's, for telling whether it ends in an
# attribution. Weaker markers sit inside sentences ("including (1) … (2) …").
_ITEM_START_STRENGTH = 2.0
# Characters that may follow an attribution before the next item (with the markdown
# decoration before the next item's number).
_AFTER_CLOSE = " \t\r\n.;。；*_#>-+•|"


@dataclass(frozen=True)
class FamilyTried:
    """One way of numbering measures the parser tried, and what it found."""

    family: str
    items: int  # items in the best chain of this family
    closed: int  # of them, items whose text ends in a parenthesis (an attribution)
    restarts: int  # parts in which the numbering starts again at 1


@dataclass(frozen=True)
class Numbering:
    """The numbers that carry the measures, as decided from the document."""

    family: str  # "arabic_dot" (1. 1、 1．) | "paren_arabic" ((1) （1）) | "arabic_paren" (1)) | …
    chain: tuple[Marker, ...]
    restarts: frozenset[int]  # positions in the chain where the numbering starts again at 1
    tried: tuple[FamilyTried, ...]  # every family tried, the chosen one first

    @property
    def runs_on(self) -> bool:
        """True if the numbers run on through the document, False if each part restarts."""
        return not self.restarts


def choose_numbering(text: str, markers: list[Marker]) -> Numbering | None:
    """The family of numbers that carries the measures: the one whose items most often
    end in an attribution (a closing parenthesis before the next item), then the one
    with most items, then "1."; within a family, one run through the document unless
    the numbers start again at 1 in every part (at least two) and restarting finds more
    items. None if no family has any item."""
    families = sorted(
        {mk.family for mk in markers if mk.kind == "measure" and mk.family not in _WILDCARDS}
    )
    if not families:  # numbers only spelled out, or only ranges left out
        families = ["number_words"]
    starts = [mk.start for mk in markers if mk.strength >= _ITEM_START_STRENGTH]
    options: list[tuple[tuple[int, int, bool], Numbering]] = []
    for family in families:
        items = [
            mk
            for mk in markers
            if mk.kind == "omitted" or (mk.kind == "measure" and mk.family in (family, *_WILDCARDS))
        ]
        chain = select_measures(items)
        restarts: frozenset[int] = frozenset()
        parted, parted_restarts, every_part = _restarting_chain(
            items, _part_starts(markers, family)
        )
        if every_part and parted_restarts and len(parted) > len(chain):
            chain, restarts = parted, parted_restarts
        closed = sum(_ends_closed(text, mk, starts) for mk in chain)
        tried = FamilyTried(family, len(chain), closed, len(restarts))
        options.append(
            (
                (closed, len(chain), family == "arabic_dot"),
                Numbering(family, tuple(chain), restarts, (tried,)),
            )
        )
    options.sort(key=lambda o: o[0], reverse=True)
    best = options[0][1]
    if not best.chain:
        return None
    tried = tuple(t for _, n in options for t in n.tried)
    return Numbering(best.family, best.chain, best.restarts, tried)


def _part_starts(markers: list[Marker], family: str) -> list[int]:
    """Where parts start, for numbers that restart in each part: top-level heading
    markers (tier 0-1) that open a line or follow a full stop, and "1." markers of
    another family (a part heading "1." above measures "(1)")."""
    return [
        mk.start
        for mk in markers
        if mk.strength >= _ITEM_START_STRENGTH
        and (
            (mk.kind == "heading" and mk.tier <= 1)
            or (mk.kind == "measure" and mk.family == "arabic_dot" != family)
        )
    ]


def _restarting_chain(
    items: list[Marker], part_starts: list[int]
) -> tuple[list[Marker], frozenset[int], bool]:
    """The measure chain of each part (between part starts), end to end; the positions
    in it where a part's numbering starts again at 1; and whether every part with
    measures starts at 1 (numbers that run on start later in later parts)."""
    chain: list[Marker] = []
    restarts: set[int] = set()
    every_part = True
    bounds = [*part_starts, float("inf")]
    cursor = 0
    for i, bound in enumerate(bounds):
        part: list[Marker] = []
        while cursor < len(items) and items[cursor].start < bound:
            part.append(items[cursor])
            cursor += 1
        found = select_measures(part)
        if found and found[0].lo != 1:
            every_part = False
        elif found and chain and i > 0:
            restarts.add(len(chain))
        chain.extend(found)
    return chain, frozenset(restarts), every_part


def _ends_closed(text: str, mk: Marker, starts: list[int]) -> bool:
    """True if the item starting at mk ends in a closing parenthesis before the next
    strong marker (or the end of the text), as an item with an attribution does."""
    i = bisect.bisect_right(starts, mk.start)
    end = starts[i] if i < len(starts) else len(text)
    j = end
    while j > mk.end and text[j - 1] in _AFTER_CLOSE and end - j < 40:
        j -= 1
    return j > mk.end and text[j - 1] in ")）"
