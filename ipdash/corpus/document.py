"""One document, parsed and resolved: text → numbered measures with their attributions,
every name resolved to a registered body on the plan's date. Between the reader
(ipdash.corpus.sources: bytes → text) and the build (ipdash.store.build: plans → tables →
DuckDB); ipdash.corpus.rows turns the result into rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ipdash.corpus.agencies import (
    Mention,
    Registry,
    load_registry,
    looks_like_body_list,
    resolve_clauses,
)
from ipdash.corpus.parse import ParsedDocument, ParseDecisions, guess_metadata, parse_document
from ipdash.corpus.patterns import Patterns, load_patterns
from ipdash.corpus.sources import YEARS, DecodedText, Source, decode_document
from ipdash.errors import ParseError


@dataclass(frozen=True)
class DocumentReport:
    """What was decided about one document and what is doubtful, with the names its
    attributions hold: the parser's decisions (ParseDecisions) and the names that
    resolved to no registered body or resolved only with a note."""

    decisions: ParseDecisions
    n_measures: int
    unresolved: tuple[tuple[str, tuple[int, ...]], ...]  # (name as written, its measures)
    name_notes: tuple[tuple[str, str], ...]  # (name, why it resolved only with doubt)
    # measures whose lead is the first-listed body of a plain list of several, with no
    # role note saying so (lead_basis "inferred")
    inferred_leads: tuple[int, ...] = ()

    def lines(self) -> list[str]:
        """The report in plain lines, for `ipdash parse` and the Add a plan preview."""
        d = self.decisions
        tried = "; ".join(
            f"{t.family}: {t.items} items, {t.closed} ending in an attribution"
            + (f", restarting in {t.restarts} parts" if t.restarts else "")
            for t in d.tried
        )
        note = (
            "found: the first-listed body leads (leads stated)"
            if d.role_note_found
            else "none: the first-listed body of a plain list is taken to lead (leads inferred)"
        )
        count = f"{self.n_measures} measures found"
        if d.stated_count is not None:
            count += f"; the text states {d.stated_count}"
            count += " — FAR from it" if d.count_far else ""
        lines = [
            f"language: {d.language}",
            f"structure: {d.numbering_text}",
            f"numbering families tried: {tried}",
            f"count: {count}",
            f"role note: {note}",
            f"open lists (…and other departments / 等部门): {_numbers(d.open_lists)}",
            f"measures without an attribution: {_numbers(d.unattributed)}",
            "unresolved names: "
            + ("; ".join(f"{n} ({_numbers(ms)})" for n, ms in self.unresolved) or "none"),
        ]
        lines += [f"name resolved with a note: {n}: {why}" for n, why in self.name_notes]
        return lines

    def doubts(self) -> list[str]:
        """What a reader should check, one sentence each (empty when nothing is doubtful):
        the Add a plan preview and the Data quality page show them."""
        d = self.decisions
        out = []
        if d.count_far and d.stated_count is not None:
            out.append(
                f"The text states {d.stated_count} measures; the parser found "
                f"{self.n_measures}: check the numbering."
            )
        if self.inferred_leads:
            out.append(
                "No role note says that the first-listed body leads: the lead is inferred, not "
                f"stated, in {_which(self.inferred_leads)} naming several bodies."
            )
        if d.open_lists:
            out.append(
                f"The list of bodies is left open (…and other departments / 等部门) in "
                f"{_which(d.open_lists)}: the bodies not named are not counted."
            )
        if d.unattributed:
            out.append(f"No responsible body is named in {_which(d.unattributed)}.")
        if self.unresolved:
            out.append(
                f"{_count(len(self.unresolved), 'name')} resolve"
                + ("s" if len(self.unresolved) == 1 else "")
                + " to no registered body: "
                + "; ".join(f"{n} ({_which(ms)})" for n, ms in self.unresolved)
                + "."
            )
        return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _which(numbers: tuple[int, ...]) -> str:
    """ "measure 7", "measures 4, 15"."""
    return f"measure{'' if len(numbers) == 1 else 's'} {_numbers(numbers)}"


def _numbers(numbers: tuple[int, ...]) -> str:
    return ", ".join(map(str, numbers)) if numbers else "none"


@dataclass(frozen=True)
class ParsedSource:
    """A document read, parsed and with its attributions resolved."""

    source: Source
    decoded: DecodedText
    parsed: ParsedDocument
    mentions: dict[int, list[Mention]] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The document's language: the manifest's code, else the text's ("zh", "en")."""
        if self.source.language_code:
            return self.source.language_code
        return self.parsed.decisions.language if self.parsed.decisions else "en"

    def report(self) -> DocumentReport:
        """What was decided about this document and what is doubtful."""
        unresolved: dict[str, list[int]] = {}
        notes: dict[str, str] = {}
        for number, mentions in self.mentions.items():
            for men in mentions:
                if men.resolution.kind == "unresolved":
                    unresolved.setdefault(men.raw_name, []).append(number)
                elif men.resolution.method == "alias" and men.resolution.note:
                    notes.setdefault(men.raw_name, men.resolution.note)
        decisions = self.parsed.decisions
        assert decisions is not None  # every parse_document result has them
        inferred = tuple(
            m.number
            for m in self.parsed.measures
            if decisions.lead_basis == "inferred"
            and m.roles == "lead_first"
            and sum(men.role == "lead" for men in self.mentions.get(m.number, ())) == 1
            and len(self.mentions.get(m.number, ())) > 1
        )
        return DocumentReport(
            decisions,
            len(self.parsed.measures),
            tuple((n, tuple(ms)) for n, ms in unresolved.items()),
            tuple(notes.items()),
            inferred,
        )


def measure_id(plan_year: int, number: int) -> str:
    """A measure's id: the plan year and its number ("2020-041")."""
    return f"{plan_year}-{number:03d}"


def parse_text(text: str, source: str, patterns: Patterns, registry: Registry) -> ParsedDocument:
    """The text parsed into measures, headings and attributions (names not resolved)."""
    return parse_document(
        text,
        patterns,
        source=source,
        is_body_list=lambda names: looks_like_body_list(names, registry, patterns.attribution),
    )


def parse_source(
    source: Source,
    decoded: DecodedText,
    patterns: Patterns,
    registry: Registry,
    parsed: ParsedDocument | None = None,
) -> ParsedSource:
    """Parse one decoded document (unless `parsed` is given) and resolve its
    attributions on its reference date."""
    if parsed is None:
        parsed = parse_text(decoded.text, source.file, patterns, registry)
    day = source.reference_date
    mentions = {
        m.number: resolve_clauses(
            m.attribution.clauses,
            registry,
            patterns.attribution,
            day,
            role_note=parsed.role_note is not None,
            worded=m.attribution.worded,
        )
        for m in parsed.measures
        if m.attribution is not None
    }
    return ParsedSource(source, decoded, parsed, mentions)


def parse_bytes(
    data: bytes,
    source: str = "<upload>",
    plan_year: int | None = None,
    period_label: str | None = None,
    patterns: Patterns | None = None,
    registry: Registry | None = None,
) -> ParsedSource:
    """One document's bytes in, the parsed plan out: read by its file type (a .pdf's text
    layer, a .docx's paragraphs, any other name decoded as text; what was done is in
    `.decoded.decoding`), cleaned, parsed into measures, attributions read and agency
    names resolved on the plan's date, as the build does it.

    The plan year and period default to what the text states (else the current year).
    Raises ParseError, and nothing else, when the bytes are not a plan: the message
    names `source`, the line where that helps, and what was expected."""
    low, high = YEARS
    if plan_year is not None and not low <= plan_year <= high:
        raise ParseError(source, f"plan year {plan_year} is not between {low} and {high}")
    patterns = patterns or load_patterns()
    registry = registry or load_registry()
    decoded = decode_document(data, source)
    parsed = parse_text(decoded.text, source, patterns, registry)
    guessed = guess_metadata(parsed)
    stated_year = guessed.plan_year if low <= (guessed.plan_year or 0) <= high else None
    year = plan_year or stated_year or date.today().year
    if period_label is None:
        period_label = (
            guessed.period_label if guessed.period_label and stated_year == year else str(year)
        )
    first = re.match(r"\d{4}", period_label)
    if first and not low <= int(first.group()) <= high:
        raise ParseError(source, f"period {period_label!r} does not start between {low} and {high}")
    plan = Source(
        file=source,
        doc_id="upload",
        plan_year=year,
        period_label=period_label,
        title=guessed.title or Path(source).name,
        issuing_body="",
        issue_date=None,
        language="",
        rendering="upload",
        canonical=True,
        expected_measures=None,
        rendering_note=f"parsed from {source} (decoded as {decoded.decoding})",
    )
    return parse_source(plan, decoded, patterns, registry, parsed)
