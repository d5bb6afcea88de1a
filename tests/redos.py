"""Probes for catastrophic backtracking: for a regex, long strings that almost match it.

`regexes()` collects every regex ipdash runs: the patterns in data/patterns/*.yaml and
data/taxonomy/rules.yaml (as loaded and compiled), the compiled module constants and the
literal patterns passed to re.* in ipdash/*.py (read from the source, so a new one is
audited without being listed), each with how it is applied: "match" or "fullmatch" for
a literal passed to re.match or re.fullmatch, else "search" (every start position is
tried, the most work a regex can be given). `near_misses(regex)` reads the regex's syntax tree and
builds, for every repetition in it, the text before it followed by the repeated item
pumped to PROBE_CHARS characters and then a character that breaks the match: the
classic shape that makes a backtracking engine try every split (quadratic or
exponential time). tests/test_regex_safety.py times each probe.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

from ipdash import paths

try:  # Python 3.11+
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# Length of a probe: long enough that quadratic time shows (50k² steps), short enough
# that a linear regex reads it in milliseconds.
PROBE_CHARS = 50_000
# Probes per regex at most (the regexes with most repetitions have about a dozen).
MAX_PROBES = 40
# Characters tried, in order, when a probe needs one character of a class.
_ALPHABET = [
    *"azAZ10.,;:()[]-—–*_#>|$?\\/<{}'\"&+=~@%!é一十（）、．，；０ａ",
    *("\u3000", "\u00a0", " ", "\t", "\n", "\r"),
]
# Characters that end a probe: chosen to continue no pattern.
_BREAKERS = ("\x00", "\n", "!", " ")

_RE_FUNCTIONS = {
    "compile",
    "match",
    "search",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
}


def _walk_objects(obj: object, where: str, seen: set[int]) -> Iterator[tuple[str, re.Pattern[str]]]:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, re.Pattern):
        yield where, obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _walk_objects(getattr(obj, f.name), f"{where}.{f.name}", seen)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _walk_objects(item, f"{where}[{i}]", seen)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk_objects(value, f"{where}[{key!r}]", seen)


def _literal_flags(call: ast.Call) -> int | None:
    """The flags argument of a re.* call if it is re.X | re.Y or absent; None if unknown."""
    flags = [k.value for k in call.keywords if k.arg == "flags"]
    if not flags:
        return 0
    value = 0
    for node in ast.walk(flags[0]):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id != "re":
                return None
            value |= int(getattr(re, node.attr))
    return value


Found = tuple[str, re.Pattern[str], str]  # (where it comes from, regex, how it is applied)


def source_regexes(directory: Path = paths.ROOT / "ipdash") -> list[Found]:
    """Every literal pattern passed to re.compile/match/search/... in the package source."""
    found = []
    for path in sorted(directory.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCTIONS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            flags = _literal_flags(node)
            if flags is None:
                continue
            where = f"{path.name}:{node.lineno}"
            mode = node.func.attr if node.func.attr in ("match", "fullmatch") else "search"
            found.append((where, re.compile(node.args[0].value, flags), mode))
    return found


def regexes() -> list[Found]:
    """(where it comes from, compiled regex, how it is applied) for every regex ipdash
    runs, each once (the most demanding way it is applied)."""
    from ipdash.corpus.patterns import load_patterns
    from ipdash.corpus.themes import load_taxonomy

    seen: set[int] = set()
    found = [
        (where, regex, "search")
        for where, regex in [
            *_walk_objects(load_patterns(), "data/patterns", seen),
            *_walk_objects(load_taxonomy(), "data/taxonomy", seen),
        ]
    ]
    found += source_regexes()
    order = {"search": 0, "match": 1, "fullmatch": 2}
    unique: dict[tuple[str, int], Found] = {}
    for where, regex, mode in sorted(found, key=lambda f: order[f[2]]):
        unique.setdefault((regex.pattern, regex.flags), (where, regex, mode))
    return list(unique.values())


def apply(regex: re.Pattern[str], text: str, mode: str) -> None:
    """Run the regex over the text as ipdash applies it (search: every match)."""
    if mode == "match":
        regex.match(text)
    elif mode == "fullmatch":
        regex.fullmatch(text)
    else:
        for _ in regex.finditer(text):
            pass


# ---------------------------------------------------------------------------------------
# Near misses


def _in_class(ch: str, items: list, ignore_case: bool) -> bool:
    negate = False
    hit = False
    code = ord(ch)
    codes = {code, ord(ch.lower()[0]), ord(ch.upper()[0])} if ignore_case else {code}
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            hit = hit or av in codes
        elif op is sre.RANGE:
            hit = hit or any(av[0] <= c <= av[1] for c in codes)
        elif op is sre.CATEGORY:
            hit = hit or _in_category(ch, av)
    return hit != negate


def _in_category(ch: str, category: object) -> bool:
    tests = {
        sre.CATEGORY_DIGIT: lambda c: bool(re.match(r"\d", c)),
        sre.CATEGORY_NOT_DIGIT: lambda c: not re.match(r"\d", c),
        sre.CATEGORY_SPACE: lambda c: bool(re.match(r"\s", c)),
        sre.CATEGORY_NOT_SPACE: lambda c: not re.match(r"\s", c),
        sre.CATEGORY_WORD: lambda c: bool(re.match(r"\w", c)),
        sre.CATEGORY_NOT_WORD: lambda c: not re.match(r"\w", c),
    }
    test = tests.get(category)
    return bool(test and test(ch))


def _chars(op: object, av: object, ignore_case: bool) -> list[str]:
    """Characters that one single-character node accepts (a few, from _ALPHABET)."""
    if op is sre.LITERAL:
        return [chr(av)]  # type: ignore[arg-type]
    if op is sre.NOT_LITERAL:
        return [c for c in _ALPHABET if ord(c) != av][:3]
    if op is sre.ANY:
        return ["a", " ", "."]
    if op is sre.IN:
        return [c for c in _ALPHABET if _in_class(c, av, ignore_case)][:3]  # type: ignore[arg-type]
    return []


def _sample(seq: list, ignore_case: bool) -> str:
    """A short string matching the node sequence (best effort: probes need no more)."""
    out = []
    for op, av in seq:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            chars = _chars(op, av, ignore_case)
            out.append(chars[0] if chars else "a")
        elif op is sre.SUBPATTERN:
            out.append(_sample(av[-1], ignore_case))
        elif op is sre.BRANCH:
            out.append(_sample(av[1][0], ignore_case))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, _, item = av
            out.append(_sample(item, ignore_case) * max(low, 1 if low == 0 else low))
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            out.append(_sample(av, ignore_case))
    return "".join(out)


def _repeat_units(item: list, ignore_case: bool) -> list[str]:
    """Units worth pumping for a repeated item: its sample, and each single character it
    accepts when it is one character wide."""
    units = [_sample(item, ignore_case)]
    if len(item) == 1 and item[0][0] in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
        units += _chars(item[0][0], item[0][1], ignore_case)
    return [u for u in dict.fromkeys(units) if u]


def near_misses(regex: re.Pattern[str]) -> list[str]:
    """Long strings that almost match: for each repetition, prefix + pumped item + breaker,
    and the whole pattern's sample repeated without its last character."""
    ignore_case = bool(regex.flags & re.IGNORECASE)
    tree = list(sre_parse.parse(regex.pattern, regex.flags))
    probes: list[str] = []

    def pump(unit: str) -> str:
        return unit * (PROBE_CHARS // len(unit) + 1)

    def walk(seq: list, prefix: str) -> None:
        for idx, (op, av) in enumerate(seq):
            before = prefix + _sample(seq[:idx], ignore_case)
            after = _sample(seq[idx + 1 :], ignore_case)
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
                _, high, item = av
                if high is sre.MAXREPEAT or high > 1:
                    for unit in _repeat_units(item, ignore_case):
                        for breaker in _BREAKERS[:2]:
                            probes.append(before + pump(unit) + breaker)
                        if after:
                            probes.append(before + pump(unit + after[:1]) + _BREAKERS[0])
                walk(item, before)
            elif op is sre.SUBPATTERN:
                walk(av[-1], before)
            elif op is sre.BRANCH:
                for alternative in av[1]:
                    walk(alternative, before)
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                walk(av[1], before)

    walk(tree, "")
    whole = _sample(tree, ignore_case)
    if whole:
        probes.append(pump(whole))
        if len(whole) > 1:
            probes.append(pump(whole[:-1]))
    probes += [pump(c) for c in ("a", " ", "(", "1", ".")]
    return list(dict.fromkeys(probes))[:MAX_PROBES]
