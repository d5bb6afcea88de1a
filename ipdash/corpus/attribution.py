"""Read the attribution in parentheses after a measure: the grammar of its clauses, how
roles follow from them, and the lists of names they hold (split later against the
registry). Pure functions over patterns from data/patterns/attribution.yaml.

The grammar (the words are data, see attribution.yaml):

    attribution  :=  leads lead_mark separator [opener] participants participant_mark
                  |  leads lead_mark
                  |  list_form
    list_form    :=  one of the phrasings: a list of names wrapped in words that say how
                     roles follow (first leads; joint "according to their duties"; ...)
    names        :=  name {separator name} [open_list_suffix]

"X牵头，Y参与", "X is responsible, with Y participating" and "X leads, Y participates"
give X the lead and Y a part in the text's own words (roles "explicit"); a list gives the
first-listed body the lead only through the plan's role note (roles "lead_first"); a
list said to act "according to their respective duties" / 按职责分工负责 has no lead
(roles "joint"). A list ending in "and other departments" / 等部门 is open.

Chinese attributions are matched in simplified characters (ipdash.corpus.chinese), one
character for one, and every name is cut from the text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipdash.corpus import chinese
from ipdash.corpus.patterns import AttributionPatterns

# An all-capitals token of 2-10 letters is an acronym such as SASAC or CCPIT.
_ACRONYM = re.compile(r"^[A-Z][A-Z&-]{1,9}$")
_WORD = re.compile(r"[A-Za-z]+")
# Trailing punctuation that is not part of the attribution.
_TRAILING = ".;,。；，"
# Endings (role marks, open-list endings) are looked for in this many last characters.
_TAIL = 60


@dataclass(frozen=True)
class Clause:
    """A list of names and the role the attribution gives them."""

    names: str  # the names as written, unsplit
    # "ordered": the first leads and the others participate (a plain list);
    # "joint": no lead; "lead" / "participant": every name in the clause
    role: str


@dataclass(frozen=True)
class Phrase:
    """The form found in an attribution and the names it wraps."""

    phrasing: str  # name of the matched form, e.g. "responsible_by", "lead_participants"
    roles: str  # "lead_first" | "joint" | "explicit"
    names: str  # every name, still unsplit (the clauses' names joined)
    clauses: tuple[Clause, ...] = ()
    open_list: bool = False  # the list ends in "and other departments" / 等部门
    open_suffix: str = ""  # that ending as written
    # The wording says the body is responsible ("Responsible by X", "X负责"): a single
    # body named so leads in the text's own words.
    worded: bool = False


def match_phrasing(content: str, patterns: AttributionPatterns) -> Phrase | None:
    """Read cleaned attribution content (without its parentheses) by the grammar."""
    content = content.strip().rstrip(_TRAILING).strip()
    if not content or len(content) > patterns.max_length:
        return None
    form = chinese.simplified(content)  # as long as content: offsets are shared
    if patterns.role_marks.search(form, max(0, len(form) - _TAIL)):
        explicit = _role_clauses(content, form, patterns)
        if explicit is not None:
            return explicit
    han = chinese.has_han(form)
    for phrasing in patterns.phrasings:
        if phrasing.chinese and not han:
            continue
        match = phrasing.regex.match(form)
        if match:
            names = _group(content, match, "names")
            if names:
                names, suffix = _open_list(names, patterns)
                if not names:
                    continue
                role = "joint" if phrasing.roles == "joint" else "ordered"
                return Phrase(
                    phrasing=phrasing.name,
                    roles=phrasing.roles,
                    names=names,
                    clauses=(Clause(names, role),),
                    open_list=bool(suffix),
                    open_suffix=suffix,
                    worded=phrasing.worded,
                )
    return None


def _group(content: str, match: re.Match[str], name: str) -> str:
    """A group of a match in the matching form, cut from the content as written."""
    return content[match.start(name) : match.end(name)].strip().rstrip(",;，；、").strip()


def _role_clauses(content: str, form: str, patterns: AttributionPatterns) -> Phrase | None:
    """'X牵头，Y参与' / 'X is responsible, with Y participating' / 'X leads': roles in the
    text's own words."""
    match = patterns.lead_participants.match(form)
    if match:
        leads, lead_suffix = _open_list(_group(content, match, "leads"), patterns)
        parts, part_suffix = _open_list(_group(content, match, "participants"), patterns)
        if leads and parts:
            return Phrase(
                phrasing="lead_participants",
                roles="explicit",
                names=f"{leads}; {parts}",
                clauses=(Clause(leads, "lead"), Clause(parts, "participant")),
                open_list=bool(lead_suffix or part_suffix),
                open_suffix=part_suffix or lead_suffix,
                worded=True,
            )
    match = patterns.leads_only.match(form)
    if match:
        leads, suffix = _open_list(_group(content, match, "leads"), patterns)
        if leads:
            return Phrase(
                phrasing="leads",
                roles="explicit",
                names=leads,
                clauses=(Clause(leads, "lead"),),
                open_list=bool(suffix),
                open_suffix=suffix,
                worded=True,
            )
    return None


def _open_list(names: str, patterns: AttributionPatterns) -> tuple[str, str]:
    """The names without an open-list ending ("and other departments", 等部门), and
    that ending as written ("" when the list is closed)."""
    form = chinese.simplified(names)
    found = patterns.open_list.search(form, max(0, len(form) - _TAIL))
    if found is None:
        return names, ""
    return names[: found.start()].strip().rstrip(",;，；、").strip(), names[found.start() :].strip()


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
    """True if a name holds an organisation word (Ministry, Office, ...), is an acronym,
    or is a Chinese name ending like one (…部, …局, …委员会)."""
    if _ACRONYM.match(name.strip()):
        return True
    if chinese.has_han(name):
        # "中央宣传部（国家版权局）": the name before its bracketed second name counts too.
        bare = chinese.simplified(name.strip().rstrip(")）"))
        return bare.endswith(patterns.organisation_endings)
    return any(w.lower() in patterns.organisation_words for w in _WORD.findall(name))


def looks_like_body_list(names: str, patterns: AttributionPatterns) -> bool:
    """Heuristic used when no registry is at hand: the list starts with a capitalised
    name or an acronym and holds at least one organisation word (Ministry, Office, ...),
    or starts with a Chinese name ending like an organisation (…部, …局).
    "(Draft)", "(2021-2025)", "(parks, enterprises, and guiding stations)" and
    "(含网络销售渠道)" do not."""
    first = strip_leading_words(names, patterns)
    if first and chinese.has_han(first[:1]):
        pieces = split_simple(names, patterns)
        return bool(pieces) and is_organisation_like(pieces[0], patterns)
    if not first or not first[0].isupper():
        return False
    words = {w.lower() for w in _WORD.findall(names)}
    return bool(words & patterns.organisation_words)
