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

from ipdash.corpus import chinese
from ipdash.corpus.attribution import (
    Phrase,
    is_organisation_like,
    looks_like_body_list,
    match_phrasing,
    split_simple,
)
from ipdash.corpus.clean import clean_text, strip_decoration
from ipdash.corpus.numbering import MAX_CANDIDATES as MAX_CANDIDATES
from ipdash.corpus.numbering import FamilyTried as FamilyTried
from ipdash.corpus.numbering import Marker as Marker
from ipdash.corpus.numbering import (
    Numbering,
    TooManyMarkersError,
    choose_numbering,
    find_markers,
)
from ipdash.corpus.numbering import select_measures as select_measures
from ipdash.corpus.patterns import Patterns
from ipdash.errors import ParseError

# A heading is a title: longer "headings" are prose that happens to start with a number.
HEADING_MAX_CHARS = 300
# A title ends this close to its marker or it is no title: looking further would scan a
# document without line breaks once per candidate heading (quadratic time).
_TITLE_WINDOW = 10 * HEADING_MAX_CHARS


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
    roles: str | None  # "lead_first" | "joint" | "explicit" | None (no attribution)
    names: str | None  # the list of names, unsplit
    start: int
    end: int
    text_start: int
    text_end: int
    attribution_start: int | None
    attribution_end: int | None
    path: tuple[Heading, ...]  # one heading per level, top first
    label: str = ""  # the number as written: "12.", "（3）", "(3)", "3)", "Twelve."
    number_written: int | None = None  # the number as written (restarts in each part)
    attribution: Phrase | None = None  # the attribution read by the grammar

    @property
    def open_list(self) -> bool:
        """The attribution's list ends in "and other departments" / 等部门."""
        return self.attribution is not None and self.attribution.open_list


@dataclass(frozen=True)
class ParseWarning:
    kind: str  # numbering_gap | duplicate_number | not_from_one | no_text | unclassified_text | ...
    message: str
    offset: int | None
    line: int | None
    measure_no: int | None = None


@dataclass(frozen=True)
class ParseDecisions:
    """What the parser decided about a document's structure, and what it doubts: for the
    parse result, `ipdash parse`, the Add a plan preview and the parse_decisions table."""

    language: str  # "zh" (the text is Chinese) | "en"
    numbering: (
        str  # the family of numbers chosen: arabic_dot | paren_arabic | arabic_paren | number_words
    )
    numbering_style: str  # as the measures write their numbers: "1." "1、" "（1）" "(1)" "1)"
    numbers_run_on: bool  # False: the numbers start again at 1 in each part
    measure_level: str  # where the measures sit, e.g. "under part › section"
    heading_styles: tuple[str, ...]  # the heading markers of each level, top first
    tried: tuple[FamilyTried, ...]  # every family of numbers tried, the chosen one first
    role_note_found: bool
    # How the first-listed body of a plain list is known to lead: "stated" (the role
    # note says so) or "inferred" (no note: by the plans' convention). Attributions that
    # say who leads ("X牵头，Y参与") are explicit whatever the note.
    lead_basis: str
    open_lists: tuple[int, ...]  # measures whose list ends in "and other departments" / 等部门
    unattributed: tuple[int, ...]  # present measures naming no body, in a plan that names bodies
    stated_count: int | None  # the number of measures the text states, if it states one
    count_far: bool  # the measures found are far from that number

    @property
    def numbering_text(self) -> str:
        """The decision in words: "numbered 1. 2. 3. …, running through the document"."""
        how = "running through the document" if self.numbers_run_on else "restarting in each part"
        return f"measures numbered {self.numbering_style}, {how}, {self.measure_level}"


@dataclass(frozen=True)
class ParsedDocument:
    measures: tuple[ParsedMeasure, ...]
    headings: tuple[Heading, ...]
    level_names: tuple[str, ...]
    preamble: str
    role_note: str | None
    warnings: tuple[ParseWarning, ...]
    preamble_lines: tuple[str, ...] = ()
    decisions: ParseDecisions | None = None

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
    ends = bool(patterns.structure.role_note.match(chinese.simplified(line))) or _is_boilerplate(
        line, patterns
    )
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
    except TooManyMarkersError:
        raise ParseError(
            source,
            f"more than {MAX_CANDIDATES:,} numbered items: this does not look like a plan "
            "(a plan numbers at most a few thousand measures)",
        ) from None
    numbering = choose_numbering(text, markers)
    if numbering is None:
        raise ParseError(
            source,
            "no numbered measures found: expected measures numbered 1., 2., 3. … "
            "(digits or words followed by a full stop or 、) or (1), (2), (3) …",
        )
    return _assemble(text, patterns, markers, numbering, lines, is_body_list)


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
    numbering: Numbering,
    lines: _Lines,
    is_body_list: BodyListTest,
) -> ParsedDocument:
    """The document from its chosen measure chain: numbering warnings, each measure's
    body and attribution, the headings, the text between measures, the measures with
    their heading paths, the preamble, and what was decided."""
    asm = _Assembly(text, patterns, lines)
    chain = list(numbering.chain)
    heading_cands = _heading_candidates(markers, numbering, patterns)
    heading_starts = [mk.start for mk in heading_cands]
    _numbering_warnings(asm, markers, numbering)
    regions, bodies = _measure_bodies(asm, chain, is_body_list, heading_cands, heading_starts)
    accepted, region_of = _accept_headings(asm, regions, heading_cands, heading_starts)
    headings, level_names = _headings_of(asm, accepted, region_of, chain)
    if not headings:
        headings, level_names = _unnumbered_headings(asm, regions, structure_names(patterns))
    role_note, intros = _read_between_measures(asm, regions, headings)
    headings = tuple(
        Heading(**{**h.__dict__, "intro": intros.get(h.start, "")}) if h.start in intros else h
        for h in headings
    )
    measures = _measures_with_paths(asm, numbering, bodies, headings, level_names)
    _attribution_warnings(asm, measures)
    preamble, preamble_lines = _preamble(asm, chain, headings)
    decisions = decide(
        text, numbering, measures, headings, level_names, role_note, preamble, patterns
    )
    return ParsedDocument(
        measures=tuple(measures),
        headings=tuple(sorted(headings, key=lambda h: (h.start, h.level))),
        level_names=level_names,
        preamble=preamble,
        role_note=role_note,
        warnings=tuple(asm.warnings),
        preamble_lines=preamble_lines,
        decisions=decisions,
    )


def structure_names(patterns: Patterns) -> tuple[str, ...]:
    """The names of heading levels, from the top."""
    return patterns.structure.level_names


def _heading_candidates(
    markers: list[Marker], numbering: Numbering, patterns: Patterns
) -> list[Marker]:
    """Every heading marker, and every measure number left out of the chain (a part
    heading "1." before measure "1.", a sub-heading "(1)" above measures "1."), as a
    candidate heading of its family's tier, in text order."""
    chain_ids = {id(mk) for mk in numbering.chain}
    tiers: dict[str, int | None] = {"arabic_dot": 1, "number_words": 1}
    tiers.update({f.name: f.heading_tier for f in patterns.structure.measure_numbers})
    out = []
    for mk in markers:
        if id(mk) in chain_ids or mk.kind not in ("heading", "measure"):
            continue
        if mk.kind == "heading":
            out.append(mk)
            continue
        tier = tiers.get(mk.family)
        if tier is None:
            continue
        family = "arabic_dot" if mk.family == "number_words" else mk.family
        out.append(
            Marker(
                "heading", family, tier, mk.lo, mk.hi, mk.start, mk.end, mk.strength, mk.line_start
            )
        )
    return out


def _numbering_warnings(asm: _Assembly, markers: list[Marker], numbering: Numbering) -> None:
    """Where the chain (or each part's, when numbers restart) starts, its gaps, and
    numbers of the chain's family left out of it that repeat one in the same part."""
    chain = numbering.chain
    if chain[0].lo != 1:
        asm.warn(
            "not_from_one",
            f"the first measure found is numbered {chain[0].lo}, not 1",
            chain[0].start,
            chain[0].lo,
        )
    for index, (prev, cur) in enumerate(itertools.pairwise(chain), start=1):
        if index not in numbering.restarts and cur.lo > prev.hi + 1:
            missing = f"{prev.hi + 1}" if cur.lo == prev.hi + 2 else f"{prev.hi + 1}–{cur.lo - 1}"
            asm.warn(
                "numbering_gap",
                f"measure number(s) {missing} not found between {prev.hi} and {cur.lo}",
                cur.start,
                cur.lo,
            )
    chain_ids = {id(mk) for mk in chain}
    part_starts = [chain[i].start for i in sorted(numbering.restarts)]
    numbers_in_part: set[tuple[int, int]] = {
        (bisect.bisect_right(part_starts, mk.start), mk.lo) for mk in chain if mk.kind == "measure"
    }
    families = (numbering.family, "number_words")
    for mk in markers:
        if (
            mk.kind == "measure"
            and mk.family in families
            and id(mk) not in chain_ids
            and mk.line_start
            and (bisect.bisect_right(part_starts, mk.start), mk.lo) in numbers_in_part
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
        if chinese.has_han(title):
            title = title.rstrip("。．")  # a Chinese heading may close with a full stop
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
    numbering: Numbering,
    bodies: list[_Body],
    headings: tuple[Heading, ...],
    level_names: tuple[str, ...],
) -> list[ParsedMeasure]:
    """Every measure of the chain (an omitted range gives one per number) with the
    headings above it. Measures are numbered as written when the numbers run on through
    the document, else in document order (1, 2, 3 … across parts that restart)."""
    measures: list[ParsedMeasure] = []
    ordered_headings = sorted(headings, key=lambda h: (h.start, h.level))
    path: list[Heading | None] = [None] * len(level_names)
    h_index = 0
    for mk, body in zip(numbering.chain, bodies, strict=True):
        while h_index < len(ordered_headings) and ordered_headings[h_index].start <= mk.start:
            h = ordered_headings[h_index]
            path[h.level - 1] = h
            for deeper in range(h.level, len(path)):
                path[deeper] = None
            h_index += 1
        heading_path = tuple(h for h in path if h is not None)
        number = mk.lo if numbering.runs_on else len(measures) + 1
        if mk.kind == "omitted":
            measures.extend(_omitted_range(mk, heading_path, number))
        else:
            measures.append(_measure(asm, mk, body, heading_path, number))
    return measures


def _omitted_range(mk: Marker, path: tuple[Heading, ...], first: int) -> list[ParsedMeasure]:
    """One omitted measure per number of a range the source leaves out."""
    return [
        ParsedMeasure(
            first + offset,
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
            number_written=mk.lo + offset,
        )
        for offset in range(mk.hi - mk.lo + 1)
    ]


def _measure(
    asm: _Assembly, mk: Marker, body: _Body, path: tuple[Heading, ...], number: int
) -> ParsedMeasure:
    """One numbered measure: its clean text, status and attribution, with offsets."""
    text = asm.text
    b_start, b_end, attribution = body
    clean = clean_text(text[b_start:b_end], asm.patterns.cleaning)
    status = "omitted_in_source" if asm.patterns.structure.omitted_text.match(clean) else "present"
    if status == "present" and not clean:
        asm.warn("no_text", f"measure {number} has no text", mk.start, number)
    end = attribution.end if attribution else b_end
    phrase = attribution.phrase if attribution else None
    measure = ParsedMeasure(
        number=number,
        status=status,
        text=clean if status == "present" else "",
        attribution_raw=text[attribution.start : attribution.end] if attribution else None,
        attribution_text=attribution.content if attribution else None,
        phrasing=phrase.phrasing if phrase else None,
        roles=phrase.roles if phrase else None,
        names=phrase.names if phrase else None,
        start=mk.start,
        end=_rstrip_offset(text, mk.start, end),
        text_start=b_start,
        text_end=_rstrip_offset(text, b_start, b_end),
        attribution_start=attribution.start if attribution else None,
        attribution_end=attribution.end if attribution else None,
        path=path,
        label=strip_decoration(text[mk.start : mk.end]),
        number_written=mk.lo,
        attribution=phrase,
    )
    if attribution and attribution.doubled:
        asm.warn(
            "doubled_parenthesis",
            f"measure {number}: the attribution ends with a doubled closing parenthesis",
            attribution.end - 1,
            number,
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


# An unnumbered line standing alone between measures is a heading when it is this short
# (a title, not a sentence) and the document has no numbered headings.
_UNNUMBERED_HEADING_MAX_CHARS = 120
_UNNUMBERED_HEADING_MAX_WORDS = 16
# Characters a title does not end with (a sentence, a list, an attribution does).
_NOT_TITLE_END = ".。;；:：,，、)）?？!！"


def _unnumbered_headings(
    asm: _Assembly, regions: list[tuple[int, int]], level_names: tuple[str, ...]
) -> tuple[tuple[Heading, ...], tuple[str, ...]]:
    """Headings written as plain lines without a number (a document with no numbered
    headings): short lines standing alone between measures that read as titles, and
    the last line before the first measure if it reads the same. At least two, or none."""
    found: list[tuple[int, int, str]] = []
    for r_start, r_end in regions[1:]:
        found.extend(_title_lines(asm, r_start, r_end))
    if len(found) < 2:
        return (), ()
    before = _title_lines(asm, *regions[0])
    if before and before[-1][1] >= _last_text_end(asm.text, regions[0]):
        found.insert(0, before[-1])
    name = level_names[0] if level_names else "part"
    headings = tuple(
        Heading(1, name, number, "", title, title, start, end, False)
        for number, (start, end, title) in enumerate(found, start=1)
    )
    return headings, (name,)


def _last_text_end(text: str, region: tuple[int, int]) -> int:
    return _rstrip_offset(text, region[0], region[1])


def _title_lines(asm: _Assembly, start: int, end: int) -> list[tuple[int, int, str]]:
    """The lines in [start, end) that read as titles: (start, end, clean title)."""
    out = []
    offset = start
    for raw_line in asm.text[start:end].split("\n"):
        line_start, offset = offset, offset + len(raw_line) + 1
        line = strip_decoration(raw_line)
        if not line or _is_boilerplate(line, asm.patterns):
            continue
        lead = raw_line.index(line[0])
        if _reads_as_title(line, asm.patterns):
            title = clean_text(line, asm.patterns.cleaning)
            out.append((line_start + lead, line_start + lead + len(line), title))
    return out


def _reads_as_title(line: str, patterns: Patterns) -> bool:
    if len(line) > _UNNUMBERED_HEADING_MAX_CHARS or line[-1] in _NOT_TITLE_END:
        return False
    if not (line[0].isupper() or chinese.has_han(line[0])):
        return False
    if len(line.split()) > _UNNUMBERED_HEADING_MAX_WORDS or re.search(r"[.;。；][ \t]", line):
        return False
    return not patterns.structure.role_note.search(chinese.simplified(line))


# ---------------------------------------------------------------------------------------
# What was decided

# Measures found further than this share from the count the text states are "far".
_COUNT_TOLERANCE = 0.05
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}


def decide(
    text: str,
    numbering: Numbering,
    measures: list[ParsedMeasure],
    headings: tuple[Heading, ...],
    level_names: tuple[str, ...],
    role_note: str | None,
    preamble: str,
    patterns: Patterns,
) -> ParseDecisions:
    """What was decided about the document, and what is doubtful, for people to check."""
    styles = _heading_styles(headings, level_names)
    if level_names:
        level = "under " + " › ".join(
            f"{name} ({style})" for name, style in zip(level_names, styles, strict=True)
        )
    else:
        level = "with no headings above them"
    attributed = any(m.attribution_raw for m in measures)
    stated = stated_count(preamble, patterns)
    far = stated is not None and abs(len(measures) - stated) > max(
        2, round(_COUNT_TOLERANCE * stated)
    )
    return ParseDecisions(
        language="zh" if chinese.is_chinese(text) else "en",
        numbering=numbering.family,
        numbering_style=_number_style(measures),
        numbers_run_on=numbering.runs_on,
        measure_level=level,
        heading_styles=styles,
        tried=numbering.tried,
        role_note_found=role_note is not None,
        lead_basis="stated" if role_note is not None else "inferred",
        open_lists=tuple(m.number for m in measures if m.open_list),
        unattributed=tuple(
            m.number
            for m in measures
            if attributed and m.status == "present" and not m.attribution_raw
        ),
        stated_count=stated,
        count_far=far,
    )


def _shape(marker: str) -> str:
    """A marker's shape: its number written as 1, I or 一 ("（12）" → "（1）")."""
    shape = re.sub(r"\d+", "1", marker)
    shape = re.sub(r"(?<![A-Za-z])[IVXLC]+(?![a-z])", "I", shape)
    return re.sub(r"[一二三四五六七八九十]+", "一", shape)


def _number_style(measures: list[ParsedMeasure]) -> str:
    """How most measures write their number, as a shape ("1.", "（1）", "1)")."""
    shapes: dict[str, int] = {}
    for m in measures:
        if m.label and any(ch.isdigit() for ch in m.label):
            shape = _shape(m.label)
            shapes[shape] = shapes.get(shape, 0) + 1
    if not shapes:
        return "number words (One. Two. …)"
    return max(shapes, key=lambda k: (shapes[k], k))


def _heading_styles(headings: tuple[Heading, ...], level_names: tuple[str, ...]) -> tuple[str, ...]:
    """The most common marker shape of each heading level ("I.", "一、", "（一）"), or
    "unnumbered" / "missing" for levels of plain lines or placeholders."""
    out = []
    for level in range(1, len(level_names) + 1):
        shapes: dict[str, int] = {}
        for h in headings:
            if h.level == level:
                shape = (
                    "missing" if h.unlabelled else (_shape(h.marker) if h.marker else "unnumbered")
                )
                shapes[shape] = shapes.get(shape, 0) + 1
        out.append(max(shapes, key=lambda k: (shapes[k], k)) if shapes else "missing")
    return tuple(out)


def stated_count(preamble: str, patterns: Patterns) -> int | None:
    """The number of measures the preamble says the plan has, if it says one."""
    for pattern in patterns.structure.stated_count:
        found = pattern.search(chinese.simplified(preamble))
        if found:
            return _number(found.group("n"))
    return None


def _number(written: str) -> int | None:
    """Digits or a Chinese numeral (四十七, 一百一十八) as a number."""
    if written.isdigit():
        return int(written)
    total, digit = 0, None
    for ch in written:
        if ch in _CHINESE_DIGITS:
            digit = _CHINESE_DIGITS[ch]
        elif ch in _CHINESE_UNITS:
            total += (1 if digit is None else digit) * _CHINESE_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


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


def _reads_as_plan_title(line: str) -> bool:
    """A line naming a plan: "… Promotion Plan …" or "…推进计划" (not a circular)."""
    if chinese.has_han(line):
        form = chinese.simplified(line)
        return (
            re.search(r"(?:计划|方案|要点)[)）》]?$", form) is not None
            and "，" not in form
            and not form.endswith("通知")
        )
    return (
        re.search(r"(?i)\bplan\b", line) is not None
        and line[:1].isupper()
        and "," not in line
        and not re.match(r"(?i)(circular|notice)\b", line)
    )


def guess_metadata(parsed: ParsedDocument) -> GuessedMetadata:
    """Guess plan year, period and title from the preamble. Only what the text states:
    a title line naming a plan, and the year or period in it (else the year the
    preamble mentions most)."""
    lines = [line for line in parsed.preamble_lines if len(line) <= _TITLE_MAX_CHARS]
    plan_lines = [line for line in lines if _reads_as_plan_title(line)]
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
            _is_boilerplate(line, patterns)
            or patterns.structure.role_note.search(chinese.simplified(line))
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
    note_match = structure.role_note.search(chinese.simplified(chunk))
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
        joiner = "" if marker.endswith(("、", "．", "：", "）")) else " "
        if marker.endswith(")") and chinese.has_han(title[:1]):
            joiner = ""  # "(一)完善法律法规": Chinese headings are not spaced
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
