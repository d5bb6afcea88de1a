"""The patterns that drive parsing, loaded from data/patterns/*.yaml and validated.

Nothing about a particular file lives here: the parser reads a document through these
patterns only, so a new plan with another heading style or attribution phrasing is
handled by adding a pattern, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ipdash import paths
from ipdash.datafiles import LineDict, compile_regex, read_yaml, require
from ipdash.errors import DataFileError

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class HeadingPattern:
    name: str
    tier: int
    regex: re.Pattern[str]


@dataclass(frozen=True)
class NumberFamily:
    """A way of numbering measures besides "1." (read in code): "(1)", "1)"."""

    name: str
    regex: re.Pattern[str]  # with a (?P<num>digits) group
    heading_tier: int | None  # the heading tier these markers take when not measures


@dataclass(frozen=True)
class CleaningRule:
    name: str
    why: str
    regex: re.Pattern[str]
    replace: str
    keep_compounds: bool
    chinese_only: bool = False  # only text holding Chinese characters can match


@dataclass(frozen=True)
class Phrasing:
    name: str
    roles: str  # "lead_first" | "joint"
    regex: re.Pattern[str]
    worded: bool = False  # the wording says the body is responsible ("Responsible by X")
    chinese: bool = False  # the pattern holds Chinese words: text without any cannot match


@dataclass(frozen=True)
class StructurePatterns:
    number_words: dict[str, int]
    number_word_regex: re.Pattern[str]
    ordinal_words: dict[str, int]
    chinese_numerals: dict[str, int]
    headings: tuple[HeadingPattern, ...]
    measure_numbers: tuple[NumberFamily, ...]
    level_names: tuple[str, ...]
    omitted_range: re.Pattern[str]
    omitted_text: re.Pattern[str]
    section_intro: re.Pattern[str]
    section_label: re.Pattern[str]
    role_note: re.Pattern[str]
    boilerplate: tuple[re.Pattern[str], ...]
    stated_count: tuple[re.Pattern[str], ...]  # "共47项" / "the following 110 measures"


@dataclass(frozen=True)
class CleaningPatterns:
    rules: tuple[CleaningRule, ...]
    compound_prefixes: frozenset[str]


@dataclass(frozen=True)
class AttributionPatterns:
    max_length: int
    phrasings: tuple[Phrasing, ...]
    separators: re.Pattern[str]
    leading_words: frozenset[str]
    organisation_words: frozenset[str]
    # The grammar's role clauses, built from the role words: "X牵头，Y参与" and "X牵头".
    lead_participants: re.Pattern[str]
    leads_only: re.Pattern[str]
    # A participant or lead mark at the end: both role-clause forms end in one, so an
    # attribution whose end has none is tried no further (a quick test of its tail).
    role_marks: re.Pattern[str]
    open_list: re.Pattern[str]  # an open-list ending at the end of a list of names
    organisation_endings: tuple[str, ...]  # endings of Chinese organisation names


@dataclass(frozen=True)
class Patterns:
    structure: StructurePatterns
    cleaning: CleaningPatterns
    attribution: AttributionPatterns


def _string_list(mapping: LineDict, key: str, path: Path) -> list[str]:
    values = require(mapping, key, path, list)
    for value in values:
        if not isinstance(value, str) or not value:
            raise DataFileError(
                str(path), getattr(values, "line", None), f"'{key}' must list non-empty strings"
            )
    return list(values)


def _number_words(spec: LineDict, path: Path) -> tuple[dict[str, int], re.Pattern[str]]:
    """Map number words to values (1-199) and build one regex that finds them.

    The regex matches the longest form first ("twenty one" before "twenty") and allows
    the words to be glued to a preceding word, as run-on scrapes do ("rulestwenty two.").
    """
    units = _string_list(spec, "units", path)
    teens = _string_list(spec, "teens", path)
    tens = _string_list(spec, "tens", path)
    hundred = require(spec, "hundred", path, str)
    if len(units) != 9 or len(teens) != 10 or len(tens) != 8:
        raise DataFileError(
            str(path), spec.line, "number_words needs 9 units, 10 teens (ten..nineteen), 8 tens"
        )
    below_100: dict[str, int] = {}
    for i, word in enumerate(units, start=1):
        below_100[word] = i
    for i, word in enumerate(teens, start=10):
        below_100[word] = i
    for t, tens_word in enumerate(tens, start=2):
        below_100[tens_word] = t * 10
        for u, unit in enumerate(units, start=1):
            below_100[f"{tens_word} {unit}"] = t * 10 + u
    words = dict(below_100)
    words[f"one {hundred}"] = 100
    words[f"a {hundred}"] = 100
    for phrase, value in below_100.items():
        words[f"one {hundred} {phrase}"] = 100 + value
        words[f"one {hundred} and {phrase}"] = 100 + value
    unit_alt = "|".join(units)
    teen_alt = "|".join(teens)
    tens_alt = "|".join(tens)
    below = rf"(?:(?:{tens_alt})(?:[ -](?:{unit_alt}))?|{teen_alt}|{unit_alt})"
    # Every form starts with one of these letters: checking it first makes the scan of a
    # long document about twice as fast without changing what matches.
    initials = "".join(sorted({w[0].lower() for w in [*units, *teens, *tens, "one", "a"]}))
    regex = re.compile(
        rf"(?i)(?=[{re.escape(initials)}])"
        rf"(?P<words>(?:(?:one|a)[ ]{hundred}(?:[ ](?:and[ ])?{below})?)|{below})"
        r"(?P<dot>[.．])"
    )
    return words, regex


def load_structure(path: Path) -> StructurePatterns:
    data = read_yaml(path)
    number_words, number_word_regex = _number_words(require(data, "number_words", path, dict), path)
    ordinals = _string_list(data, "ordinal_words", path)
    chinese = require(data, "chinese_numerals", path, dict)
    headings = []
    for entry in require(data, "headings", path, list):
        if not isinstance(entry, dict):
            raise DataFileError(str(path), None, "each heading pattern must be a mapping")
        name = require(entry, "name", path, str)
        tier = require(entry, "tier", path, int)
        regex = compile_regex(
            require(entry, "pattern", path, str), path, entry.line, f"heading {name}"
        )
        headings.append(HeadingPattern(name=name, tier=tier, regex=regex))

    def rx(key: str) -> re.Pattern[str]:
        return compile_regex(require(data, key, path, str), path, None, key)

    families = []
    for entry in require(data, "measure_numbers", path, list):
        name = require(entry, "name", path, str)
        regex = compile_regex(require(entry, "pattern", path, str), path, entry.line, name)
        if "num" not in regex.groupindex:
            raise DataFileError(
                str(path), entry.line, f"{name}: pattern needs a (?P<num>...) group"
            )
        tier = entry.get("heading_tier")
        if tier is not None and not isinstance(tier, int):
            raise DataFileError(str(path), entry.line, f"{name}: heading_tier must be a number")
        families.append(NumberFamily(name, regex, tier))
    counts = tuple(
        compile_regex(p, path, None, "stated_count")
        for p in _string_list(data, "stated_count", path)
    )
    for count in counts:
        if "n" not in count.groupindex:
            raise DataFileError(str(path), None, f"stated_count {count.pattern!r} needs (?P<n>...)")

    boilerplate = tuple(
        compile_regex(p, path, None, "boilerplate") for p in _string_list(data, "boilerplate", path)
    )
    return StructurePatterns(
        number_words=number_words,
        number_word_regex=number_word_regex,
        ordinal_words={w.lower(): i for i, w in enumerate(ordinals, start=1)},
        chinese_numerals={str(k): int(v) for k, v in chinese.items()},
        headings=tuple(headings),
        measure_numbers=tuple(families),
        level_names=tuple(_string_list(data, "level_names", path)),
        omitted_range=rx("omitted_range"),
        omitted_text=rx("omitted_text"),
        section_intro=rx("section_intro"),
        section_label=rx("section_label"),
        role_note=rx("role_note"),
        boilerplate=boilerplate,
        stated_count=counts,
    )


def apply_rule(rule: CleaningRule, text: str, compounds: frozenset[str]) -> str:
    """Apply one cleaning rule; rules marked keep_compounds keep real compound hyphens."""
    if not rule.keep_compounds:
        return rule.regex.sub(rule.replace, text)

    def join(match: re.Match[str]) -> str:
        # The pattern matches the hyphen and the break only; the broken word's first part
        # is read back from the text (at most 40 letters) to see if it is a compound prefix.
        start = match.start()
        left = start
        while left > 0 and start - left < 40 and match.string[left - 1].isalpha():
            left -= 1
        if match.string[left:start].lower() in compounds:
            return "-"
        return rule.replace

    return rule.regex.sub(join, text)


def load_cleaning(path: Path) -> CleaningPatterns:
    data = read_yaml(path)
    compounds = frozenset(w.lower() for w in _string_list(data, "compound_prefixes", path))
    rules = []
    for entry in require(data, "rules", path, list):
        name = require(entry, "name", path, str)
        regex = compile_regex(require(entry, "pattern", path, str), path, entry.line, name)
        replace = require(entry, "replace", path, str)
        rule = CleaningRule(
            name=name,
            why=require(entry, "why", path, str),
            regex=regex,
            replace=replace,
            keep_compounds=bool(entry.get("keep_compounds", False)),
            chinese_only=bool(entry.get("chinese_only", False)),
        )
        example = require(entry, "example", path, list)
        if len(example) != 2:
            raise DataFileError(str(path), entry.line, f"{name}: example must be [before, after]")
        try:
            got = apply_rule(rule, example[0], compounds)
        except (re.error, IndexError) as exc:
            raise DataFileError(str(path), entry.line, f"{name}: bad replacement ({exc})") from exc
        if got != example[1]:
            raise DataFileError(
                str(path),
                entry.line,
                f"{name}: example {example[0]!r} gives {got!r}, expected {example[1]!r}",
            )
        rules.append(rule)
    return CleaningPatterns(rules=tuple(rules), compound_prefixes=compounds)


def load_attribution(path: Path) -> AttributionPatterns:
    data = read_yaml(path)
    phrasings = []
    for entry in require(data, "phrasings", path, list):
        name = require(entry, "name", path, str)
        roles = require(entry, "roles", path, str)
        if roles not in {"lead_first", "joint"}:
            raise DataFileError(
                str(path), entry.line, f"{name}: roles must be lead_first or joint, got {roles!r}"
            )
        regex = compile_regex(require(entry, "pattern", path, str), path, entry.line, name)
        if "names" not in regex.groupindex:
            raise DataFileError(
                str(path), entry.line, f"{name}: pattern needs a (?P<names>...) group"
            )
        worded = entry.get("worded", False)
        if not isinstance(worded, bool):
            raise DataFileError(str(path), entry.line, f"{name}: worded must be true or false")
        phrasings.append(
            Phrasing(name, roles, regex, worded, chinese=bool(_HAN.search(regex.pattern)))
        )
    lead_participants, leads_only, role_marks = _role_clauses(
        require(data, "role_clauses", path, dict), path
    )
    endings = _string_list(data, "open_list_endings", path)
    return AttributionPatterns(
        max_length=require(data, "max_length", path, int),
        phrasings=tuple(phrasings),
        separators=compile_regex(require(data, "separators", path, str), path, None, "separators"),
        leading_words=frozenset(w.lower() for w in _string_list(data, "leading_words", path)),
        organisation_words=frozenset(
            w.lower() for w in _string_list(data, "organisation_words", path)
        ),
        lead_participants=lead_participants,
        leads_only=leads_only,
        role_marks=role_marks,
        open_list=compile_regex(
            "(?i)(?:" + "|".join(endings) + ")$", path, None, "open_list_endings"
        ),
        organisation_endings=tuple(_string_list(data, "organisation_endings", path)),
    )


def _role_clauses(
    spec: LineDict, path: Path
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The two role-clause forms of the grammar, from the role words: leads, a
    separator, an optional opener and participants ("X is responsible, with Y
    participating"), and leads alone ("X牵头"). A name group never ends in a space
    ((?<![ ])) and an English mark never starts inside a word ((?<![A-Za-z]))."""

    def alternatives(key: str) -> str:
        words = _string_list(spec, key, path)
        for word in words:
            compile_regex(word, path, spec.line, f"role_clauses.{key}")
        return "(?:" + "|".join(words) + ")"

    lead = alternatives("lead_marks")
    participant = alternatives("participant_marks")
    opener = alternatives("openers")
    separator = require(spec, "separator", path, str)
    end = r"(?<![ ])[ ]*(?<![A-Za-z])"
    both = (
        rf"(?i)^(?P<leads>.{{1,780}}?){end}{lead}(?:{separator})(?:{opener}[ ]++)?"
        rf"(?P<participants>.{{1,780}}?){end}{participant}$"
    )
    alone = rf"(?i)^(?P<leads>.{{1,780}}?){end}{alternatives('leads_only_marks')}$"
    marks = rf"(?i)(?:{participant}|{alternatives('leads_only_marks')})$"
    return (
        compile_regex(both, path, spec.line, "role_clauses"),
        compile_regex(alone, path, spec.line, "role_clauses"),
        compile_regex(marks, path, spec.line, "role_clauses"),
    )


@lru_cache(maxsize=4)
def load_patterns(directory: Path = paths.PATTERNS) -> Patterns:
    """Load and validate all pattern files (cached per directory)."""
    return Patterns(
        structure=load_structure(directory / "structure.yaml"),
        cleaning=load_cleaning(directory / "cleaning.yaml"),
        attribution=load_attribution(directory / "attribution.yaml"),
    )
