"""Turn source text (a measure, a heading, an attribution) into clean text.

The rules live in data/patterns/cleaning.yaml; this module only applies them in order.
"""

from __future__ import annotations

import re
import unicodedata

from ipdash.corpus.chinese import has_han
from ipdash.corpus.patterns import CleaningPatterns, apply_rule

# Decoration a heading or list line carries around its words in markdown renderings.
_DECORATION = " \t\r\n*_#>|"


def clean_text(text: str, cleaning: CleaningPatterns) -> str:
    """Apply every cleaning rule in order and trim the result."""
    han = has_han(text)
    for rule in cleaning.rules:
        if rule.chinese_only and not han:
            continue
        text = apply_rule(rule, text, cleaning.compound_prefixes)
    return text.strip()


def strip_decoration(text: str) -> str:
    """Remove markdown decoration (#, *, _, >, |) and spaces around a heading or label."""
    return text.strip(_DECORATION)


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "＂": '"', "＇": "'"})
_NON_WORD = re.compile(r"[^\w]+")


def comparable_words(text: str) -> list[str]:
    """Words of a text for comparing renderings: case, quotes, dashes and punctuation
    are ignored, so only differences a reader would call a different word remain."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return [w for w in _NON_WORD.split(folded) if w]
