"""Read the attribution in parentheses after a measure: which phrasing it uses, how
roles follow from it, and the list of names it holds (split later against the registry).
Pure functions over patterns from data/patterns/attribution.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipdash.corpus.patterns import AttributionPatterns

# An all-capitals token of 2-10 letters is an acronym such as SASAC or CCPIT.
_ACRONYM = re.compile(r"^[A-Z][A-Z&-]{1,9}$")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Phrase:
    """The phrasing found in an attribution and the names it wraps."""

    phrasing: str  # name of the matched phrasing, e.g. "responsible_by"
    roles: str  # "lead_first" | "joint"
    names: str  # the list of names, still unsplit


def match_phrasing(content: str, patterns: AttributionPatterns) -> Phrase | None:
    """Match cleaned attribution content (without its parentheses) against the phrasings."""
    content = content.strip().rstrip(".;,").strip()
    if not content or len(content) > patterns.max_length:
        return None
    for phrasing in patterns.phrasings:
        match = phrasing.regex.match(content)
        if match:
            names = match.group("names").strip().rstrip(",;").strip()
            if names:
                return Phrase(phrasing=phrasing.name, roles=phrasing.roles, names=names)
    return None


def split_simple(names: str, patterns: AttributionPatterns) -> list[str]:
    """Split a list of names at every separator, dropping leading 'the'/'and'."""
    pieces = []
    for piece in patterns.separators.split(names):
        piece = strip_leading_words(piece, patterns)
        if piece:
            pieces.append(piece)
    return pieces


def strip_leading_words(name: str, patterns: AttributionPatterns) -> str:
    """Drop leading words such as 'the' ('the Ministry of Finance' -> 'Ministry of Finance')."""
    name = name.strip(" \t\n,;")
    while True:
        head, _, rest = name.partition(" ")
        if rest and head.lower() in patterns.leading_words:
            name = rest.strip()
        else:
            return name


def is_organisation_like(name: str, patterns: AttributionPatterns) -> bool:
    """True if a name holds an organisation word (Ministry, Office, ...) or is an acronym."""
    if _ACRONYM.match(name.strip()):
        return True
    return any(w.lower() in patterns.organisation_words for w in _WORD.findall(name))


def looks_like_body_list(names: str, patterns: AttributionPatterns) -> bool:
    """Heuristic used when no registry is at hand: the list starts with a capitalised
    name or an acronym and holds at least one organisation word (Ministry, Office, ...).
    "(Draft)", "(2021-2025)" and "(parks, enterprises, and guiding stations)" do not."""
    first = strip_leading_words(names, patterns)
    if not first or not first[0].isupper():
        return False
    words = {w.lower() for w in _WORD.findall(names)}
    return bool(words & patterns.organisation_words)
