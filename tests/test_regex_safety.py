"""No regex ipdash runs backtracks catastrophically: every pattern in data/patterns/*.yaml,
data/taxonomy/rules.yaml and ipdash/*.py gets long strings that almost match it
(tests/redos.py builds them from the pattern's own syntax tree) and must finish each in
well under a second. A guard against quadratic and exponential blow-up, not a benchmark:
a linear regex reads 50,000 characters in milliseconds."""

from __future__ import annotations

import re
import time

import pytest

from tests.redos import PROBE_CHARS, apply, near_misses, regexes, source_regexes

# Generous bound per probe (CPU time; a linear pattern takes a few milliseconds).
SECONDS_PER_PROBE = 1.0


def test_every_kind_of_regex_is_audited():
    found = regexes()
    places = {where.split(":")[0] if ":" in where else where.split(".")[0] for where, _, _ in found}
    assert {
        "data/patterns",
        "data/taxonomy",
        "parse.py",
        "numbering.py",
        "chinese.py",
        "sources.py",
        "agencies.py",
        "themes.py",
    } <= places
    wheres = {where for where, _, _ in found}
    # the attribution grammar, the number families and the Chinese theme rules
    for field in ("lead_participants", "leads_only", "role_marks", "open_list"):
        assert f"data/patterns.attribution.{field}" in wheres
    assert any(w.startswith("data/patterns.structure.measure_numbers") for w in wheres)
    assert any(w.startswith("data/taxonomy.rules_zh") for w in wheres)
    assert len(found) > 150
    patterns = {regex.pattern for _, regex, _ in found}
    assert r"(?<!\d)\d+[.．、]" in patterns  # an inline pattern of ipdash/corpus/numbering.py
    assert any("separators" in where for where, _, _ in found)


def test_inline_patterns_are_read_with_how_they_are_applied():
    modes = {(where.split(":")[0], regex.pattern): mode for where, regex, mode in source_regexes()}
    assert modes[("parse.py", r"[—–-]*\s*\d{1,4}\s*[—–-]*")] == "fullmatch"
    assert modes[("numbering.py", r"(?<!\d)\d+[.．、]")] == "search"


def test_near_misses_pump_each_repetition_to_the_full_length():
    probes = near_misses(re.compile(r"[ \t]?(?<!\?)\?{2,}(?=\w)"))
    assert all(len(p) >= PROBE_CHARS for p in probes)
    assert any(p.startswith(" ??????") and p.endswith("?\x00") for p in probes)


def test_the_probes_catch_a_quadratic_pattern():
    """The old form of the damaged_characters rule: a long run of ? without a word
    after it made every start position scan the whole run."""
    old = re.compile(r"[ \t]?\?{2,}(?=\w)")
    assert any(set(p.strip(" \x00\n")) == {"?"} for p in near_misses(old))
    probe = "?" * 6_000 + "\x00"  # short: the old pattern needs 36 million steps here
    started = time.process_time()
    apply(old, probe, "search")
    slow = time.process_time() - started
    started = time.process_time()
    apply(re.compile(r"[ \t]?(?<!\?)\?{2,}(?=\w)"), probe, "search")
    fast = time.process_time() - started
    assert slow > 20 * fast


@pytest.mark.slow
def test_no_regex_backtracks_catastrophically_on_near_misses():
    slow = []
    for where, regex, mode in regexes():
        for probe in near_misses(regex):
            started = time.process_time()
            apply(regex, probe, mode)
            seconds = time.process_time() - started
            if seconds > SECONDS_PER_PROBE:
                slow.append(
                    f"{where} {regex.pattern[:60]!r} ({mode}): {seconds:.2f} s on {probe[:20]!r}…"
                )
    assert slow == []
