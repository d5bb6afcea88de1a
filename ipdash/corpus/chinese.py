"""Chinese text for matching: traditional characters read as simplified ones, and the
spaces PDF extraction leaves between Chinese characters.

Normalisation is for matching only: documents keep their own characters. `simplified`
returns a string exactly as long as its input (one character for one), so an offset
found in the simplified form is the same offset in the original: patterns written in
simplified characters find traditional text, and what they find is cut from the
original.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Han ideographs (the unified block, extension A, compatibility ideographs).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Han, CJK punctuation (、。「」…) and full-width forms (（），：；).
CJK = HAN + "\u3000-\u303f\uff00-\uffef"
# Literal patterns (not built from HAN and CJK) so that tests/redos.py audits them.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Whitespace with a Chinese character on both sides is layout (a PDF line break or a
# stray space inside a name); Chinese text has no spaces. (?<=…) at the first
# whitespace character only: linear time on long runs.
_CJK_GAP = re.compile(
    "(?<=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])\\s+"
    "(?=[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
# A text whose letters are at least this share Chinese characters is written in Chinese.
CHINESE_SHARE = 0.3
# Strings converted per call are cached up to this length (names, attributions, lines).
_CACHED_CHARS = 400


def has_han(text: str) -> bool:
    """True if the text holds a Chinese character."""
    return not text.isascii() and _HAN.search(text) is not None


@lru_cache(maxsize=1)
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65_536)
def _char(ch: str) -> str:
    converted = _converter().convert(ch)  # type: ignore[attr-defined]
    return converted if len(converted) == 1 else ch


def _simplified(text: str) -> str:
    converted = _converter().convert(text)  # type: ignore[attr-defined]
    if len(converted) == len(text):
        return converted
    # A phrase converted to a different length: convert character by character instead.
    return "".join(_char(ch) if _HAN.match(ch) else ch for ch in text)


@lru_cache(maxsize=16_384)
def _simplified_short(text: str) -> str:
    return _simplified(text)


def simplified(text: str) -> str:
    """The text with traditional characters written as simplified ones (OpenCC t2s),
    one character for one: the result is exactly as long as the text. Text without
    Chinese characters is returned as it is."""
    if not has_han(text):
        return text
    if len(text) <= _CACHED_CHARS:
        return _simplified_short(text)
    return _simplified(text)


def without_layout_spaces(text: str) -> str:
    """The text without whitespace between two Chinese characters or punctuation marks
    ("国家中医 药局" → "国家中医药局")."""
    if not has_han(text):
        return text
    return _CJK_GAP.sub("", text)


def share_of_han(text: str, sample: int = 20_000) -> float:
    """Chinese characters as a share of the letters in (the start of) the text."""
    head = text[:sample]
    han = len(_HAN.findall(head))
    if not han:  # no need to count the letters (most of the time of an English text)
        return 0.0
    return han / sum(map(str.isalpha, head))


def is_chinese(text: str) -> bool:
    """True for a text written in Chinese (not an English text quoting a Chinese name)."""
    return share_of_han(text) >= CHINESE_SHARE
