"""Parse a plan document into its numbered measures, headings and attributions.

Pure: `parse_document` takes the document text and the patterns and returns values;
it never reads files. It works from the document's own structure:

1. Find every candidate marker: measure numbers (12. / twenty one.), omitted ranges
   ("Measures 55—63 (Omitted)") and heading markers (I. / Second, / (1) / 一、).
2. Choose the measures as the longest run of increasing numbers (gaps tolerated and
   reported), preferring markers at line starts or after a closing parenthesis, and,
   between equals, the later one (a part heading "1." just before measure "1.").
3. In each measure's stretch of text, the last parenthesised list of bodies is its
   attribution; what follows it (headings, objectives, page debris, footers) is not
   part of the measure.
4. Accept heading markers at line starts, or glued in a chain right before a measure
   (run-on scrapes), assign heading levels by marker tier, and record a missing parent
   heading as "(unlabelled part N)" when a tier restarts its numbering without one.

Offsets are character offsets into the text passed in, so `text[start:end]` is the
exact source of every measure.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ipdash.corpus.attribution import (
    Phrase,
    is_organisation_like,
    looks_like_body_list,
    match_phrasing,
    split_simple,
)
from ipdash.corpus.clean import clean_text, strip_decoration
from ipdash.corpus.patterns import Patterns
from ipdash.errors import ParseError

# A plan has at most a few thousand measures (the seeds have 79-126 numbered items with
# headings); far more numbered items is not a plan, and each costs parsing time.
MAX_CANDIDATES = 20_000
# A jump in numbering larger than this is not read as a continuation of the same list.
MAX_GAP = 10
# A heading is a title: longer "headings" are prose that happens to start with a number.
HEADING_MAX_CHARS = 300
# A title ends this close to its marker or it is no title: looking further would scan a
# document without line breaks once per candidate heading (quadratic time).
_TITLE_WINDOW = 10 * HEADING_MAX_CHARS
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


@dataclass(frozen=True)
class Heading:
    """A heading of the document, or a placeholder for one the source leaves out."""

    level: int  # 1 = top level
    level_name: str  # "part" | "section" | "subsection"
    number: int
    marker: str  # as in the source, e.g. "II." or "Second,"; "" when unlabelled
    title: str  # clean title without the marker; "" when unlabelled
    label: str  # what users see: "II. Promoting IP utilization" or "(unlabelled part 2)"
    start: int
    end: int
    unlabelled: bool
    intro: str = ""  # the section's objectives paragraph, if the document gives one


@dataclass(frozen=True)
class ParsedMeasure:
    number: int
    status: str  # "present" | "omitted_in_source"
    text: str
    attribution_raw: str | None  # exact source text of the attribution, with parentheses
    attribution_text: str | None  # cleaned content inside the parentheses
    phrasing: str | None  # which attribution phrasing matched
    roles: str | None  # "lead_first" | "joint" | None (no attribution)
    names: str | None  # the list of names, unsplit
    start: int
    end: int
    text_start: int
    text_end: int
    attribution_start: int | None
    attribution_end: int | None
    path: tuple[Heading, ...]  # one heading per level, top first


@dataclass(frozen=True)
class ParseWarning:
    kind: str  # numbering_gap | duplicate_number | not_from_one | no_text | unclassified_text | ...
    message: str
    offset: int | None
    line: int | None
    measure_no: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    measures: tuple[ParsedMeasure, ...]
    headings: tuple[Heading, ...]
    level_names: tuple[str, ...]
    preamble: str
    role_note: str | None
    warnings: tuple[ParseWarning, ...]
    preamble_lines: tuple[str, ...] = ()

    @property
    def present(self) -> list[ParsedMeasure]:
        return [m for m in self.measures if m.status == "present"]

    @property
    def has_attributions(self) -> bool:
        return any(m.attribution_raw for m in self.measures)


BodyListTest = Callable[[str], bool]


@dataclass
class _Lines:
    """Line numbers for offsets (1-based)."""

    starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> _Lines:
        return cls([0] + [m.end() for m in re.finditer("\n", text)])

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


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


class _TooManyMarkersError(Exception):
    pass


def _capped(found: list[Marker]) -> None:
    if len(found) > MAX_CANDIDATES:
        raise _TooManyMarkersError


def find_markers(text: str, patterns: Patterns) -> list[Marker]:
    """Every candidate marker in the text, sorted by position."""
    structure = patterns.structure
    found: list[Marker] = []

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

    for m in structure.number_word_regex.finditer(text):
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

    for m in structure.omitted_range.finditer(text):
        lo, hi = int(m.group("lo")), int(m.group("hi"))
        if not 0 < lo <= hi <= MAX_MEASURE_NUMBER or hi - lo > 500:
            continue
        line_start, strength = _context(text, m.start())
        found.append(
            Marker("omitted", "omitted_range", -1, lo, hi, m.start(), m.end(), strength, line_start)
        )
        _capped(found)

    for pattern in structure.headings:
        for m in pattern.regex.finditer(text):
            groups = m.groupdict()
            if groups.get("word"):
                value = structure.ordinal_words.get(groups["word"].lower())
            elif pattern.name.startswith("roman"):
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

    found.sort(key=lambda mk: (mk.start, mk.kind != "omitted", mk.kind != "measure"))
    return found


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
# Attributions


@dataclass(frozen=True)
class _Attribution:
    start: int
    end: int
    content: str
    phrase: Phrase
    doubled: bool


def _paren_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Top-level balanced parenthesis groups (start, end-exclusive) within [start, end)."""
    groups = []
    depth = 0
    open_at = -1
    for m in re.finditer(r"[()（）]", text[start:end]):
        pos = start + m.start()
        if m.group() in "(（":
            if depth == 0:
                open_at = pos
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                groups.append((open_at, pos + 1))
    return groups


def _ends_body(
    text: str,
    pos: int,
    end: int,
    heading_starts: list[int],
    patterns: Patterns,
    seen: dict[str, bool] | None = None,
) -> bool:
    """True if nothing but punctuation, a line break, a heading, a role note or a footer
    follows pos before the next measure: an attribution closes its measure. `seen`
    remembers what was decided for the text of a line (a measure followed by thousands
    of parenthesised groups repeats the same lines)."""
    j = pos
    while j < end and text[j] in " \t.;。；)）":
        j += 1
    if j >= end or text[j] in "\r\n":
        return True
    i = bisect.bisect_left(heading_starts, j)
    if i < len(heading_starts) and heading_starts[i] == j:
        return True
    line = text[j : min(end, j + 300)].split("\n", 1)[0]
    if seen is not None and line in seen:
        return seen[line]
    ends = bool(patterns.structure.role_note.match(line)) or _is_boilerplate(line, patterns)
    if seen is not None:
        seen[line] = ends
    return ends


def _find_attribution(
    text: str,
    start: int,
    end: int,
    patterns: Patterns,
    is_body_list: BodyListTest,
    heading_starts: list[int],
) -> _Attribution | None:
    """The last parenthesised list of bodies in [start, end) that closes the measure."""
    seen: dict[str, bool] = {}
    for g_start, g_end in reversed(_paren_groups(text, start, end)):
        if not _ends_body(text, g_end, end, heading_starts, patterns, seen):
            continue
        raw_content = text[g_start + 1 : g_end - 1]
        content = clean_text(raw_content, patterns.cleaning)
        if not content or re.fullmatch(r"[\dIVXivx一二三四五六七八九十]{1,4}", content):
            continue
        phrase = match_phrasing(content, patterns.attribution)
        if phrase is None:
            continue
        if phrase.phrasing == "bare_list":
            if not is_body_list(phrase.names):
                continue
        elif not any(
            is_organisation_like(p, patterns.attribution)
            for p in split_simple(phrase.names, patterns.attribution)
        ):
            continue
        doubled = False
        j = g_end
        while j < end and text[j] in " \t":
            j += 1
        if j < end and text[j] in ")）":
            g_end, doubled = j + 1, True
        return _Attribution(g_start, g_end, content, phrase, doubled)
    return None


# ---------------------------------------------------------------------------------------
# Headings


def _heading_title_ok(title: str) -> bool:
    """A heading title starts with a word of two or more letters (not 'Z.' or a number)."""
    head = re.match(r"[^\W\d_]{2,}|[\u4e00-\u9fff]", title)
    return bool(head)


def _title_end(
    text: str, mk: Marker, limit: int, next_starts: list[int], patterns: Patterns
) -> int:
    """Where a heading's title ends: the line end, the next marker, an objectives
    paragraph or a "Specific measures:" label glued after it, or the region end; at most
    _TITLE_WINDOW characters after the marker."""
    end = limit = min(limit, mk.end + _TITLE_WINDOW)
    newline = text.find("\n", mk.end, limit)
    if newline != -1:
        end = newline
    i = bisect.bisect_right(next_starts, mk.start)
    if i < len(next_starts) and next_starts[i] < end:
        end = next_starts[i]
    for pattern in (patterns.structure.section_intro, patterns.structure.section_label):
        found = pattern.search(text, mk.end, end)
        if found and found.start() > mk.end:
            end = found.start()
    return end


def _glued_title(text: str, start: int, end: int, patterns: Patterns) -> bool:
    """True if a heading can sit glued before the next marker at `end`: its title, up to
    an objectives paragraph or label if one follows, is one short line with no sentence
    break inside."""
    for pattern in (patterns.structure.section_intro, patterns.structure.section_label):
        found = pattern.search(text, start, end)
        if found and found.start() > start:
            end = found.start()
    piece = text[start:end]
    if not piece.strip() or "\n" in piece.strip() or len(piece) > HEADING_MAX_CHARS:
        return False
    return not re.search(r"[.;。；][ \t]+[A-Z]", piece)


# ---------------------------------------------------------------------------------------
# The document


def parse_document(
    text: str,
    patterns: Patterns,
    source: str = "<text>",
    is_body_list: BodyListTest | None = None,
) -> ParsedDocument:
    """Parse a plan. Raises ParseError (and nothing else) if the text is not a plan."""
    if is_body_list is None:

        def is_body_list(names: str) -> bool:
            return looks_like_body_list(names, patterns.attribution)

    if not text.strip():
        raise ParseError(source, "the document is empty")
    lines = _Lines.of(text)
    try:
        markers = find_markers(text, patterns)
    except _TooManyMarkersError:
        raise ParseError(
            source,
            f"more than {MAX_CANDIDATES:,} numbered items: this does not look like a plan "
            "(a plan numbers at most a few thousand measures)",
        ) from None
    chain = select_measures(markers)
    if not chain:
        raise ParseError(
            source,
            "no numbered measures found: expected measures numbered 1., 2., 3. … "
            "(digits or words followed by a full stop)",
        )
    return _assemble(text, patterns, markers, chain, lines, is_body_list)


@dataclass
class _Assembly:
    """What the steps assembling one document share: the text, the patterns, line
    numbers and the warnings found so far (in the order they are found)."""

    text: str
    patterns: Patterns
    lines: _Lines
    warnings: list[ParseWarning] = field(default_factory=list)

    def warn(
        self, kind: str, message: str, offset: int | None, measure_no: int | None = None
    ) -> None:
        line = self.lines.line(offset) if offset is not None else None
        self.warnings.append(ParseWarning(kind, message, offset, line, measure_no))


# A measure's body: (start, end, its attribution or None).
_Body = tuple[int, int, _Attribution | None]


def _assemble(
    text: str,
    patterns: Patterns,
    markers: list[Marker],
    chain: list[Marker],
    lines: _Lines,
    is_body_list: BodyListTest,
) -> ParsedDocument:
    """The document from its chosen measure chain: numbering warnings, each measure's
    body and attribution, the headings, the text between measures, the measures with
    their heading paths, and the preamble."""
    asm = _Assembly(text, patterns, lines)
    heading_cands = _heading_candidates(markers, chain)
    heading_starts = [mk.start for mk in heading_cands]
    _numbering_warnings(asm, markers, chain)
    regions, bodies = _measure_bodies(asm, chain, is_body_list, heading_cands, heading_starts)
    accepted, region_of = _accept_headings(asm, regions, heading_cands, heading_starts)
    headings, level_names = _headings_of(asm, accepted, region_of, chain)
    role_note, intros = _read_between_measures(asm, regions, headings)
    headings = tuple(
        Heading(**{**h.__dict__, "intro": intros.get(h.start, "")}) if h.start in intros else h
        for h in headings
    )
    measures = _measures_with_paths(asm, chain, bodies, headings, level_names)
    _attribution_warnings(asm, measures)
    preamble, preamble_lines = _preamble(asm, chain, headings)
    return ParsedDocument(
        measures=tuple(measures),
        headings=tuple(sorted(headings, key=lambda h: (h.start, h.level))),
        level_names=level_names,
        preamble=preamble,
        role_note=role_note,
        warnings=tuple(asm.warnings),
        preamble_lines=preamble_lines,
    )


def _heading_candidates(markers: list[Marker], chain: list[Marker]) -> list[Marker]:
    """Every heading marker, and every measure number left out of the chain (a part
    heading "1." before measure "1."), as a candidate heading, in text order."""
    chain_ids = {id(mk) for mk in chain}
    return [
        mk
        if mk.kind == "heading"
        else Marker(
            "heading", "arabic_dot", 1, mk.lo, mk.hi, mk.start, mk.end, mk.strength, mk.line_start
        )
        for mk in markers
        if id(mk) not in chain_ids and mk.kind in ("heading", "measure")
    ]


def _numbering_warnings(asm: _Assembly, markers: list[Marker], chain: list[Marker]) -> None:
    """Where the chain starts, its gaps, and numbers left out of it that repeat one in it."""
    if chain[0].lo != 1:
        asm.warn(
            "not_from_one",
            f"the first measure found is numbered {chain[0].lo}, not 1",
            chain[0].start,
            chain[0].lo,
        )
    for prev, cur in itertools.pairwise(chain):
        if cur.lo > prev.hi + 1:
            missing = f"{prev.hi + 1}" if cur.lo == prev.hi + 2 else f"{prev.hi + 1}–{cur.lo - 1}"
            asm.warn(
                "numbering_gap",
                f"measure number(s) {missing} not found between {prev.hi} and {cur.lo}",
                cur.start,
                cur.lo,
            )
    chain_ids = {id(mk) for mk in chain}
    numbers_in_chain = {mk.lo for mk in chain if mk.kind == "measure"}
    for mk in markers:
        if (
            mk.kind == "measure"
            and id(mk) not in chain_ids
            and mk.line_start
            and mk.lo in numbers_in_chain
        ):
            asm.warn(
                "duplicate_number",
                f"measure number {mk.lo} appears again on line "
                f"{asm.lines.line(mk.start)}; only one is kept, the other's text stays "
                "inside the measure before it",
                mk.start,
                mk.lo,
            )


def _measure_bodies(
    asm: _Assembly,
    chain: list[Marker],
    is_body_list: BodyListTest,
    heading_cands: list[Marker],
    heading_starts: list[int],
) -> tuple[list[tuple[int, int]], list[_Body]]:
    """Each chain element runs to the next one: its body ends at its attribution, else
    at the first heading at a line start. Returns the regions outside measures (the
    preamble first) and each measure's body."""
    text = asm.text
    bounds = [mk.start for mk in chain] + [len(text)]
    regions: list[tuple[int, int]] = [(0, chain[0].start)]
    bodies: list[_Body] = []
    for i, mk in enumerate(chain):
        seg_end = bounds[i + 1]
        if mk.kind == "omitted":
            bodies.append((mk.end, mk.end, None))
            regions.append((mk.end, seg_end))
            continue
        attribution = _find_attribution(
            text, mk.end, seg_end, asm.patterns, is_body_list, heading_starts
        )
        if attribution is not None:
            bodies.append((mk.end, attribution.start, attribution))
            regions.append((attribution.end, seg_end))
            continue
        cut = _unattributed_body_end(asm, mk, seg_end, heading_cands, heading_starts)
        bodies.append((mk.end, cut, None))
        regions.append((cut, seg_end))
    return regions, bodies


def _unattributed_body_end(
    asm: _Assembly,
    mk: Marker,
    seg_end: int,
    heading_cands: list[Marker],
    heading_starts: list[int],
) -> int:
    """Where a measure without attribution ends: at the first heading at a line start,
    if any, less trailing footers and debris."""
    text = asm.text
    cut = seg_end
    j = bisect.bisect_right(heading_starts, mk.end)
    while j < len(heading_cands) and heading_cands[j].start < seg_end:
        cand = heading_cands[j]
        if cand.line_start and cand.start > mk.end:
            title = text[cand.end : _title_end(text, cand, seg_end, [], asm.patterns)]
            if _heading_title_ok(strip_decoration(title)):
                cut = cand.start
                break
        j += 1
    return _cut_trailing_boilerplate(text, mk.end, cut, asm.patterns)


def _accept_headings(
    asm: _Assembly,
    regions: list[tuple[int, int]],
    heading_cands: list[Marker],
    heading_starts: list[int],
) -> tuple[list[Marker], dict[int, int]]:
    """The heading markers accepted: at line starts within the regions outside measures,
    or glued in a chain right before the next marker (run-on scrapes). Returns them and,
    per heading start, the end of its region."""
    text = asm.text
    accepted: list[Marker] = []
    region_of: dict[int, int] = {}
    for r_start, r_end in regions:
        inside = heading_cands[
            bisect.bisect_left(heading_starts, r_start) : bisect.bisect_left(heading_starts, r_end)
        ]
        chosen: dict[int, Marker] = {}
        boundary = r_end
        for cand in reversed(inside):
            if _glued_title(text, cand.end, boundary, asm.patterns) and _heading_title_ok(
                text[cand.end : boundary].strip()
            ):
                chosen[cand.start] = cand
                boundary = cand.start
            else:
                break
        for cand in inside:
            if cand.line_start and cand.start not in chosen:
                end = _title_end(text, cand, r_end, [], asm.patterns)
                title = strip_decoration(text[cand.end : end])
                if (
                    _heading_title_ok(title)
                    and len(title) <= HEADING_MAX_CHARS
                    and end < cand.end + _TITLE_WINDOW
                ):
                    chosen[cand.start] = cand
        accepted.extend(sorted(chosen.values(), key=lambda c: c.start))
        region_of.update(dict.fromkeys(chosen, r_end))
    return accepted, region_of


def _headings_of(
    asm: _Assembly, accepted: list[Marker], region_of: dict[int, int], chain: list[Marker]
) -> tuple[tuple[Heading, ...], tuple[str, ...]]:
    """The accepted headings with their titles, levels and placeholders for missing ones."""
    text, patterns = asm.text, asm.patterns
    all_starts = sorted([mk.start for mk in accepted] + [mk.start for mk in chain])
    raw_headings = []
    for mk in accepted:
        end = _title_end(text, mk, region_of[mk.start], all_starts, patterns)
        title = clean_text(strip_decoration(text[mk.end : end]), patterns.cleaning)
        marker_text = text[mk.start : mk.end].strip()
        raw_headings.append((mk, end, strip_decoration(marker_text), title))
    return _assign_levels(raw_headings, patterns.structure.level_names)


def _read_between_measures(
    asm: _Assembly, regions: list[tuple[int, int]], headings: tuple[Heading, ...]
) -> tuple[str | None, dict[int, str]]:
    """Text between measures that is not a heading: the role note, section intros (by
    heading start), and a warning for anything else (labels and debris are dropped).
    The preamble (the first region) is read last and never warned about."""
    role_note = None
    intros: dict[int, str] = {}
    heading_spans = sorted((h.start, h.end) for h in headings if not h.unlabelled)
    span_starts = [h_start for h_start, _ in heading_spans]
    for r_start, r_end in [*regions[1:], regions[0]]:
        # Only the spans that reach into the region (spans do not overlap).
        first = bisect.bisect_left(span_starts, r_start)
        while first > 0 and heading_spans[first - 1][1] > r_start:
            first -= 1
        last = bisect.bisect_left(span_starts, r_end)
        pieces = _pieces_outside_headings(r_start, r_end, heading_spans[first:last])
        for p_start, p_end, after_heading in pieces:
            note, leftovers, intro = _classify_piece(
                asm.text, p_start, p_end, after_heading, asm.patterns
            )
            if note and role_note is None:
                role_note = note
            if intro and after_heading is not None:
                intros[after_heading] = (intros.get(after_heading, "") + " " + intro).strip()
            if (r_start, r_end) == regions[0]:
                continue  # the preamble is kept whole, not classified
            for off, snippet in leftovers:
                asm.warn(
                    "unclassified_text",
                    "text between measures that is neither a heading "
                    f"nor a known note was left out: {snippet[:120]!r}",
                    off,
                )
    return role_note, intros


def _measures_with_paths(
    asm: _Assembly,
    chain: list[Marker],
    bodies: list[_Body],
    headings: tuple[Heading, ...],
    level_names: tuple[str, ...],
) -> list[ParsedMeasure]:
    """Every measure of the chain (an omitted range gives one per number) with the
    headings above it."""
    measures: list[ParsedMeasure] = []
    ordered_headings = sorted(headings, key=lambda h: (h.start, h.level))
    path: list[Heading | None] = [None] * len(level_names)
    h_index = 0
    for mk, body in zip(chain, bodies, strict=True):
        while h_index < len(ordered_headings) and ordered_headings[h_index].start <= mk.start:
            h = ordered_headings[h_index]
            path[h.level - 1] = h
            for deeper in range(h.level, len(path)):
                path[deeper] = None
            h_index += 1
        heading_path = tuple(h for h in path if h is not None)
        if mk.kind == "omitted":
            measures.extend(_omitted_range(mk, heading_path))
        else:
            measures.append(_measure(asm, mk, body, heading_path))
    return measures


def _omitted_range(mk: Marker, path: tuple[Heading, ...]) -> list[ParsedMeasure]:
    """One omitted measure per number of a range the source leaves out."""
    return [
        ParsedMeasure(
            number,
            "omitted_in_source",
            "",
            None,
            None,
            None,
            None,
            None,
            mk.start,
            mk.end,
            mk.start,
            mk.end,
            None,
            None,
            path,
        )
        for number in range(mk.lo, mk.hi + 1)
    ]


def _measure(asm: _Assembly, mk: Marker, body: _Body, path: tuple[Heading, ...]) -> ParsedMeasure:
    """One numbered measure: its clean text, status and attribution, with offsets."""
    text = asm.text
    b_start, b_end, attribution = body
    clean = clean_text(text[b_start:b_end], asm.patterns.cleaning)
    status = "omitted_in_source" if asm.patterns.structure.omitted_text.match(clean) else "present"
    if status == "present" and not clean:
        asm.warn("no_text", f"measure {mk.lo} has no text", mk.start, mk.lo)
    end = attribution.end if attribution else b_end
    measure = ParsedMeasure(
        number=mk.lo,
        status=status,
        text=clean if status == "present" else "",
        attribution_raw=text[attribution.start : attribution.end] if attribution else None,
        attribution_text=attribution.content if attribution else None,
        phrasing=attribution.phrase.phrasing if attribution else None,
        roles=attribution.phrase.roles if attribution else None,
        names=attribution.phrase.names if attribution else None,
        start=mk.start,
        end=_rstrip_offset(text, mk.start, end),
        text_start=b_start,
        text_end=_rstrip_offset(text, b_start, b_end),
        attribution_start=attribution.start if attribution else None,
        attribution_end=attribution.end if attribution else None,
        path=path,
    )
    if attribution and attribution.doubled:
        asm.warn(
            "doubled_parenthesis",
            f"measure {mk.lo}: the attribution ends with a doubled closing parenthesis",
            attribution.end - 1,
            mk.lo,
        )
    return measure


def _attribution_warnings(asm: _Assembly, measures: list[ParsedMeasure]) -> None:
    """In a plan that names bodies, each present measure that names none."""
    if any(m.attribution_raw for m in measures):
        for m in measures:
            if m.status == "present" and not m.attribution_raw:
                asm.warn(
                    "no_attribution",
                    f"measure {m.number} names no responsible body",
                    m.start,
                    m.number,
                )


def _preamble(
    asm: _Assembly, chain: list[Marker], headings: tuple[Heading, ...]
) -> tuple[str, tuple[str, ...]]:
    """The text before the first heading or measure, cleaned, whole and line by line."""
    patterns = asm.patterns
    preamble_end = min([chain[0].start] + [h.start for h in headings])
    preamble_lines = [
        strip_decoration(line)
        for line in asm.text[:preamble_end].splitlines()
        if not _is_boilerplate(strip_decoration(line), patterns)
    ]
    preamble = clean_text("\n".join(preamble_lines), patterns.cleaning)
    lines_clean = tuple(c for line in preamble_lines if (c := clean_text(line, patterns.cleaning)))
    return preamble, lines_clean


@dataclass(frozen=True)
class GuessedMetadata:
    """What the text itself says about the plan, to pre-fill a form."""

    plan_year: int | None
    period_label: str | None
    title: str | None


_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)[ \t]*(?:[-–—]|to)[ \t]*((?:19|20)\d\d)(?!\d)")
# A title is a line of the preamble at most this long.
_TITLE_MAX_CHARS = 220


def guess_metadata(parsed: ParsedDocument) -> GuessedMetadata:
    """Guess plan year, period and title from the preamble. Only what the text states:
    a title line naming a plan, and the year or period in it (else the year the
    preamble mentions most)."""
    lines = [line for line in parsed.preamble_lines if len(line) <= _TITLE_MAX_CHARS]
    plan_lines = [
        line
        for line in lines
        if re.search(r"(?i)\bplan\b", line)
        and line[:1].isupper()
        and "," not in line
        and not re.match(r"(?i)(circular|notice)\b", line)
    ]
    title = plan_lines[-1] if plan_lines else (lines[0] if lines else None)
    if title:
        title = re.sub(r"(?i)^the\s+", "", title).strip(" .")
    period = None
    year = None
    if title:
        span = _PERIOD.search(title)
        if span and int(span.group(1)) < int(span.group(2)) <= int(span.group(1)) + 5:
            period = f"{span.group(1)}–{span.group(2)}"
            year = int(span.group(2))
        elif found := _YEAR.findall(title):
            year = int(found[-1])
    if year is None:
        counts: dict[int, int] = {}
        for y in _YEAR.findall(parsed.preamble):
            counts[int(y)] = counts.get(int(y), 0) + 1
        if counts:
            year = max(counts, key=lambda y: (counts[y], y))
    if period is None and year is not None:
        period = str(year)
    return GuessedMetadata(plan_year=year, period_label=period, title=title)


def _rstrip_offset(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _is_boilerplate(line: str, patterns: Patterns) -> bool:
    if not line.strip():
        return True
    if not re.search(r"[^\W_]", line):
        return True  # punctuation only
    if re.fullmatch(r"[—–-]*\s*\d{1,4}\s*[—–-]*", line.strip()):
        return True  # a page number
    return any(p.search(line) for p in patterns.structure.boilerplate)


def _cut_trailing_boilerplate(text: str, start: int, end: int, patterns: Patterns) -> int:
    """Move `end` back over trailing lines that are footers, role notes or debris."""
    while end > start:
        line_start = text.rfind("\n", start, end - 1) + 1
        if line_start <= start:
            break
        line = strip_decoration(text[line_start:end])
        if line and not (
            _is_boilerplate(line, patterns) or patterns.structure.role_note.search(line)
        ):
            break
        end = line_start
    return end


def _pieces_outside_headings(
    start: int, end: int, heading_spans: list[tuple[int, int]]
) -> list[tuple[int, int, int | None]]:
    """Split [start, end) around headings: (piece start, piece end, start of the heading
    the piece follows, or None)."""
    pieces = []
    cursor = start
    after: int | None = None
    for h_start, h_end in heading_spans:
        if h_end <= start or h_start >= end:
            continue
        if h_start > cursor:
            pieces.append((cursor, h_start, after))
        cursor = max(cursor, h_end)
        after = h_start
    if cursor < end:
        pieces.append((cursor, end, after))
    return pieces


def _classify_piece(
    text: str, start: int, end: int, after_heading: int | None, patterns: Patterns
) -> tuple[str | None, list[tuple[int, str]], str]:
    """Sort the text of a piece into (role note, unrecognised snippets, section intro)."""
    structure = patterns.structure
    note = None
    leftovers: list[tuple[int, str]] = []
    intro_parts: list[str] = []
    in_intro = False
    chunk = text[start:end]
    note_match = structure.role_note.search(chunk)
    if note_match:
        sentence_end = re.search(r"[.。](?=\s|$|\?)", chunk[note_match.start() :])
        note_end = note_match.start() + (sentence_end.end() if sentence_end else len(chunk))
        note = clean_text(chunk[note_match.start() : note_end], patterns.cleaning)
        chunk = (
            chunk[: note_match.start()] + " " * (note_end - note_match.start()) + chunk[note_end:]
        )
    offset = start
    for raw_line in chunk.split("\n"):
        line = strip_decoration(raw_line)
        line_offset = offset
        offset += len(raw_line) + 1
        if _is_boilerplate(line, patterns):
            continue
        label = structure.section_label.search(line)
        ends_with_label = label is not None and not line[label.end() :].strip()
        if ends_with_label and label.start() == 0:
            in_intro = False
            continue
        if after_heading is not None and (in_intro or structure.section_intro.match(line)):
            intro_parts.append(line[: label.start()] if ends_with_label else line)
            in_intro = not ends_with_label
            continue
        leftovers.append((line_offset, line))
    intro = clean_text(" ".join(intro_parts), patterns.cleaning) if intro_parts else ""
    return note, leftovers, intro


def _assign_levels(
    raw: list[tuple[Marker, int, str, str]], level_names: tuple[str, ...]
) -> tuple[tuple[Heading, ...], tuple[str, ...]]:
    """Give each heading a level from its marker tier; add unlabelled placeholders where a
    tier restarts its numbering with no heading of the tier above in between."""
    if not raw:
        return (), ()
    tiers = sorted({mk.tier for mk, *_ in raw})
    last_value: dict[int, int] = {}
    restarts: dict[int, list[int]] = {t: [] for t in tiers}  # tier -> starts of restarts
    first_start: dict[int, int] = {}
    for mk, *_ in raw:
        first_start.setdefault(mk.tier, mk.start)
        previous = last_value.get(mk.tier)
        if previous is not None and mk.lo <= previous:
            restarts[mk.tier].append(mk.start)
        last_value[mk.tier] = mk.lo
        for deeper in [t for t in last_value if t > mk.tier]:
            del last_value[deeper]
    # A synthetic level goes above the top tier if that tier restarts without a parent.
    synthetic_top = bool(restarts[tiers[0]])
    levels: list[int | None] = ([None] if synthetic_top else []) + tiers

    def name(level_index: int) -> str:
        return (
            level_names[level_index]
            if level_index < len(level_names)
            else f"level {level_index + 1}"
        )

    headings: list[Heading] = []
    counts: dict[int, int] = {}
    placeholders: list[tuple[int, int]] = []  # (start, level index)
    if synthetic_top:
        placeholders.append((first_start[tiers[0]], 0))
        placeholders.extend((s, 0) for s in restarts[tiers[0]])
    for tier in tiers[1:]:
        parent_index = levels.index(tier) - 1
        placeholders.extend((s, parent_index) for s in restarts[tier])

    events: list[tuple[int, int, object]] = [(s, 0, ("placeholder", li)) for s, li in placeholders]
    events += [(mk.start, 1, (mk, end, marker, title)) for mk, end, marker, title in raw]
    events.sort(key=lambda e: (e[0], e[1]))
    for start, _, payload in events:
        if isinstance(payload, tuple) and payload[0] == "placeholder":
            level_index = payload[1]
            counts[level_index] = counts.get(level_index, 0) + 1
            number = counts[level_index]
            level_name = name(level_index)
            headings.append(
                Heading(
                    level_index + 1,
                    level_name,
                    number,
                    "",
                    "",
                    f"(unlabelled {level_name} {number})",
                    start,
                    start,
                    True,
                )
            )
            continue
        mk, end, marker, title = payload  # type: ignore[misc]
        level_index = levels.index(mk.tier)
        counts[level_index] = counts.get(level_index, 0) + 1
        joiner = "" if marker.endswith(("、", "．", "：")) else " "
        label = f"{marker}{joiner}{title}".strip()
        headings.append(
            Heading(
                level_index + 1,
                name(level_index),
                mk.lo,
                marker,
                title,
                label,
                mk.start,
                end,
                False,
            )
        )
    return tuple(headings), tuple(name(i) for i in range(len(levels)))
