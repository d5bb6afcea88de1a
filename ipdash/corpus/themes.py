"""Themes: the codebook, and a deterministic, explainable classifier that gives every
measure one primary theme, optional secondary themes, a score margin and its evidence.

All knowledge is data in data/taxonomy/:
- themes.yaml: the codebook (12 themes, precedence, colours, decision rules);
- rules.yaml: phrases and patterns per theme, with weights;
- section_crosswalk.csv: every known plan section -> default theme, with a rationale;
- manual_decisions.csv: the few measures decided by hand, each with a reason.

How a measure is classified (the same for plans never seen before):
1. Every rule pattern is searched in the measure text. A match counts its weight times
   a position factor: in the lead clause (the main action, rule R1/R3) it counts most.
2. The section heading adds a prior to one theme: from the crosswalk if the section is
   known, else from the rules applied to the heading's own words (R14).
3. Subject themes (defence, special fields, international, emerging) are checked first,
   in precedence order: one wins if it is in the main action or dominates the text (R2).
4. Otherwise the function theme with the highest score wins; ties go to the section
   prior, then to codebook precedence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ipdash import paths
from ipdash.corpus import chinese
from ipdash.datafiles import compile_regex, read_csv, read_yaml, require, unique_or_fail
from ipdash.errors import DataFileError

THEMES_FILE = "themes.yaml"
RULES_FILE = "rules.yaml"
RULES_ZH_FILE = "rules_zh.yaml"
CROSSWALK_FILE = "section_crosswalk.csv"
MANUAL_FILE = "manual_decisions.csv"

# Position factors: the lead clause carries the main action (R1, R3).
LEAD_CLAUSE_FACTOR = 2.0
FIRST_SENTENCE_FACTOR = 1.25
LATER_FACTOR = 1.0
# A lead clause is at least this long before a comma may end it ("Revise the law, and").
MIN_LEAD_CLAUSE_CHARS = 25
# The same for a measure written in Chinese (characters: "加强商标审查，…").
MIN_LEAD_CLAUSE_CHARS_ZH = 4
# Bonus for a main-action phrase in the lead clause (R3: the first main action decides;
# R4: a law's revision is legislation whatever the law is about).
MAIN_ACTION_BONUS = 6.0
# Weight of the section heading's prior: enough to settle a close call (R14), not to
# overrule a clear text.
SECTION_PRIOR_WEIGHT = 1.5
# A subject theme wins if it matches in the lead clause with at least this score, or
# scores at least this share of all rule evidence (it is what the measure is about).
SUBJECT_LEAD_MIN_SCORE = 3.5
SUBJECT_DOMINANT_SHARE = 0.5
SUBJECT_DOMINANT_MIN_SCORE = 4.0
# Secondary themes: other themes scoring at least this share of the primary's score.
SECONDARY_SHARE = 0.5
MAX_SECONDARY = 2
# Score margin (top minus runner-up, over top) for the confidence bands.
HIGH_CONFIDENCE_MARGIN = 0.5
MEDIUM_CONFIDENCE_MARGIN = 0.2
# The codebook caps manual decisions at this share of measures.
MAX_MANUAL_SHARE = 0.05

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Theme:
    theme_id: str
    label: str
    kind: str  # "subject" | "function"
    precedence: int
    colour: str
    definition: str


@dataclass(frozen=True)
class DecisionRule:
    rule_id: str
    rule: str


@dataclass(frozen=True)
class Rule:
    theme_id: str
    name: str
    regex: re.Pattern[str]
    weight: float
    pattern: str
    main_action: bool = False


@dataclass(frozen=True)
class CrosswalkEntry:
    plan_year: int
    label: str
    theme_id: str
    rationale: str


@dataclass(frozen=True)
class ManualDecision:
    measure_id: str
    theme_id: str
    reason: str


@dataclass(frozen=True)
class Taxonomy:
    themes: dict[str, Theme]  # in precedence order
    decision_rules: tuple[DecisionRule, ...]
    rules: tuple[Rule, ...]
    action_verbs: re.Pattern[str]  # " and <verb>" that opens a second action
    crosswalk: dict[tuple[int, str], CrosswalkEntry]
    manual: dict[str, ManualDecision]
    rules_zh: tuple[Rule, ...] = ()  # for measures written in Chinese (rules_zh.yaml)
    # Derived once and kept: section_prior's answers by (heading path, plan year) (a plan
    # has many measures under few headings) and the rules' literal index (score_text).
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def subject_ids(self) -> list[str]:
        return [t.theme_id for t in self.themes.values() if t.kind == "subject"]


def _label_key(label: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", label.lower()).split())


def _load_codebook(path: Path) -> tuple[dict[str, Theme], tuple[DecisionRule, ...]]:
    data = read_yaml(path)
    themes = []
    for entry in require(data, "themes", path, list):
        theme = Theme(
            theme_id=require(entry, "id", path, str),
            label=require(entry, "label", path, str),
            kind=require(entry, "kind", path, str),
            precedence=require(entry, "precedence", path, int),
            colour=require(entry, "colour", path, str),
            definition=" ".join(require(entry, "definition", path, str).split()),
        )
        if theme.kind not in {"subject", "function"}:
            raise DataFileError(
                str(path),
                entry.line,
                f"{theme.theme_id}: kind must be subject or function, got {theme.kind!r}",
            )
        if not _HEX.match(theme.colour):
            raise DataFileError(str(path), entry.line, f"{theme.theme_id}: colour must be #RRGGBB")
        themes.append((theme, entry.line))
    unique_or_fail(((t.theme_id, line) for t, line in themes), path, "theme id")
    unique_or_fail(((str(t.precedence), line) for t, line in themes), path, "precedence")
    ordered = sorted((t for t, _ in themes), key=lambda t: t.precedence)
    kinds = [t.kind for t in ordered]
    if (
        "subject" in kinds
        and kinds.index("function") < len(kinds) - kinds[::-1].index("subject") - 1
    ):
        raise DataFileError(
            str(path), None, "subject themes must come before function themes in precedence"
        )
    rules = tuple(
        DecisionRule(require(r, "id", path, str), " ".join(require(r, "rule", path, str).split()))
        for r in require(data, "decision_rules", path, list)
    )
    return {t.theme_id: t for t in ordered}, rules


def _load_action_verbs(path: Path) -> re.Pattern[str]:
    data = read_yaml(path)
    verbs = require(data, "action_verbs", path, list)
    if not verbs or not all(isinstance(v, str) and v.isalpha() for v in verbs):
        raise DataFileError(
            str(path), getattr(verbs, "line", None), "action_verbs must list single words"
        )
    alternatives = "|".join(sorted(set(verbs), key=len, reverse=True))
    # (?<![ ]): spaces only from the first of a run (measure text has single spaces);
    # trying every space of a long run would take quadratic time.
    return re.compile(rf"(?i),?(?<![ ])[ ]+and[ ]+(?:{alternatives})\b")


def _load_rules(path: Path, themes: dict[str, Theme]) -> tuple[Rule, ...]:
    data = read_yaml(path)
    spec = require(data, "themes", path, dict)
    rules = []
    for theme_id, entries in spec.items():
        if theme_id not in themes:
            raise DataFileError(
                str(path),
                getattr(entries, "line", None),
                f"rules for unknown theme {theme_id!r} (not in {THEMES_FILE})",
            )
        if not isinstance(entries, list) or not entries:
            raise DataFileError(
                str(path), getattr(entries, "line", None), f"{theme_id}: give a list of rules"
            )
        names = []
        for entry in entries:
            name = require(entry, "name", path, str)
            pattern = require(entry, "pattern", path, str)
            weight = require(entry, "weight", path, (int, float))
            if not 0 < weight <= 5:
                raise DataFileError(
                    str(path), entry.line, f"{theme_id}/{name}: weight must be in (0, 5]"
                )
            regex = compile_regex("(?i)" + pattern, path, entry.line, f"{theme_id}/{name}")
            main_action = entry.get("main_action", False)
            if not isinstance(main_action, bool):
                raise DataFileError(
                    str(path), entry.line, f"{theme_id}/{name}: main_action must be true or false"
                )
            rules.append(Rule(theme_id, name, regex, float(weight), pattern, main_action))
            names.append((f"{theme_id}/{name}", entry.line))
        unique_or_fail(names, path, "rule name")
    missing = set(themes) - set(spec)
    if missing:
        raise DataFileError(str(path), None, f"no rules for themes {sorted(missing)}")
    return tuple(rules)


def _load_crosswalk(path: Path, themes: dict[str, Theme]) -> dict[tuple[int, str], CrosswalkEntry]:
    rows = read_csv(path, ["plan_year", "section", "theme_id", "rationale"])
    entries = {}
    for r in rows:
        if r.get("theme_id") not in themes:
            raise DataFileError(
                str(path), r.line, f"theme_id {r.get('theme_id')!r} is not in {THEMES_FILE}"
            )
        if not r.get("rationale"):
            raise DataFileError(str(path), r.line, "every section needs a one-line rationale")
        try:
            year = int(r.get("plan_year"))
        except ValueError as exc:
            raise DataFileError(str(path), r.line, "plan_year must be a year") from exc
        key = (year, _label_key(r.get("section")))
        if key in entries:
            raise DataFileError(
                str(path), r.line, f"section {r.get('section')!r} of {year} is listed twice"
            )
        entries[key] = CrosswalkEntry(year, r.get("section"), r.get("theme_id"), r.get("rationale"))
    return entries


def _load_manual(path: Path, themes: dict[str, Theme]) -> dict[str, ManualDecision]:
    rows = read_csv(path, ["measure_id", "theme_id", "reason"])
    unique_or_fail(((r.get("measure_id"), r.line) for r in rows), path, "measure_id")
    decisions = {}
    for r in rows:
        if r.get("theme_id") not in themes:
            raise DataFileError(
                str(path), r.line, f"theme_id {r.get('theme_id')!r} is not in {THEMES_FILE}"
            )
        if not re.fullmatch(r"\d{4}-\d{3}", r.get("measure_id")):
            raise DataFileError(str(path), r.line, "measure_id must look like 2020-021")
        if len(r.get("reason")) < 10:
            raise DataFileError(str(path), r.line, "every manual decision needs a reason")
        decisions[r.get("measure_id")] = ManualDecision(
            r.get("measure_id"), r.get("theme_id"), r.get("reason")
        )
    return decisions


@lru_cache(maxsize=4)
def load_taxonomy(directory: Path = paths.TAXONOMY) -> Taxonomy:
    """Load and validate the codebook, rules, crosswalk and manual decisions."""
    themes, decision_rules = _load_codebook(directory / THEMES_FILE)
    return Taxonomy(
        themes=themes,
        decision_rules=decision_rules,
        rules=_load_rules(directory / RULES_FILE, themes),
        action_verbs=_load_action_verbs(directory / RULES_FILE),
        crosswalk=_load_crosswalk(directory / CROSSWALK_FILE, themes),
        manual=_load_manual(directory / MANUAL_FILE, themes),
        rules_zh=_load_rules(directory / RULES_ZH_FILE, themes),
    )


# ---------------------------------------------------------------------------------------
# Classification


@dataclass(frozen=True)
class Match:
    theme_id: str
    rule: str
    phrase: str
    start: int
    zone: str  # "lead clause" | "first sentence" | "later"
    points: float


@dataclass(frozen=True)
class SectionPrior:
    theme_id: str
    heading: str
    source: str  # "crosswalk" | "heading words"
    rationale: str


@dataclass(frozen=True)
class ThemeResult:
    primary: str
    ranked: list[tuple[str, float]]  # primary first, then secondary themes, with scores
    margin: float
    confidence: str  # "high" | "medium" | "low"
    decision: str  # which step decided, in words, citing the codebook rule
    matches: list[Match] = field(default_factory=list)
    prior: SectionPrior | None = None
    scores: dict[str, float] = field(default_factory=dict)
    source: str = "rules"  # "rules" | "manual"

    def evidence_text(self, taxonomy: Taxonomy) -> str:
        """Why, in one line: the decision, the phrases that counted, the section prior."""
        parts = [self.decision]
        by_theme: dict[str, list[Match]] = {}
        for m in self.matches:
            by_theme.setdefault(m.theme_id, []).append(m)
        for theme_id, _ in self.ranked:
            found = by_theme.get(theme_id, [])
            if found:
                phrases = ", ".join(
                    f"'{m.phrase}'{' (main action)' if m.zone == 'lead clause' else ''}"
                    for m in found[:4]
                )
                parts.append(f"{taxonomy.themes[theme_id].label}: {phrases}")
        if self.prior:
            parts.append(
                f"section prior {taxonomy.themes[self.prior.theme_id].label} from "
                f"'{self.prior.heading}' ({self.prior.source})"
            )
        return "; ".join(parts)

    def evidence_json(self) -> str:
        return json.dumps(
            {
                "decision": self.decision,
                "matches": [
                    {
                        "theme": m.theme_id,
                        "rule": m.rule,
                        "phrase": m.phrase,
                        "at": m.start,
                        "zone": m.zone,
                        "points": round(m.points, 3),
                    }
                    for m in self.matches
                ],
                "section_prior": None
                if self.prior is None
                else {
                    "theme": self.prior.theme_id,
                    "heading": self.prior.heading,
                    "source": self.prior.source,
                    "rationale": self.prior.rationale,
                    "points": SECTION_PRIOR_WEIGHT,
                },
                "scores": {k: round(v, 3) for k, v in sorted(self.scores.items())},
            },
            ensure_ascii=False,
        )


def _zones(text: str, action_verbs: re.Pattern[str]) -> tuple[int, int]:
    """End offsets of the lead clause (the main action) and of the first sentence.

    The lead clause ends at the first comma, semicolon or colon after a few words, or
    where "and" opens a second action ("… Dragon 2020 and organized the …")."""
    sentence = re.search(r"[.;。；](?=\s|$)", text)
    sentence_end = sentence.end() if sentence else len(text)
    lead_end = sentence_end
    for m in re.finditer(r"[,;:，；：]|\.(?=\s|$)", text[:sentence_end]):
        if m.start() >= MIN_LEAD_CLAUSE_CHARS:
            lead_end = m.start()
            break
    second_action = action_verbs.search(text, MIN_LEAD_CLAUSE_CHARS, lead_end)
    if second_action:
        lead_end = second_action.start()
    return lead_end, sentence_end


# Characters outside ASCII that match an ASCII letter when case is ignored (İ ı ſ K): a
# text holding one is searched with every rule, without the literal pre-check.
_FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


# At most this many literal starts per rule (alternatives multiply them).
_MAX_STARTS = 64


def _literal(op: object, value: object) -> bool:
    return str(op) == "LITERAL" and isinstance(value, int) and value < 128


def _starts(items: list) -> tuple[list[str], bool]:
    """The literal starts of a parsed pattern (see required_starts) and whether they
    are the whole pattern (so that what follows may be appended)."""
    prefixes = [""]
    for op, value in items:
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width: word boundaries and lookarounds consume nothing
        if _literal(op, value):
            prefixes = [p + chr(value).lower() for p in prefixes]
            continue
        options: list[str] | None = None
        complete = False
        if name == "BRANCH":
            found = [_starts(list(a)) for a in value[1]]
            options = [o for strings, _ in found for o in strings]
            complete = all(c for _, c in found)
        elif name == "SUBPATTERN":
            options, complete = _starts(list(value[-1]))
        elif name == "IN" and all(_literal(o, v) for o, v in value):
            options, complete = [chr(v).lower() for _, v in value], True
        elif name == "MAX_REPEAT" and value[0] == 0 and value[1] == 1:
            inner, complete = _starts(list(value[2]))
            options = ["", *inner] if complete else None
        if not options or len(prefixes) * len(options) > _MAX_STARTS:
            return prefixes, False
        prefixes = [p + o for p in prefixes for o in options]
        if not complete:
            return prefixes, False
    return prefixes, True


@lru_cache(maxsize=4096)
def required_starts(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings of which every match of `regex` contains one: the literal
    start of each alternative (after word boundaries and lookarounds); None when an
    alternative has none. A text holding none of them cannot match, so the rule need
    not run: the same matches at a fraction of the cost (the build's hot path)."""
    try:
        from re import _parser  # the standard library's own pattern parser

        starts, _ = _starts(list(_parser.parse(regex.pattern, regex.flags)))
    except Exception:  # another Python's internals: no pre-check, same results
        return None
    return tuple(dict.fromkeys(starts)) if all(starts) else None


# Rules are looked up by the first letters of their literal starts.
_GRAM = 4


def _rule_index(
    taxonomy: Taxonomy,
) -> tuple[dict[str, tuple[tuple[int, str], ...]], frozenset[int]]:
    """(rule position, literal start) by the start's first _GRAM letters, and the rules
    to search in every text (no literal start, or a start shorter than that)."""
    index = taxonomy.cache.get("rule_index")
    if index is None:
        by_gram: dict[str, list[tuple[int, str]]] = {}
        always: set[int] = set()
        for position, rule in enumerate(taxonomy.rules):
            starts = required_starts(rule.regex)
            if starts is None or any(len(s) < _GRAM for s in starts):
                always.add(position)
                continue
            for start in starts:
                by_gram.setdefault(start[:_GRAM], []).append((position, start))
        index = ({g: tuple(p) for g, p in by_gram.items()}, frozenset(always))
        taxonomy.cache["rule_index"] = index
    return index


def _matches_at(
    regex: re.Pattern[str], text: str, folded: str, starts: list[str]
) -> Iterator[re.Match[str]]:
    """regex.finditer(text) when every match begins with one of `starts` (lower case) and
    `folded` is text.lower() with the same length: the regex is tried only where a start
    occurs, left to right, never inside a match already found (as finditer goes on)."""
    at: set[int] = set()
    for start in starts:
        i = folded.find(start)
        while i != -1:
            at.add(i)
            i = folded.find(start, i + 1)
    end = 0
    for i in sorted(at):
        if i < end:
            continue
        found = regex.match(text, i)
        if found:
            yield found
            end = max(found.end(), i + 1)


def _zones_zh(text: str) -> tuple[int, int]:
    """End offsets of the lead clause (to the first ，；： after a few characters) and the
    first sentence (to the first 。；) of a measure written in Chinese."""
    sentence = re.search(r"[。；;]", text)
    sentence_end = sentence.end() if sentence else len(text)
    lead_end = sentence_end
    for m in re.finditer(r"[，,；;：:]", text[:sentence_end]):
        if m.start() >= MIN_LEAD_CLAUSE_CHARS_ZH:
            lead_end = m.start()
            break
    return lead_end, sentence_end


def _score_zh(text: str, taxonomy: Taxonomy) -> list[Match]:
    """Every Chinese rule match, in simplified characters, quoted as written."""
    form = chinese.simplified(text)  # as long as text: offsets are shared
    lead_end, sentence_end = _zones_zh(form)
    matches = []
    for rule in taxonomy.rules_zh:
        for found in rule.regex.finditer(form):
            matches.append(_match(rule, text, found, lead_end, sentence_end))
    return _without_overlaps(matches)


def _match(rule: Rule, text: str, found: re.Match[str], lead_end: int, sentence_end: int) -> Match:
    if found.start() < lead_end:
        zone, factor = "lead clause", LEAD_CLAUSE_FACTOR
    elif found.start() < sentence_end:
        zone, factor = "first sentence", FIRST_SENTENCE_FACTOR
    else:
        zone, factor = "later", LATER_FACTOR
    points = rule.weight * factor
    if rule.main_action and zone == "lead clause":
        points += MAIN_ACTION_BONUS
    phrase = text[found.start() : found.end()]
    return Match(rule.theme_id, rule.name, phrase, found.start(), zone, points)


def score_text(text: str, taxonomy: Taxonomy) -> list[Match]:
    """Every rule match in a text, weighted by where it stands (a measure written in
    Chinese: the Chinese rules)."""
    if taxonomy.rules_zh and chinese.is_chinese(text):
        return _score_zh(text, taxonomy)
    lead_end, sentence_end = _zones(text, taxonomy.action_verbs)
    matches = []
    # Rules with literal starts found in the text, and those starts: only these rules can
    # match, and only where a start occurs (the same matches as searching every rule
    # everywhere, several times faster). None: search every rule everywhere.
    found_starts: dict[int, list[str]] | None = None
    always: frozenset[int] = frozenset()
    folded = text.lower()
    if _FOLDS_TO_ASCII.isdisjoint(text) and len(folded) == len(text):
        by_gram, always = _rule_index(taxonomy)
        found_starts = {}
        grams = {folded[i : i + _GRAM] for i in range(len(folded) - _GRAM + 1)}
        for gram in grams & by_gram.keys():
            for position, start in by_gram[gram]:
                if start in folded:
                    found_starts.setdefault(position, []).append(start)
    rules = taxonomy.rules
    positions = range(len(rules)) if found_starts is None else sorted(always.union(found_starts))
    for position in positions:  # in the codebook's order, as ties are kept in it
        rule = rules[position]
        if found_starts is None or position in always:
            found_iter: Iterable[re.Match[str]] = rule.regex.finditer(text)
        else:
            found_iter = _matches_at(rule.regex, text, folded, found_starts[position])
        for found in found_iter:
            matches.append(_match(rule, text, found, lead_end, sentence_end))
    return _without_overlaps(matches)


def _without_overlaps(matches: list[Match]) -> list[Match]:
    """Within one theme, a stretch of text counts once: of overlapping matches (e.g.
    "administrative law enforcement" and "law enforcement") the strongest is kept."""
    kept: list[Match] = []
    by_theme: dict[str, list[Match]] = {}
    for m in sorted(matches, key=lambda m: (-m.points, m.start)):
        span = (m.start, m.start + len(m.phrase))
        if any(
            span[0] < k.start + len(k.phrase) and k.start < span[1]
            for k in by_theme.get(m.theme_id, [])
        ):
            continue
        by_theme.setdefault(m.theme_id, []).append(m)
        kept.append(m)
    kept.sort(key=lambda m: (m.start, m.theme_id))
    return kept


def _totals(matches: Iterable[Match]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for m in matches:
        totals[m.theme_id] = totals.get(m.theme_id, 0.0) + m.points
    return totals


def section_prior(
    path: list[tuple[int, str]], plan_year: int, taxonomy: Taxonomy
) -> SectionPrior | None:
    """The default theme of a measure's section: the deepest heading the crosswalk knows,
    else the theme the deepest labelled heading's own words point to."""
    key = ("prior", tuple(path), plan_year)
    if key not in taxonomy.cache:
        taxonomy.cache[key] = _section_prior(path, plan_year, taxonomy)
    return taxonomy.cache[key]


def _section_prior(
    path: list[tuple[int, str]], plan_year: int, taxonomy: Taxonomy
) -> SectionPrior | None:
    for _, label in reversed(path):
        entry = taxonomy.crosswalk.get((plan_year, _label_key(label)))
        if entry:
            return SectionPrior(entry.theme_id, label, "crosswalk", entry.rationale)
    for _, label in reversed(path):
        if label.startswith("(unlabelled"):
            continue
        if chinese.has_han(label):  # "一、完善法律法规" / "（一）完善法律法规"
            title = re.sub(r"^(?:[^\s、．.，,]{1,6}[、．.，,]|[(（][^)）]{1,6}[)）])\s*", "", label)
        else:
            title = re.sub(r"^\S+[.、,]?\s*", "", label)
        totals = _totals(score_text(title, taxonomy))
        if totals:
            best = max(totals.items(), key=lambda kv: (kv[1], -taxonomy.themes[kv[0]].precedence))
            return SectionPrior(
                best[0], label, "heading words", "no crosswalk entry; the heading's own words"
            )
    return None


def classify(
    text: str, path: list[tuple[int, str]], plan_year: int, taxonomy: Taxonomy
) -> ThemeResult:
    """Classify one measure's clean text. `path` is [(level, heading label), ...]."""
    matches = score_text(text, taxonomy)
    totals = _totals(matches)
    prior = section_prior(path, plan_year, taxonomy)
    scores = dict(totals)
    if prior:
        scores[prior.theme_id] = scores.get(prior.theme_id, 0.0) + SECTION_PRIOR_WEIGHT
    evidence_total = sum(totals.values())

    primary = None
    decision = ""
    lead_scores = {
        subject: sum(m.points for m in matches if m.theme_id == subject and m.zone == "lead clause")
        for subject in taxonomy.subject_ids
    }
    in_main_action = [s for s in taxonomy.subject_ids if lead_scores[s] >= SUBJECT_LEAD_MIN_SCORE]
    if in_main_action:
        # Two subjects in one main action: the one the clause is more about; then precedence.
        primary = max(
            in_main_action, key=lambda s: (lead_scores[s], -taxonomy.themes[s].precedence)
        )
        decision = "subject theme in the main action (R2)"
    else:
        for subject in taxonomy.subject_ids:
            total = totals.get(subject, 0.0)
            if (
                total >= SUBJECT_DOMINANT_MIN_SCORE
                and total >= SUBJECT_DOMINANT_SHARE * evidence_total
            ):
                primary = subject
                decision = "subject theme dominates the measure (R2)"
                break
    precedence = {t: th.precedence for t, th in taxonomy.themes.items()}
    if primary is None:
        functions = {t: s for t, s in scores.items() if taxonomy.themes[t].kind == "function"}
        if prior and taxonomy.themes[prior.theme_id].kind == "subject":
            # A subject section (e.g. "rules in emerging fields") competes like a function
            # theme when the text names no clear subject of its own (R14).
            functions[prior.theme_id] = scores[prior.theme_id]
        if functions:
            primary = max(
                functions,
                key=lambda t: (
                    functions[t],
                    prior is not None and prior.theme_id == t,
                    -precedence[t],
                ),
            )
            if not totals:
                decision = "no rule matched: the section heading decides (R14)"
            elif (
                prior
                and prior.theme_id == primary
                and totals.get(primary, 0.0) < max(totals.get(t, 0.0) for t in functions)
            ):
                decision = "close call settled by the section heading (R14)"
            else:
                decision = "highest-scoring function theme, main action first (R1, R3)"
        elif scores:
            primary = max(scores, key=lambda t: (scores[t], -precedence[t]))
            decision = "only a passing subject mention matched (R2)"
        else:
            primary = max(taxonomy.themes, key=lambda t: taxonomy.themes[t].precedence)
            decision = "no rule and no section prior: codebook default"
    top = scores.get(primary, 0.0)
    others = sorted(
        ((t, s) for t, s in scores.items() if t != primary),
        key=lambda ts: (-ts[1], precedence[ts[0]]),
    )
    runner_up = others[0][1] if others else 0.0
    margin = (
        1.0 if top <= 0 and not others else max(0.0, (top - runner_up) / top) if top > 0 else 0.0
    )
    if decision.startswith("subject theme in the main action"):
        margin = max(margin, HIGH_CONFIDENCE_MARGIN)
    confidence = (
        "high"
        if margin >= HIGH_CONFIDENCE_MARGIN
        else "medium"
        if margin >= MEDIUM_CONFIDENCE_MARGIN
        else "low"
    )
    secondary = [(t, s) for t, s in others if s >= SECONDARY_SHARE * top and s > 0][:MAX_SECONDARY]
    return ThemeResult(
        primary,
        [(primary, top), *secondary],
        round(margin, 3),
        confidence,
        decision,
        matches,
        prior,
        scores,
    )


def apply_manual(result: ThemeResult, decision: ManualDecision) -> ThemeResult:
    """A manual decision replaces the primary theme; the rules' evidence stays visible."""
    ranked = [(decision.theme_id, result.scores.get(decision.theme_id, 0.0))]
    ranked += [(t, s) for t, s in result.ranked if t != decision.theme_id][:MAX_SECONDARY]
    return ThemeResult(
        decision.theme_id,
        ranked,
        result.margin,
        "manual",
        f"manual decision: {decision.reason} (rules gave {result.primary})",
        result.matches,
        result.prior,
        result.scores,
        source="manual",
    )


# ---------------------------------------------------------------------------------------
# Validation against hand labels


@dataclass(frozen=True)
class Agreement:
    """How far the classifier agrees with hand labels."""

    n: int
    agreed: int
    confusion: dict[tuple[str, str], int]  # (hand label, classifier) -> measures
    disagreements: list[tuple[str, str, str]]  # (measure_id, hand label, classifier)

    @property
    def share(self) -> float:
        return self.agreed / self.n if self.n else 0.0


def agreement(gold: dict[str, str], predicted: dict[str, str]) -> Agreement:
    """Compare hand labels with classifier output on the measures both have."""
    confusion: dict[tuple[str, str], int] = {}
    disagreements = []
    common = sorted(set(gold) & set(predicted))
    for measure in common:
        pair = (gold[measure], predicted[measure])
        confusion[pair] = confusion.get(pair, 0) + 1
        if pair[0] != pair[1]:
            disagreements.append((measure, *pair))
    return Agreement(len(common), len(common) - len(disagreements), confusion, disagreements)


def classify_texts(rows: list[dict[str, str]], taxonomy: Taxonomy) -> dict[str, str]:
    """The primary theme of measures given by their text (sample_id, text and an
    optional section heading), by the rules alone: for samples outside the corpus, such
    as the Chinese sample tests/data/zh_theme_sample.csv."""
    out = {}
    for r in rows:
        path = [(1, r["section"])] if r.get("section") else []
        out[r["sample_id"]] = classify(r["text"], path, 0, taxonomy).primary
    return out


def confusion_markdown(result: Agreement, theme_ids: list[str]) -> str:
    """The confusion matrix as a markdown table (rows: hand labels, columns: classifier)."""
    used = [t for t in theme_ids if any(t in pair for pair in result.confusion)]
    short = {t: t.replace("_", " ") for t in used}
    lines = [
        "| hand \\ classifier | " + " | ".join(short[t] for t in used) + " | total |",
        "|---|" + "---:|" * (len(used) + 1),
    ]
    for row in used:
        cells = [result.confusion.get((row, col), 0) for col in used]
        shown = [
            f"**{c}**" if r == row else (str(c) if c else "·")
            for c, r in zip(cells, used, strict=True)
        ]
        lines.append(f"| {short[row]} | " + " | ".join(shown) + f" | {sum(cells)} |")
    return "\n".join(lines)
