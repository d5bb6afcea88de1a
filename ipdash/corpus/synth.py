"""A synthetic corpus for benchmarks: many years of plan documents in the formats of the
real plans, with bodies, roles, co-responsibility and phrasings at the frequencies the
real plans have, so that the real parser and build run on it unchanged.

Pure: `learn_profile` takes the tables the build makes from the real corpus and returns
what the generator needs; `generate_corpus` returns the files (name -> text, including
`manifest.csv`) for a number of measures and a seed. Only `python -m ipdash synth` reads
and writes files.

One plan year is one document (the manifest allows one canonical rendering per year):
a compendium of the year's provincial plans, one part per province ("Part 3: Hebei
Province"), each with Roman-numbered sections, sometimes "(1)" subsections, and its
measures numbered on through the document. Names are era-correct: a year's plan only
names bodies that existed on its issue date (SIPO before the 2018 restructuring, CNIPA
after), each spelled by its registry name or an alias that resolves to it directly.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from ipdash import paths
from ipdash.corpus.agencies import Registry, resolve_attribution, resolve_name
from ipdash.corpus.attribution import match_phrasing
from ipdash.corpus.parse import find_markers
from ipdash.corpus.patterns import Patterns
from ipdash.corpus.sources import MANIFEST, MANIFEST_COLUMNS
from ipdash.datafiles import read_yaml
from ipdash.errors import IpdashError

TEMPLATES = paths.DATA / "synth" / "templates.yaml"
# Plan years by default: fifteen annual plans up to the real corpus's last, more (earlier,
# then later) when one document per year cannot hold the measures.
DEFAULT_LAST_YEAR = 2022
DEFAULT_N_YEARS = 15
# The manifest accepts plan years in this range (ipdash.corpus.sources).
FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 1990, 2100
# The parser reads measure numbers up to 999 (four digits are taken for a year), so a
# plan, and a year's document, holds at most this many measures.
MAX_MEASURES_PER_DOCUMENT = 999
# Measures per document on average when the corpus needs more than fifteen (about 350,000
# characters: the reader refuses documents over 500,000).
MEASURES_PER_DOCUMENT = 960
# A document longer than this would be refused by the reader (ipdash.corpus.sources).
MAX_DOCUMENT_CHARS = 490_000
# Measures per provincial plan (one part of a year's document), like the real plans.
PART_MIN, PART_MAX = 100, 300
# Measures per Roman-numbered section of a part.
SECTION_MIN, SECTION_MAX = 5, 40
# The part heading's number has at most two digits (data/patterns/structure.yaml).
MAX_PARTS = 99
# Share of sections split into "(1)" subsections.
SUBSECTION_SHARE = 0.3
# Plans differ in length by up to this share either way (within the parser's limit).
LENGTH_SPREAD = 0.1
# A participant's weight is its pair counts with the bodies already on the measure plus
# this share of its own frequency, so bodies never named together can still meet.
PAIR_SMOOTHING = 0.5
# Sentences shorter or longer than this are not used as measure text.
MIN_SENTENCE, MAX_SENTENCE = 25, 600
# At most this many sentences follow a measure's first one.
MAX_EXTRA_SENTENCES = 3
# Attempts at an attribution that reads as meant before giving up (one almost always).
MAX_DRAWS = 50
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
# Clauses of a sentence: text between commas (a measure's first clause is its main action).
_CLAUSE_END = re.compile(r",\s+")
# At most this many clauses follow a measure's opening clause in its first sentence.
MAX_EXTRA_CLAUSES = 4
_UNSAFE_CHARS = re.compile(r"[()（）\[\]【】\n\r\t\u3000-\u9fff?]")


class SynthError(IpdashError):
    """The synthetic corpus cannot be made as asked."""


@dataclass(frozen=True)
class Templates:
    """The wordings of data/synth/templates.yaml."""

    attribution: dict[str, tuple[str, ...]]
    list_styles: tuple[tuple[str, str], ...]
    issuers: tuple[str, ...]
    title: str
    preamble: str
    part_heading: str
    intro_label: str
    measures_label: str
    role_note: str
    issuing_body: str
    language: str
    rendering: str
    rendering_note: str


def load_templates(path: Path = TEMPLATES) -> Templates:
    """Read the wordings (I/O: used by the CLI and the tests)."""
    data = read_yaml(path)
    return Templates(
        attribution={k: tuple(v) for k, v in data["attribution"].items()},
        list_styles=tuple((s["between"], s["last"]) for s in data["list_styles"]),
        issuers=tuple(data["issuers"]),
        **{
            k: str(data[k])
            for k in (
                "title",
                "preamble",
                "part_heading",
                "intro_label",
                "measures_label",
                "role_note",
                "issuing_body",
                "language",
                "rendering",
                "rendering_note",
            )
        },
    )


@dataclass(frozen=True)
class Profile:
    """What the real corpus says about attributions and text, as counts."""

    lead: dict[str, int]  # agency -> measures it leads
    participant: dict[str, int]
    joint: dict[str, int]
    pairs: dict[tuple[str, str], int]  # (a, b) with a < b -> measures naming both
    list_sizes: dict[int, int]  # bodies per attributed measure -> measures
    phrasings: dict[tuple[str, str], int]  # (phrasing, roles) -> measures
    joint_share: float  # of measures naming two or more bodies, share with joint roles
    group_share: float  # share of attributed measures naming a generic group
    groups: dict[str, int]  # generic group -> mentions
    alias_share: float  # share of names spelled by an alias rather than the registry name
    lead_clauses: tuple[str, ...]  # opening clauses of real measures (the main action)
    clauses: tuple[str, ...]  # later clauses of first sentences
    clause_counts: dict[int, int]  # clauses after the first in a first sentence -> measures
    extra_sentences: tuple[str, ...]  # later sentences
    extra_counts: dict[int, int]  # sentences after the first -> measures
    titles: tuple[str, ...]  # heading titles
    intros: tuple[str, ...]  # section objectives, without their label

    def weight(self, agency_id: str) -> int:
        return (
            self.lead.get(agency_id, 0)
            + self.participant.get(agency_id, 0)
            + self.joint.get(agency_id, 0)
        )


# ---------------------------------------------------------------------------------------
# Learning from the real corpus


def _is_safe(sentence: str, patterns: Patterns, min_chars: int = MIN_SENTENCE) -> bool:
    """True if a sentence can sit inside a measure without the parser reading a
    measure number, heading, label, note or attribution into it (also when another
    sentence follows it)."""
    if not min_chars <= len(sentence) <= MAX_SENTENCE or _UNSAFE_CHARS.search(sentence):
        return False
    if not sentence[0].isupper() or find_markers(sentence + " Next", patterns):
        return False
    structure = patterns.structure
    for pattern in (
        structure.section_intro,
        structure.section_label,
        structure.role_note,
        structure.omitted_range,
        *structure.boilerplate,
    ):
        if pattern.search(sentence):
            return False
    return not structure.omitted_text.match(sentence)


def _sentences(text: str) -> list[str]:
    out = []
    for piece in _SENTENCE_END.split(text.strip()):
        piece = piece.strip().rstrip(";,: ")
        if piece and not piece.endswith("."):
            piece += "."
        if piece:
            out.append(piece)
    return out


def _counts(frame: pl.DataFrame, column: str) -> dict:
    if frame.height == 0:
        return {}
    grouped = frame.group_by(column).len().sort(column)
    return dict(zip(grouped[column].to_list(), grouped["len"].to_list(), strict=True))


def learn_profile(tables: Mapping[str, pl.DataFrame], patterns: Patterns) -> Profile:
    """The profile of the real corpus from the build's tables (`build_tables`): measures,
    measure_agencies, attribution_mentions, sections."""
    measures = tables["measures"].filter(pl.col("status") == "present")
    links = tables["measure_agencies"]
    canonical = measures.select("measure_id", "doc_id")
    mentions = tables["attribution_mentions"].join(canonical, on=["measure_id", "doc_id"])
    attributed = measures.filter(pl.col("attribution_raw").is_not_null())

    by_role = {
        role: _counts(links.filter(pl.col("role") == role), "agency_id")
        for role in ("lead", "participant", "joint")
    }
    pairs: dict[tuple[str, str], int] = {}
    per_measure = links.group_by("measure_id").agg(pl.col("agency_id").sort()).sort("measure_id")
    for ids in per_measure["agency_id"].to_list():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1

    sizes = attributed.filter(pl.col("n_agencies") > 0)
    multi = sizes.filter(pl.col("n_agencies") > 1)
    phrasings = _counts(
        sizes.with_columns(
            key=pl.concat_str("attribution_phrasing", "role_convention", separator=" ")
        ),
        "key",
    )
    agency_mentions = mentions.filter(pl.col("mention_kind") == "agency")
    lead_clauses: list[str] = []
    clauses: list[str] = []
    clause_counts: dict[int, int] = {}
    extra_sentences: list[str] = []
    extra_counts: dict[int, int] = {}
    for text in measures.sort("measure_id")["text"].to_list():
        sentences = _sentences(text)
        extra = min(len(sentences) - 1, MAX_EXTRA_SENTENCES)
        extra_counts[extra] = extra_counts.get(extra, 0) + 1
        for sentence in sentences[1:]:
            if _is_safe(sentence, patterns):
                extra_sentences.append(sentence)
        if not sentences or not _is_safe(sentences[0], patterns):
            continue
        first, *rest = _CLAUSE_END.split(sentences[0].rstrip("."))
        rest = [c for c in rest if _is_safe(c[:1].upper() + c[1:] + ".", patterns, 1)]
        if _is_safe(first + ".", patterns, 1):
            lead_clauses.append(first)
            clauses += rest
            n_rest = min(len(rest), MAX_EXTRA_CLAUSES)
            clause_counts[n_rest] = clause_counts.get(n_rest, 0) + 1
    sections = tables["sections"].filter(~pl.col("unlabelled")).sort("doc_id", "start_offset")
    titles = [t for t in sections["title"].to_list() if _is_safe(t.rstrip(".") + ".", patterns)]
    intros = []
    for intro in sections["intro"].to_list():
        label = patterns.structure.section_intro.match(intro or "")
        body = intro[label.end() :].strip() if label else ""
        if body and _is_safe(body[0].upper() + body[1:], patterns):
            intros.append(body)
    if not lead_clauses or not titles or not by_role["lead"]:
        raise SynthError("the real corpus has too little text or no attributions to learn from")
    return Profile(
        lead=by_role["lead"],
        participant=by_role["participant"],
        joint=by_role["joint"],
        pairs=dict(sorted(pairs.items())),
        list_sizes=_counts(sizes, "n_agencies"),
        phrasings={tuple(k.split(" ")): v for k, v in phrasings.items()},
        joint_share=(
            multi.filter(pl.col("role_convention") == "joint").height / multi.height
            if multi.height
            else 0.0
        ),
        group_share=sizes.filter(pl.col("n_generic_groups") > 0).height / max(1, sizes.height),
        groups=_counts(mentions.filter(pl.col("mention_kind") == "generic_group"), "group_id"),
        alias_share=(
            agency_mentions.filter(pl.col("resolution") != "name").height
            / max(1, agency_mentions.height)
        ),
        lead_clauses=tuple(dict.fromkeys(lead_clauses)),
        clauses=tuple(dict.fromkeys(clauses)),
        clause_counts=dict(sorted(clause_counts.items())),
        extra_sentences=tuple(dict.fromkeys(extra_sentences)),
        extra_counts=dict(sorted(extra_counts.items())),
        titles=tuple(dict.fromkeys(t.rstrip(".") for t in titles)),
        intros=tuple(dict.fromkeys(intros)),
    )


# ---------------------------------------------------------------------------------------
# One year's bodies


def _on_day(
    agency_id: str, day: date, registry: Registry, profile: Profile, seen: frozenset = frozenset()
) -> dict[str, float]:
    """The bodies that existed on `day` standing for `agency_id`, with shares summing to
    1: itself, its successor (it was merged or renamed before), or its predecessors (it
    was created later; weighted by how often each is named). Empty if none existed."""
    agency = registry.agencies[agency_id]
    if agency_id in seen:
        return {}
    if agency.valid_on(day):
        return {agency_id: 1.0}
    seen = seen | {agency_id}
    if agency.valid_to is not None and day >= agency.valid_to and agency.successor_id:
        return _on_day(agency.successor_id, day, registry, profile, seen)
    if agency.valid_from is not None and day < agency.valid_from:
        before = sorted(registry.predecessors.get(agency_id, ()))
        weights = {p: float(profile.weight(p)) for p in before}
        total = sum(weights.values())
        out: dict[str, float] = {}
        for p in before:
            share = weights[p] / total if total else 1.0 / len(before)
            for q, s in _on_day(p, day, registry, profile, seen).items():
                out[q] = out.get(q, 0.0) + share * s
        return out
    return {}


@dataclass(frozen=True)
class YearBodies:
    """The bodies of one plan date with their weights and spellings."""

    ids: tuple[str, ...]
    lead: tuple[float, ...]
    member: tuple[float, ...]  # weight as a participant or joint member
    pairs: dict[str, dict[str, float]]
    spellings: dict[str, tuple[str, ...]]  # registry name first, then direct aliases


def year_bodies(profile: Profile, registry: Registry, day: date) -> YearBodies:
    """The profile moved to the bodies that existed on `day`."""
    mapping = {a: _on_day(a, day, registry, profile) for a in sorted(registry.agencies)}
    lead: dict[str, float] = {}
    member: dict[str, float] = {}
    for source, weights in ((profile.lead, lead), (profile.participant, member)):
        for a, n in sorted(source.items()):
            for b, s in mapping[a].items():
                weights[b] = weights.get(b, 0.0) + n * s
    for a, n in sorted(profile.joint.items()):
        for b, s in mapping[a].items():
            member[b] = member.get(b, 0.0) + n * s
    pairs: dict[str, dict[str, float]] = {}
    for (a, b), n in profile.pairs.items():
        for a2, sa in mapping[a].items():
            for b2, sb in mapping[b].items():
                if a2 != b2:
                    pairs.setdefault(a2, {})[b2] = pairs.get(a2, {}).get(b2, 0.0) + n * sa * sb
                    pairs.setdefault(b2, {})[a2] = pairs.get(b2, {}).get(a2, 0.0) + n * sa * sb
    ids = tuple(sorted(set(lead) | set(member)))
    spellings: dict[str, tuple[str, ...]] = {}
    for agency_id in ids:
        names = [registry.agencies[agency_id].name]
        for alias in registry.aliases:
            if alias.agency_id != agency_id or alias.source != "alias":
                continue
            if _UNSAFE_CHARS.search(alias.alias) or not alias.alias[:1].isupper():
                continue
            resolved = resolve_name(alias.alias, registry, day)
            if resolved.agency_id == agency_id and resolved.method in ("name", "alias"):
                names.append(alias.alias)
        spellings[agency_id] = tuple(names)
    return YearBodies(
        ids=ids,
        lead=tuple(lead.get(a, 0.0) for a in ids),
        member=tuple(member.get(a, 0.0) for a in ids),
        pairs=pairs,
        spellings=spellings,
    )


# ---------------------------------------------------------------------------------------
# Generating


@dataclass(frozen=True)
class SynthMeasure:
    """What the generator meant a measure to say, to compare with what the parser reads."""

    plan_year: int
    number: int
    agencies: tuple[str, ...]  # in list order
    roles: str  # "lead_first" | "joint"
    phrasing: str
    n_groups: int


@dataclass(frozen=True)
class SynthCorpus:
    files: dict[str, str]  # file name -> text; manifest.csv included
    measures: tuple[SynthMeasure, ...]


def default_years(n: int) -> tuple[int, int]:
    """Fifteen plan years up to 2022, or as many as the measures need (about
    MEASURES_PER_DOCUMENT each: one canonical document per plan year, and plan years
    from 1990 to 2100, so the model holds at most about 110,000 measures), starting no
    earlier than 1990."""
    count = max(DEFAULT_N_YEARS, math.ceil(n / MEASURES_PER_DOCUMENT))
    first = max(FIRST_PLAN_YEAR, DEFAULT_LAST_YEAR - count + 1)
    return first, min(LAST_PLAN_YEAR, first + count - 1)


def split_measures(n: int, years: tuple[int, int], rng: random.Random) -> dict[int, int]:
    """Measures per plan year, summing to n, each plan up to LENGTH_SPREAD longer or
    shorter than the average; years beyond n get none (every plan has a measure)."""
    first, last = years
    if not FIRST_PLAN_YEAR <= first <= last <= LAST_PLAN_YEAR:
        raise SynthError(
            f"plan years must run from {FIRST_PLAN_YEAR} to {LAST_PLAN_YEAR}, got {first}-{last}"
        )
    span = list(range(first, last + 1))[: max(1, n)]
    if n > len(span) * MAX_MEASURES_PER_DOCUMENT:
        raise SynthError(
            f"{n:,} measures over {len(span)} plan years puts more than "
            f"{MAX_MEASURES_PER_DOCUMENT:,} measures in one plan (the parser's limit): "
            "use more years"
        )
    weights = [rng.uniform(1 - LENGTH_SPREAD, 1 + LENGTH_SPREAD) for _ in span]
    total = sum(weights)
    counts = [min(MAX_MEASURES_PER_DOCUMENT, max(1, math.floor(n * w / total))) for w in weights]
    i = len(counts) - 1
    while sum(counts) != n:
        step = 1 if sum(counts) < n else -1
        if 1 <= counts[i] + step <= MAX_MEASURES_PER_DOCUMENT:
            counts[i] += step
        i = (i - 1) % len(counts)
    return dict(zip(span, counts, strict=True))


def _sizes(n: int, low: int, high: int, rng: random.Random) -> list[int]:
    """Split n into sizes between low and high (the last may be smaller if n < low)."""
    out = []
    remaining = n
    while remaining > 0:
        size = remaining if remaining <= high else rng.randint(low, min(high, remaining - low))
        out.append(size)
        remaining -= size
    return out


def _weighted(rng: random.Random, options: list, weights: list[float]) -> object:
    return rng.choices(options, weights=weights, k=1)[0]


def _pick_bodies(rng: random.Random, bodies: YearBodies, size: int, joint: bool) -> tuple[str, ...]:
    """A lead (or first joint body) by its frequency, then the others by their pair
    counts with the bodies already chosen (plus a little of their own frequency)."""
    first_weights = (
        [m + l_ for m, l_ in zip(bodies.member, bodies.lead, strict=True)]
        if joint
        else list(bodies.lead)
    )
    chosen = [str(_weighted(rng, list(bodies.ids), first_weights))]
    top = max(bodies.member) or 1.0
    while len(chosen) < min(size, len(bodies.ids)):
        weights = []
        for agency_id, own in zip(bodies.ids, bodies.member, strict=True):
            if agency_id in chosen:
                weights.append(0.0)
                continue
            pair = sum(bodies.pairs.get(c, {}).get(agency_id, 0.0) for c in chosen)
            weights.append(pair + PAIR_SMOOTHING * own / top)
        if not any(weights):
            break
        chosen.append(str(_weighted(rng, list(bodies.ids), weights)))
    return tuple(chosen)


def _join(names: list[str], style: tuple[str, str]) -> str:
    between, last = style
    if len(names) == 1:
        return names[0]
    return between.join(names[:-1]) + last + names[-1]


def _reads_as(
    text: str, day: date, registry: Registry, patterns: Patterns
) -> tuple[str, tuple[str, ...], int] | None:
    """How the parser and resolver read an attribution: phrasing, bodies (in order, each
    once) and generic groups; None if a name does not resolve or it is no attribution."""
    phrase = match_phrasing(text, patterns.attribution)
    if phrase is None:
        return None
    mentions = resolve_attribution(phrase.names, phrase.roles, registry, patterns.attribution, day)
    if any(m.resolution.kind == "unresolved" for m in mentions):
        return None
    ids = tuple(dict.fromkeys(m.resolution.agency_id for m in mentions if m.resolution.agency_id))
    groups = sum(1 for m in mentions if m.resolution.kind == "generic_group")
    return phrase.phrasing, ids, groups


def _attribution(
    rng: random.Random,
    profile: Profile,
    templates: Templates,
    bodies: YearBodies,
    registry: Registry,
    house: str,
    patterns: Patterns,
    day: date,
) -> tuple[str, SynthMeasure]:
    """An attribution that the parser reads exactly as meant: lists whose names run
    together into another registered name ("…, Film and Television, National Copyright
    Administration" is one alias of SAPPRFT) are drawn again."""
    for _ in range(MAX_DRAWS):
        text, meant = _draw_attribution(rng, profile, templates, bodies, registry, house)
        if _reads_as(text, day, registry, patterns) == (
            meant.phrasing,
            meant.agencies,
            meant.n_groups,
        ):
            return text, meant
    raise SynthError(f"no attribution for {day} reads as meant in {MAX_DRAWS} draws")


def _draw_attribution(
    rng: random.Random,
    profile: Profile,
    templates: Templates,
    bodies: YearBodies,
    registry: Registry,
    house: str,
) -> tuple[str, SynthMeasure]:
    sizes = profile.list_sizes
    size = int(_weighted(rng, list(sizes), [float(v) for v in sizes.values()]))
    joint = size > 1 and rng.random() < profile.joint_share
    agencies = _pick_bodies(rng, bodies, size, joint)
    names = [
        rng.choice(bodies.spellings[a][1:])
        if len(bodies.spellings[a]) > 1 and rng.random() < profile.alias_share
        else bodies.spellings[a][0]
        for a in agencies
    ]
    n_groups = 0
    if profile.groups and rng.random() < profile.group_share:
        group = str(
            _weighted(rng, list(profile.groups), [float(v) for v in profile.groups.values()])
        )
        names.append(rng.choice(registry.groups[group].aliases))
        n_groups = 1
    roles = "joint" if joint else "lead_first"
    if joint:
        options = [(p, n) for (p, r), n in profile.phrasings.items() if r == "joint"]
        phrasing = str(_weighted(rng, [p for p, _ in options], [float(n) for _, n in options]))
    else:
        phrasing = house
    template = rng.choice(templates.attribution[phrasing])
    text = template.format(
        names=_join(names, rng.choice(templates.list_styles)),
        **{"is": "is" if len(names) == 1 else "are"},
    )
    return text, SynthMeasure(0, 0, agencies, roles, phrasing, n_groups)


def _measure_text(rng: random.Random, profile: Profile) -> str:
    counts = profile.extra_counts
    extra = int(_weighted(rng, list(counts), [float(v) for v in counts.values()]))
    first = [rng.choice(profile.lead_clauses)]
    if profile.clauses:
        n_rest = int(
            _weighted(
                rng, list(profile.clause_counts), [float(v) for v in profile.clause_counts.values()]
            )
        )
        first += [rng.choice(profile.clauses) for _ in range(n_rest)]
    sentences = [", ".join(first) + "."]
    if profile.extra_sentences:
        sentences += [rng.choice(profile.extra_sentences) for _ in range(extra)]
    return " ".join(sentences)


def _roman(value: int) -> str:
    out = []
    for number, numeral in ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


def plan_document(
    year: int,
    n_measures: int,
    day: date,
    seed: int,
    profile: Profile,
    templates: Templates,
    registry: Registry,
    patterns: Patterns,
) -> tuple[str, list[SynthMeasure]]:
    """One year's document: title, preamble, one part per provincial plan, measures
    numbered 1..n_measures on through the parts, the role note at the end."""
    rng = random.Random(f"ipdash-synth-{seed}-{year}")  # noqa: S311 - reproducible, not secret
    bodies = year_bodies(profile, registry, day)
    lead_first = [(p, n) for (p, r), n in profile.phrasings.items() if r == "lead_first"]
    parts = _sizes(n_measures, PART_MIN, PART_MAX, rng)
    if len(parts) > MAX_PARTS:
        base, extra = divmod(n_measures, MAX_PARTS)
        parts = [base + (1 if i < extra else 0) for i in range(MAX_PARTS)]
    issuers = list(templates.issuers)
    rng.shuffle(issuers)
    lines = [
        templates.title.format(year=year),
        "",
        templates.preamble.format(year=year, n_parts=len(parts), seed=seed),
        "",
    ]
    measures: list[SynthMeasure] = []
    number = 0
    for part_index, part_size in enumerate(parts, start=1):
        issuer = issuers[(part_index - 1) % len(issuers)]
        # A provincial plan keeps one layout and one house phrasing throughout.
        blank = rng.random() < 0.5
        objectives = rng.random() < 0.4
        own_line = rng.random() < 0.2
        house = str(_weighted(rng, [p for p, _ in lead_first], [float(n) for _, n in lead_first]))
        gap = [""] if blank else []
        lines += [templates.part_heading.format(number=part_index, issuer=issuer), *gap]
        for section_index, section_size in enumerate(
            _sizes(part_size, SECTION_MIN, SECTION_MAX, rng), start=1
        ):
            lines += [f"{_roman(section_index)}. {rng.choice(profile.titles)}", *gap]
            if objectives and profile.intros:
                lines += [f"{templates.intro_label} {rng.choice(profile.intros)}", *gap]
                lines += [templates.measures_label, *gap]
            split = section_size >= 2 * SECTION_MIN and rng.random() < SUBSECTION_SHARE
            groups = (
                _sizes(section_size, SECTION_MIN, SECTION_MAX // 2, rng)
                if split
                else [section_size]
            )
            for sub_index, group_size in enumerate(groups, start=1):
                if split:
                    lines += [f"({sub_index}) {rng.choice(profile.titles)}", *gap]
                for _ in range(group_size):
                    number += 1
                    attribution, meant = _attribution(
                        rng, profile, templates, bodies, registry, house, patterns, day
                    )
                    text = f"{number}. {_measure_text(rng, profile)}"
                    if own_line:
                        lines += [text, *gap, f"({attribution})", *gap]
                    else:
                        lines += [f"{text} ({attribution})", *gap]
                    measures.append(
                        SynthMeasure(
                            year,
                            number,
                            meant.agencies,
                            meant.roles,
                            meant.phrasing,
                            meant.n_groups,
                        )
                    )
    lines += ["", templates.role_note, ""]
    return "\n".join(lines), measures


def manifest_text(rows: list[dict[str, str]]) -> str:
    """manifest.csv in the format of data/raw/manifest.csv."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def generate_corpus(
    n_measures: int,
    seed: int,
    profile: Profile,
    templates: Templates,
    registry: Registry,
    patterns: Patterns,
    years: tuple[int, int] | None = None,
) -> SynthCorpus:
    """The synthetic corpus: one document per plan year (by default `default_years`) and
    the manifest. The same arguments give byte-identical files."""
    if n_measures < 1:
        raise SynthError("the corpus needs at least one measure")
    years = years or default_years(n_measures)
    rng = random.Random(f"ipdash-synth-{seed}")  # noqa: S311 - reproducible, not secret
    files: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    measures: list[SynthMeasure] = []
    for index, (year, count) in enumerate(split_measures(n_measures, years, rng).items()):
        # Issued in spring, like the real plans (after the March restructurings).
        day = date(year, 4, rng.randint(1, 28))
        text, meant = plan_document(year, count, day, seed, profile, templates, registry, patterns)
        if len(text) > MAX_DOCUMENT_CHARS:
            raise SynthError(
                f"the {year} document would be {len(text):,} characters long, more than the "
                f"reader accepts: spread {n_measures:,} measures over more plan years"
            )
        name = f"{index:03d}_synth_{year}.txt"
        files[name] = text
        measures += meant
        n_parts = text.count("\n" + templates.part_heading.split("{")[0])
        rows.append(
            {
                "file": name,
                "doc_id": f"synth-{year}",
                "plan_year": str(year),
                "period_label": str(year),
                "title": templates.title.format(year=year),
                "issuing_body": templates.issuing_body,
                "issue_date": day.isoformat(),
                "language": templates.language,
                "rendering": templates.rendering,
                "canonical": "true",
                "expected_measures": str(count),
                "rendering_note": templates.rendering_note.format(n_parts=n_parts, seed=seed),
            }
        )
    files[MANIFEST] = manifest_text(rows)
    return SynthCorpus(files=files, measures=tuple(measures))
