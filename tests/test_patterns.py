"""ipdash.corpus.patterns: pattern files are validated on load, with file and line in errors."""

from __future__ import annotations

import shutil

import pytest

from ipdash import paths
from ipdash.corpus.patterns import load_cleaning, load_patterns, load_structure
from ipdash.errors import DataFileError


def test_patterns_load(patterns):
    assert [h.name for h in patterns.structure.headings] == [
        "part_word",
        "roman_dot",
        "ordinal_word",
        "chinese_dot",
        "paren_chinese",
        "paren_roman",
    ]
    assert [f.name for f in patterns.structure.measure_numbers] == ["paren_arabic", "arabic_paren"]
    assert [f.heading_tier for f in patterns.structure.measure_numbers] == [2, None]
    assert patterns.structure.number_words["twenty one"] == 21
    assert patterns.structure.number_words["one hundred and five"] == 105
    assert patterns.structure.ordinal_words["second"] == 2
    assert [r.name for r in patterns.cleaning.rules][-1] == "whitespace"


def _copy(tmp_path, name, old, new):
    target = tmp_path / "patterns"
    shutil.copytree(paths.PATTERNS, target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_rule_whose_example_fails_is_rejected_with_its_line(tmp_path):
    path = _copy(
        tmp_path, "cleaning.yaml", "'Speed up the construction'", "'Speed  up the construction'"
    )
    with pytest.raises(
        DataFileError, match=r"damaged_characters: example .* gives 'Speed up the construction'"
    ) as info:
        load_cleaning(path)
    assert f"{path}, line 48" in str(info.value)


def test_an_invalid_regex_is_rejected(tmp_path):
    path = _copy(
        tmp_path,
        "structure.yaml",
        "pattern: '(?<![\\w.])(?P<num>[IVXLC]{1,7})[.．、]'",
        "pattern: '(?P<num>[IVX'",
    )
    with pytest.raises(DataFileError, match="heading roman_dot: invalid regular expression"):
        load_structure(path)


def test_invalid_yaml_names_the_line(tmp_path):
    path = _copy(
        tmp_path,
        "structure.yaml",
        "level_names: [part, section, subsection]",
        "level_names: [part, section",
    )
    with pytest.raises(DataFileError, match="is not valid YAML") as info:
        load_structure(path)
    assert ", line " in str(info.value)


def test_load_patterns_is_cached():
    assert load_patterns() is load_patterns()
