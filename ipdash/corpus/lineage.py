"""Measure lineage: for every present measure of a plan and every earlier plan with
measure text, the earlier measure it continues (or none), a score from 0 to 1, the
evidence in words and the other candidates that also qualify.

A measure continues an earlier one when both commit to the same concrete activity or
object (docs/lineage.md). What the method looks at, per pair of measures:

- terms and phrases: TF-IDF cosines (sublinear term frequency, smoothed IDF: the formula
  of scikit-learn's TfidfVectorizer) over content words and over words with their
  neighbours (order-free word pairs), after translation variants are made one token;
- the main commitment: the first clause of each measure against the whole other one;
- named objects: titles in quotation marks or 《》 and capitalised titles of laws,
  regulations, programmes, campaigns, systems ("Regulations on National Defense Patents"
  and "National Defense Patent Regulations" are one object), matched by IDF-weighted
  overlap;
- rare shared terms, the same lead body (today's successor), the same primary theme.

A logistic regression fitted on hand-labelled decisions turns these into the score; a
measure continues its best candidate when the score reaches the calibrated threshold.
All of it is in data/taxonomy/lineage.yaml.

Blocking: a measure is scored against the measures of an earlier plan that share one of
its most distinctive terms (or have one of theirs in it), the best of them in full; never
every pair. Chinese text is read as character pairs; a plan in Chinese and one in English
are not compared (that needs a translation): their rows say so.

Pure: Polars frames in, frames out; the text is read per distinct clause in Python, the
rest is vectorised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ipdash import paths
from ipdash.corpus.gram_vectors import (
    GramVectors,
    SharedEntries,
    best_clause_pairs,
    blocking_candidates,
    chunked,
    gram_vectors,
    pair_product,
    pair_sum,
)
from ipdash.datafiles import compile_regex, read_csv, read_yaml, require
from ipdash.errors import DataFileError

CONFIG_FILE = "lineage.yaml"
# How the links agreed with blind hand labels, per plan pair (docs/lineage.md; a test checks
# the figures against the labels): shown beside the links on the pages.
TESTS_FILE = "lineage_tests.csv"
# The features, in the order of the model's weights (data/taxonomy/lineage.yaml).
FEATURES = (
    "terms",
    "phrases",
    "main_later",
    "main_earlier",
    "named_objects",
    "rare_shared",
    "same_lead",
    "leads_known",
    "same_theme",
    "best_clause_pair",
    "shared_word_idf",
    "shared_phrase_idf",
)
STATUSES = ("continued", "new", "not_compared")
# Alternatives listed per row (the other candidates reaching the threshold, best first).
MAX_ALTERNATIVES = 3
# Terms and named objects spelled out in the evidence.
EVIDENCE_TERMS = 6
EVIDENCE_OBJECTS = 2
# A text is Chinese when at least this share of its letters are CJK characters.
CJK_SHARE = 0.3
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_CHAR = r"[\u3400-\u9fff\uf900-\ufaff]"
# A token: an English word (synonym tokens join words with "_") or a run of CJK characters.
_TOKEN = r"[a-z][a-z0-9_]*|[\u3400-\u9fff\uf900-\ufaff]+"  # noqa: S105 - a pattern, not a password
_LETTER = re.compile(r"[^\W\d_]")
# Clause boundaries: sentence and clause punctuation (Latin and CJK) followed by a space.
_BOUNDARY = r"([;；。！？]\s*|[,，、:：]\s*|\.(?:\s+|$))"
_QUOTED = re.compile(r"[\"“«《「『]([^\"“”«»《》「」『』]{3,200})[\"”»》」』]")
_TITLE_RUN = re.compile(
    r"[A-Z][\w'’-]*(?: (?:of|on|for|the|and|in|to|with|under|concerning|about|by"
    r"|[A-Z][\w'’-]*|\d[\w-]*|\([\w -]{1,20}\)))*"
)
_DOC_WORD = (
    r"(?:Law|Regulations?|Rules|Measures|Opinions|Guidelines|Provisions|Interpretations?|"
    r"Notice|Plan|Outline|Catalogue|Standards?|Decision|Programs?|Project|Fund|Treaty|"
    r"Agreement|Guide|Suggestions)"
)
# Two titles joined by "and" ("… Regulations and Interim Rules on …") are two objects.
_TITLE_AND = re.compile(
    r" and (?=(?:the )?(?:Interim |Several |Implementation |Management |Administrative )?"
    + _DOC_WORD
    + r"\b)"
)
# A clause can name a title only if it has a quotation mark or two capitalised words.
_MAY_NAME = re.compile(r"[\"“«《「『]|[A-Z][^A-Z]*[A-Z]")
_CONNECTORS = {"of", "on", "for", "the", "and", "in", "to", "with", "under", "concerning"}
_CONNECTORS |= {"about", "by"}


class LineageError(DataFileError):
    """data/taxonomy/lineage.yaml is malformed."""


@dataclass(frozen=True)
class LineageConfig:
    synonyms: tuple[tuple[str, str], ...]  # a pattern (for Polars) and its token
    stopwords: frozenset[str]
    title_lead_words: frozenset[str]
    stem_length: int
    main_min_terms: int
    clause_verbs: str  # a pattern for Polars: " and <verb>", the verb captured
    rare_df: int
    word_idf_scale: float  # shared_word_idf: Σ IDF of the shared words over this (at most 2)
    phrase_idf_scale: float  # shared_phrase_idf: the same for the shared pairs of words
    signature_terms: int
    max_plan_df: int
    candidates: int
    max_earlier_plans: int
    intercept: float
    weights: dict[str, float]
    threshold: float


def _words(value: object, path: Path, what: str) -> frozenset[str]:
    if not isinstance(value, str):
        raise LineageError(str(path), None, f"{what} must be words separated by spaces")
    return frozenset(value.split())


def _number(section: dict, key: str, path: Path, kind: type = int) -> float:
    value = require(section, key, path, (int, float))
    return kind(value)


def _positive(section: dict, key: str, path: Path) -> float:
    value = _number(section, key, path, float)
    if value <= 0:
        raise LineageError(str(path), getattr(section, "line", None), f"{key} must be above 0")
    return value


def load_config(directory: Path = paths.TAXONOMY) -> LineageConfig:
    """The lineage settings (data/taxonomy/lineage.yaml), validated."""
    path = directory / CONFIG_FILE
    data = read_yaml(path)
    text = require(data, "text", path, dict)
    synonyms = []
    for entry in require(text, "synonyms", path, list):
        line = getattr(entry, "line", None)
        if not (
            isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)
        ):
            raise LineageError(str(path), line, "a synonym is [pattern, token]")
        pattern = rf"\b(?:{entry[0]})\b"
        compile_regex(pattern, path, line, "synonym")
        synonyms.append((pattern, f" {entry[1]} " if entry[1] else " "))
    main = require(data, "main_clause", path, dict)
    verbs = sorted(_words(main.get("clause_verbs", ""), path, "clause_verbs"))
    model = require(data, "model", path, dict)
    weights = require(model, "weights", path, dict)
    unknown = set(weights) ^ set(FEATURES)
    if unknown:
        raise LineageError(
            str(path), getattr(weights, "line", None), f"weights must name exactly {FEATURES}"
        )
    blocking = require(data, "blocking", path, dict)
    features = require(data, "features", path, dict)
    threshold = _number(model, "threshold", path, float)
    if not 0 < threshold < 1:
        raise LineageError(str(path), getattr(model, "line", None), "threshold is between 0 and 1")
    return LineageConfig(
        synonyms=tuple(synonyms),
        stopwords=_words(text.get("stopwords", ""), path, "stopwords"),
        title_lead_words=_words(text.get("title_lead_words", ""), path, "title_lead_words"),
        stem_length=int(_number(text, "stem_length", path)),
        main_min_terms=int(_number(main, "min_terms", path)),
        clause_verbs=r"\s+and\s+(" + "|".join(verbs) + r")\b",
        rare_df=int(_number(features, "rare_df", path)),
        word_idf_scale=_positive(features, "word_idf_scale", path),
        phrase_idf_scale=_positive(features, "phrase_idf_scale", path),
        signature_terms=int(_number(blocking, "signature_terms", path)),
        max_plan_df=int(_number(blocking, "max_plan_df", path)),
        candidates=int(_number(blocking, "candidates", path)),
        max_earlier_plans=int(_number(blocking, "max_earlier_plans", path)),
        intercept=_number(model, "intercept", path, float),
        weights={k: float(v) for k, v in weights.items()},
        threshold=threshold,
    )


# ---------------------------------------------------------------------------------------
# Reading one text (pure Python; the build applies these to each distinct clause once)


def language(text: str) -> str:
    """'zh' when the text is mostly CJK characters, else 'en'."""
    letters = _LETTER.findall(text)
    if not letters:
        return "en"
    return "zh" if sum(1 for c in letters if _CJK.match(c)) / len(letters) >= CJK_SHARE else "en"


def clause_lists(texts: pl.Expr, config: LineageConfig) -> pl.Expr:
    """Each text as its list of clauses: split at sentence and clause punctuation and
    before "and <verb>" ("Revise the law, and improve …" is two clauses)."""
    return (
        texts.str.replace_all(config.clause_verbs, "\x1f${1}")
        .str.replace_all(_BOUNDARY, "${1}\x1f")
        .str.split("\x1f")
        .list.eval(pl.element().str.strip_chars())
        .list.filter(pl.element() != "")
    )


def clauses(text: str, config: LineageConfig) -> list[str]:
    """One text's clauses (see clause_lists)."""
    frame = pl.DataFrame({"text": [text]}).select(clause_lists(pl.col("text"), config))
    return frame.to_series().to_list()[0] or [text]


def _stem(word: str, length: int) -> str:
    if "_" in word:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    return word[:length]


def normalised(texts: pl.Expr, config: LineageConfig) -> pl.Expr:
    """Lower case, one apostrophe, translation variants made one token."""
    out = texts.str.to_lowercase().str.replace_all("[’‘]", "'")
    for pattern, token in config.synonyms:
        out = out.str.replace_all(pattern, token)
    return out


def term_rows(frame: pl.DataFrame, column: str, config: LineageConfig) -> pl.DataFrame:
    """The content terms of each text of `frame[column]` in order, one row each with the
    frame's other columns, `pos`, `term` and `word` (what the term stands for): stemmed
    English words without stop words, overlapping pairs of CJK characters."""
    tokens = (
        frame.with_columns(token=normalised(pl.col(column), config).str.extract_all(_TOKEN))
        .drop(column)
        .explode("token")
        .drop_nulls("token")
    )
    cjk = pl.col("token").str.contains(_CJK_CHAR)
    n = pl.col("token").str.len_chars()
    tokens = (
        tokens.filter(cjk | (~pl.col("token").is_in(list(config.stopwords)) & (n > 1)))
        .with_columns(
            cjk=cjk, offset=pl.int_ranges(0, pl.when(cjk & (n > 2)).then(n - 1).otherwise(1))
        )
        .explode("offset")
        .with_columns(
            word=pl.when("cjk").then(pl.col("token").str.slice("offset", 2)).otherwise("token")
        )
    )
    words = tokens.filter(~pl.col("cjk"))["word"].unique().to_list()
    stems = {w: _stem(w, config.stem_length) for w in words}
    keys = [c for c in frame.columns if c != column]
    return tokens.select(
        *keys,
        pos=pl.int_range(pl.len()).over(keys).cast(pl.Int32) if keys else pl.int_range(pl.len()),
        term=pl.when("cjk")
        .then("word")
        .otherwise(pl.col("word").replace_strict(stems, default=None, return_dtype=pl.String)),
        word=pl.col("word").str.replace_all("_", " "),
    )


def terms(text: str, config: LineageConfig) -> list[tuple[str, str]]:
    """The content terms of one text in order, each as (term, the word it stands for)."""
    rows = term_rows(pl.DataFrame({"text": [text]}), "text", config)
    return list(zip(rows["term"].to_list(), rows["word"].to_list(), strict=True))


def main_clause(text: str, config: LineageConfig) -> str:
    """The main commitment: the first clause, extended until it holds
    `main_min_terms` content words."""
    taken = []
    count = 0
    for clause in clauses(text, config):
        taken.append(clause)
        count += len(terms(clause, config))
        if count >= config.main_min_terms:
            break
    return " ".join(taken)


def titles(text: str, config: LineageConfig) -> list[str]:
    """Titles the text names, in order: spans in quotation marks or 《》, and capitalised
    runs of two or more capitalised words (a leading verb such as "Revise" dropped;
    "X Regulations and Interim Rules on Y" is two titles)."""
    found = [(m.start(), m.group(1).strip(" .,;")) for m in _QUOTED.finditer(text)]
    for run in _TITLE_RUN.finditer(text):
        offset = run.start()
        for part in _TITLE_AND.split(run.group(0)):
            start, offset = offset, offset + len(part) + len(" and ")
            words = part.split()
            while words and (
                words[0].lower() in config.title_lead_words or words[0].lower() in _CONNECTORS
            ):
                words = words[1:]
            while words and words[-1].lower() in _CONNECTORS:
                words = words[:-1]
            if sum(1 for w in words if w[:1].isupper()) >= 2:
                found.append((start, " ".join(words).strip(" .,;")))
    return list(dict.fromkeys(title for _, title in sorted(found)))


def object_key(title: str, config: LineageConfig) -> frozenset[str]:
    """What identifies a title whatever its word order: its content terms."""
    return frozenset(t for t, _ in terms(title, config))


def named_objects(text: str, config: LineageConfig) -> list[str]:
    """The distinct named objects of a text: its titles with at least two content terms,
    the first of those with the same terms."""
    out: list[str] = []
    keys: list[frozenset[str]] = []
    for title in titles(text, config):
        key = object_key(title, config)
        if len(key) >= 2 and key not in keys:
            keys.append(key)
            out.append(title)
    return out


# ---------------------------------------------------------------------------------------
# The corpus as the method reads it (vectorised)


@dataclass(frozen=True)
class Reading:
    """The measures as the method reads them. `measures`: mid (row number), measure_id,
    plan_year, language, lead, lead_name, theme_id, theme_label. `vocabulary`: every
    word and order-free pair of neighbouring words (gid, gram, is_word, word: how the
    text spells it). `grams`: per measure and gram, its document frequency, IDF and
    weight in the three normalised TF-IDF vectors (terms: words only; phrases: words and
    pairs; main: words and pairs of the main commitment). `objects`: per measure and
    named object, its title, whether it is in the main commitment, and its terms with
    their IDF. `vectors`: the grams rows (sorted by mid, gid) as one sparse layout, with
    each gram's weight in the unit vectors of IDFs of the clauses it occurs in."""

    measures: pl.DataFrame
    vocabulary: pl.DataFrame
    grams: pl.DataFrame
    objects: pl.DataFrame
    vectors: GramVectors


def _plan_languages(measures: pl.DataFrame) -> dict[int, str]:
    """Per plan, `language` of its first 50 measures together."""
    counts = (
        measures.group_by("plan_year", maintain_order=True)
        .head(50)
        .group_by("plan_year")
        .agg(
            letters=pl.col("text").str.count_matches(_LETTER.pattern).sum(),
            cjk=pl.col("text").str.count_matches(_CJK_CHAR).sum(),
        )
    )
    return {
        int(year): "zh" if letters and cjk / letters >= CJK_SHARE else "en"
        for year, letters, cjk in counts.iter_rows()
    }


def _clauses(measures: pl.DataFrame, config: LineageConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The measures' clauses: one row per measure and clause (mid, clause_no, cid) and
    one per distinct clause (cid, clause), which is read once however often it recurs."""
    rows = (
        measures.select("mid", clause=clause_lists(pl.col("text"), config))
        .explode("clause")
        .drop_nulls("clause")
        .with_columns(clause_no=pl.int_range(pl.len()).over("mid").cast(pl.Int32))
    )
    distinct = (
        rows.select("clause")
        .unique(maintain_order=True)
        .with_row_index("cid")
        .with_columns(pl.col("cid").cast(pl.Int32))
    )
    return rows.join(distinct, on="clause").select("mid", "clause_no", "cid"), distinct


def _clause_grams(distinct: pl.DataFrame, config: LineageConfig) -> pl.DataFrame:
    """Per distinct clause its words and order-free pairs of neighbouring words: cid,
    gram, word (what it stands for), is_word."""
    tokens = term_rows(distinct, "clause", config).sort("cid", "pos")
    nxt = tokens.with_columns(
        next_term=pl.col("term").shift(-1).over("cid"),
        next_word=pl.col("word").shift(-1).over("cid"),
    )
    pairs = nxt.filter(
        pl.col("next_term").is_not_null() & (pl.col("next_term") != pl.col("term"))
    ).select(
        "cid",
        gram=pl.min_horizontal("term", "next_term") + " " + pl.max_horizontal("term", "next_term"),
        word=pl.col("word") + " " + pl.col("next_word"),
        is_word=pl.lit(False),
    )
    words = tokens.select("cid", gram="term", word="word", is_word=pl.lit(True))
    return pl.concat([words, pairs])


def _main_clauses(
    clause_rows: pl.DataFrame, clause_grams: pl.DataFrame, config: LineageConfig
) -> pl.DataFrame:
    """clause_rows with `main`: the clauses before `main_min_terms` words are reached."""
    sizes = clause_grams.filter("is_word").group_by("cid").agg(n=pl.len())
    return (
        clause_rows.join(sizes, on="cid", how="left")
        .with_columns(pl.col("n").fill_null(0).cast(pl.Int32))
        .sort("mid", "clause_no")
        .with_columns(
            main=(pl.col("n").cum_sum().over("mid") - pl.col("n")) < config.main_min_terms
        )
        .drop("n")
    )


def _gram_table(
    clause_rows: pl.DataFrame, clause_grams: pl.DataFrame, n_measures: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The vocabulary (gid: an integer per distinct gram), per measure and gram its
    document frequency, IDF and weights in the normalised vectors, and each occurrence
    of a gram in a clause (mid, clause_no, main, gid)."""
    vocabulary = (
        clause_grams.group_by("gram")
        .agg(pl.col("is_word").first(), pl.col("word").first())
        .sort("gram")
        .with_row_index("gid")
        .with_columns(pl.col("gid").cast(pl.Int32))
    )
    per_clause = clause_grams.join(vocabulary.select("gram", "gid"), on="gram").select("cid", "gid")
    occurrences = (
        clause_rows.select("mid", "clause_no", "cid", "main").join(per_clause, on="cid").drop("cid")
    )
    counted = (
        occurrences.group_by("mid", "gid")
        .agg(tf=pl.len(), tf_main=pl.col("main").sum())
        .join(vocabulary.select("gid", "is_word"), on="gid")
    )
    df = counted.group_by("gid").agg(df=pl.len().cast(pl.Int32))
    idf = ((1 + n_measures) / (1 + pl.col("df"))).log() + 1
    tfidf = (1 + pl.col("tf").cast(pl.Float64).log()) * pl.col("idf")
    tfidf_main = (1 + pl.col("tf_main").cast(pl.Float64).log()) * pl.col("idf")
    weighted = (
        counted.join(df, on="gid")
        .with_columns(idf=idf)
        .with_columns(
            w_terms=pl.when("is_word").then(tfidf).otherwise(0.0),
            w_phrases=tfidf,
            w_main=pl.when(pl.col("tf_main") > 0).then(tfidf_main).otherwise(0.0),
        )
    )
    norms = [
        (pl.col(w) / (pl.col(w) ** 2).sum().over("mid").sqrt()).fill_nan(0.0).alias(w)
        for w in ("w_terms", "w_phrases", "w_main")
    ]
    grams = weighted.with_columns(norms).select(
        "mid", "gid", "df", "idf", "w_terms", "w_phrases", "w_main", "is_word"
    )
    return vocabulary, grams, occurrences


def _clause_weights(occurrences: pl.DataFrame, grams: pl.DataFrame) -> pl.DataFrame:
    """Per measure, clause and gram its weight in the clause's unit-length vector of IDFs
    (each word and pair once): mid, clause_no, gid, w_clause. For best_clause_pair."""
    idf = grams.select("gid", "idf").unique("gid")
    return (
        occurrences.select("mid", "clause_no", "gid")
        .unique()
        .join(idf, on="gid")
        .with_columns(
            w_clause=pl.col("idf") / (pl.col("idf") ** 2).sum().over("mid", "clause_no").sqrt()
        )
        .select("mid", "clause_no", "gid", "w_clause")
    )


def _clause_titles(distinct: pl.DataFrame, config: LineageConfig) -> pl.DataFrame:
    """The titles of each distinct clause (Python, once per clause): cid, obj_no, title."""
    rows: dict[str, list] = {"cid": [], "obj_no": [], "title": []}
    for cid, clause in distinct.iter_rows():
        if not _MAY_NAME.search(clause):
            continue
        for number, title in enumerate(titles(clause, config)):
            rows["cid"].append(cid)
            rows["obj_no"].append(number)
            rows["title"].append(title)
    return pl.DataFrame(rows, schema={"cid": pl.Int32, "obj_no": pl.Int32, "title": pl.String})


def _object_table(
    clause_rows: pl.DataFrame, distinct: pl.DataFrame, idf: pl.DataFrame, config: LineageConfig
) -> pl.DataFrame:
    """Named objects per measure with their terms (see named_objects): mid, obj, title,
    in_main, term, idf."""
    clause_titles = _clause_titles(distinct, config)
    keyed = term_rows(clause_titles.with_columns(text="title"), "text", config)
    keys = keyed.group_by("cid", "obj_no").agg(
        key=pl.col("term").unique().sort().str.join(" "), n=pl.col("term").n_unique()
    )
    found = (
        clause_rows.join(clause_titles.join(keys, on=["cid", "obj_no"]), on="cid")
        .filter(pl.col("n") >= 2)
        .sort("mid", "clause_no", "obj_no")
        .unique(["mid", "key"], keep="first", maintain_order=True)
        .with_columns(obj=pl.int_range(1, pl.len() + 1).over("mid").cast(pl.Int32))
    )
    terms_of = keyed.select("cid", "obj_no", "term").unique()
    return (
        found.join(terms_of, on=["cid", "obj_no"])
        .join(idf, on="term", how="left")
        .select("mid", "obj", "title", "term", in_main="main", idf=pl.col("idf").fill_null(1.0))
        .sort("mid", "obj", "term")
    )


def read_measures(measures: pl.DataFrame, config: LineageConfig) -> Reading:
    """Read the present measures: columns measure_id, plan_year, text, lead (the lead
    body mapped to today's successor, or null), lead_name (its short name), theme_id and
    theme_label (the primary theme)."""
    base = measures.with_row_index("mid").with_columns(pl.col("mid").cast(pl.Int32))
    languages = _plan_languages(base)
    base = base.with_columns(
        language=pl.col("plan_year").replace_strict(languages, return_dtype=pl.String)
    )
    clause_rows, distinct = _clauses(base, config)
    clause_grams = _clause_grams(distinct, config)
    clause_rows = _main_clauses(clause_rows, clause_grams, config)
    vocabulary, grams, occurrences = _gram_table(clause_rows, clause_grams, base.height)
    idf = (
        grams.select("gid", "idf")
        .unique("gid")
        .join(vocabulary.filter("is_word"), on="gid")
        .select(term="gram", idf="idf")
    )
    objects = _object_table(clause_rows, distinct, idf, config)
    clause_weights = _clause_weights(occurrences, grams)
    grams = grams.sort("mid", "gid")
    vectors = gram_vectors(grams, clause_weights, base.height)
    return Reading(base.drop("text"), vocabulary, grams, objects, vectors)


# ---------------------------------------------------------------------------------------
# Which plans are compared, and the candidates


def plan_pairs(measures: pl.DataFrame, max_earlier: int) -> pl.DataFrame:
    """Every plan and each earlier plan it is compared with (at most `max_earlier`, the
    most recent): plan_year, earlier_plan_year, compared (false when the languages
    differ)."""
    plans = measures.group_by("plan_year").agg(pl.col("language").first()).sort("plan_year")
    rows = []
    years = plans["plan_year"].to_list()
    langs = dict(plans.iter_rows())
    for i, year in enumerate(years):
        for earlier in reversed(years[max(0, i - max_earlier) : i]):
            rows.append((year, earlier, langs[year] == langs[earlier]))
    schema = {"plan_year": pl.Int32, "earlier_plan_year": pl.Int32, "compared": pl.Boolean}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _entry_masks(reading: Reading, config: LineageConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per entry of reading.grams (sorted by mid, gid): whether it is one of the measure's
    signature terms (its `signature_terms` most distinctive, by IDF, among the terms
    another measure also uses), and whether it singles measures out in its plan (at most
    `max_plan_df` measures of the plan use it)."""
    entries = (
        reading.grams.select("mid", "gid", "df", "idf")
        .with_row_index("pos")
        .join(reading.measures.select("mid", "plan_year"), on="mid", maintain_order="left")
    )
    plan_df = pl.len().over("gid", "plan_year")
    distinct = entries.select(plan_df <= config.max_plan_df)
    signature_pos = (
        entries.filter(pl.col("df") > 1)
        .sort(["mid", "idf", "gid"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("mid") < config.signature_terms)["pos"]
        .to_numpy()
    )
    signature = np.zeros(entries.height, dtype=bool)
    signature[signature_pos] = True
    return signature, distinct.to_series().to_numpy()


def candidates(reading: Reading, plans: pl.DataFrame, config: LineageConfig) -> pl.DataFrame:
    """Blocking: per measure and compared earlier plan, the measures of that plan where
    one's signature term is among the other's terms that single measures out in their
    plan (see _entry_masks); the `candidates` of them sharing the rarest (Σ IDF² of
    those terms): l, e."""
    signature, distinct = _entry_masks(reading, config)
    plan_rows = {
        int(year): group["mid"].to_numpy()
        for (year,), group in reading.measures.sort("mid").group_by(["plan_year"])
    }
    compared = plans.filter("compared").select("plan_year", "earlier_plan_year").rows()
    return blocking_candidates(
        reading.vectors, signature, distinct, plan_rows, compared, config.candidates
    )


def all_pairs(reading: Reading, plans: pl.DataFrame) -> pl.DataFrame:
    """Every measure against every measure of each compared earlier plan: l, e (for
    evaluation and to check the blocking)."""
    plan = reading.measures.select("mid", "plan_year")
    compared = plans.filter("compared").select("plan_year", "earlier_plan_year")
    return (
        plan.rename({"mid": "l"})
        .join(compared, on="plan_year")
        .join(plan.select(e="mid", earlier_plan_year="plan_year"), on="earlier_plan_year")
        .select("l", "e")
    )


# ---------------------------------------------------------------------------------------
# Features, scores, decisions


def _object_scores(reading: Reading, pairs: pl.DataFrame) -> pl.DataFrame:
    """Per pair, the best-matching named objects: IDF-weighted overlap of their terms
    (shared over all), with both titles."""
    o = reading.objects
    totals = o.group_by("mid", "obj").agg(total=pl.col("idf").sum(), title=pl.col("title").first())
    left = o.select(l="mid", ol="obj", term="term", idf="idf")
    right = o.select(e="mid", oe="obj", term="term")
    overlap = (
        pairs.join(left, on="l")
        .join(right, on=["e", "term"])
        .group_by("l", "e", "ol", "oe")
        .agg(inter=pl.col("idf").sum())
        .join(totals.select(l="mid", ol="obj", tl="total", title_l="title"), on=["l", "ol"])
        .join(totals.select(e="mid", oe="obj", te="total", title_e="title"), on=["e", "oe"])
        .with_columns(jaccard=pl.col("inter") / (pl.col("tl") + pl.col("te") - pl.col("inter")))
    )
    return (
        overlap.sort(
            ["l", "e", "jaccard", "ol", "oe"], descending=[False, False, True, False, False]
        )
        .group_by("l", "e", maintain_order=True)
        .agg(
            named_objects=pl.col("jaccard").first(),
            objects=pl.struct("title_l", "title_e", "jaccard").head(EVIDENCE_OBJECTS),
        )
    )


def _shared_sums(
    vectors: GramVectors, shared: SharedEntries, config: LineageConfig
) -> dict[str, np.ndarray]:
    """The features computed from the terms pairs share (all but named_objects and the
    lead and theme ones), per pair."""
    v = vectors
    df = v.values["df"][shared.left]
    idf = v.values["idf"][shared.left]
    is_word = v.values["is_word"][shared.left]
    return {
        "terms": pair_product(v, shared, "w_terms", "w_terms"),
        "phrases": pair_product(v, shared, "w_phrases", "w_phrases"),
        "main_later": pair_product(v, shared, "w_main", "w_phrases"),
        "main_earlier": pair_product(v, shared, "w_phrases", "w_main"),
        "rare_shared": np.minimum(pair_sum(shared, (df <= config.rare_df) * 1.0), 5) / 5,
        "best_clause_pair": best_clause_pairs(v, shared),
        "shared_word_idf": np.clip(pair_sum(shared, idf * is_word) / config.word_idf_scale, 0, 2),
        "shared_phrase_idf": np.clip(
            pair_sum(shared, idf * (1 - is_word)) / config.phrase_idf_scale, 0, 2
        ),
    }


def pair_features(
    reading: Reading, pairs: pl.DataFrame, config: LineageConfig
) -> tuple[pl.DataFrame, SharedEntries]:
    """The features (FEATURES) of each pair l, e (in the order of `pairs`, with `pair`:
    its row number), and the entries each pair shares (for the evidence)."""
    sums, shared = chunked(
        reading.vectors,
        pairs["l"].to_numpy(),
        pairs["e"].to_numpy(),
        lambda entries: _shared_sums(reading.vectors, entries, config),
    )
    out = pairs.select("l", "e").with_columns(**sums)
    found = _object_scores(reading, pairs).select("l", "e", "named_objects")
    m = reading.measures.select("mid", "lead", "theme_id")
    out = (
        out.with_row_index("pair")
        .join(found, on=["l", "e"], how="left", maintain_order="left")
        .join(
            m.rename({"mid": "l", "lead": "lead_l", "theme_id": "theme_l"}),
            on="l",
            maintain_order="left",
        )
        .join(
            m.rename({"mid": "e", "lead": "lead_e", "theme_id": "theme_e"}),
            on="e",
            maintain_order="left",
        )
    )
    known = pl.col("lead_l").is_not_null() & pl.col("lead_e").is_not_null()
    return out.with_columns(
        pl.col(*FEATURES[:6], *FEATURES[9:]).fill_null(0.0),
        same_lead=(known & (pl.col("lead_l") == pl.col("lead_e"))).cast(pl.Float64),
        leads_known=known.cast(pl.Float64),
        same_theme=(pl.col("theme_l") == pl.col("theme_e")).fill_null(False).cast(pl.Float64),
    ).select("pair", "l", "e", *FEATURES), shared


def _shared_words(reading: Reading, shared: SharedEntries, pairs: np.ndarray) -> pl.DataFrame:
    """For the pairs numbered `pairs`: the words and phrases they share, strongest first
    (by the product of their phrase weights), at most EVIDENCE_TERMS: pair, shared."""
    chosen = np.zeros(shared.n_pairs, dtype=bool)
    chosen[pairs] = True
    keep = chosen[shared.pair]
    values = reading.vectors.values["w_phrases"]
    left, right = shared.left[keep], shared.right[keep]
    entries = pl.DataFrame(
        {
            "pair": shared.pair[keep],
            "gid": reading.vectors.indices[left],
            "weight": values[left] * values[right],
        }
    )
    return (
        entries.with_columns(pl.col("gid").cast(pl.Int32))
        .join(reading.vocabulary.select("gid", "word"), on="gid")
        .sort(["pair", "weight", "word"], descending=[False, True, False])
        .group_by("pair", maintain_order=True)
        .agg(shared=pl.col("word").head(EVIDENCE_TERMS))
    )


def _explained(reading: Reading, pairs: pl.DataFrame, shared: SharedEntries) -> pl.DataFrame:
    """For the pairs shown (the links, the closest candidates): the strongest shared
    terms and the best-matching named objects."""
    words = _shared_words(reading, shared, pairs["pair"].to_numpy())
    objects = _object_scores(reading, pairs.select("l", "e")).select("l", "e", "objects")
    return (
        pairs.join(words, on="pair", how="left")
        .join(objects, on=["l", "e"], how="left")
        .with_columns(pl.col("shared").fill_null([]), pl.col("objects").fill_null([]))
    )


def scored(features: pl.DataFrame, config: LineageConfig) -> pl.DataFrame:
    """The features with the model's score: 1 / (1 + exp(-(intercept + Σ weight × feature)))."""
    logit = pl.lit(config.intercept)
    for name in FEATURES:
        logit = logit + config.weights[name] * pl.col(name)
    return features.with_columns(score=1 / (1 + (-logit).exp()))


def score_one(values: dict[str, float], config: LineageConfig) -> float:
    """The score of one pair's feature values (the same formula as `scored`)."""
    logit = config.intercept + sum(config.weights[f] * values.get(f, 0.0) for f in FEATURES)
    return 1 / (1 + math.exp(-logit))


# Columns of the lineage rows (the table measure_lineage), in order.
COLUMNS = (
    "measure_id",
    "plan_year",
    "earlier_plan_year",
    "status",
    "earlier_measure_id",
    "score",
    "closest_measure_id",
    "alternatives",
    "evidence",
    "evidence_json",
)
# A named object is spelled out in the evidence when the titles overlap at least this much
# (IDF-weighted): the same title in another word order, not two laws sharing "Law".
EVIDENCE_OBJECT_MIN = 0.65


def _ranked(scored_pairs: pl.DataFrame, reading: Reading, config: LineageConfig) -> pl.DataFrame:
    """The pairs ranked per measure and earlier plan by score (ties by the earlier id);
    `qualifies`: the score reaches the threshold."""
    ids = reading.measures.select("mid", "measure_id", "plan_year")
    return (
        scored_pairs.join(ids.rename({"mid": "l"}), on="l")
        .join(ids.select(e="mid", e_id="measure_id", earlier_plan_year="plan_year"), on="e")
        .with_columns(qualifies=pl.col("score") >= config.threshold)
        .sort(
            ["l", "earlier_plan_year", "score", "e_id"],
            descending=[False, False, True, False],
        )
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("l", "earlier_plan_year"))
    )


def _evidence(threshold: float) -> pl.Expr:
    """The reasons in words: the shared named objects, the shared terms (strongest
    first), the same lead body and theme; for a measure continuing nothing, first what
    came closest."""
    title = pl.element().struct.field
    objects = (
        pl.col("objects")
        .list.filter(title("jaccard") >= EVIDENCE_OBJECT_MIN)
        .list.eval(pl.format("“{}” ~ “{}”", title("title_l"), title("title_e")))
        .list.join("; ")
    )
    words = pl.col("shared").list.join(", ")
    reasons = [
        pl.when(objects.str.len_chars() > 0).then(pl.format("named: {}", objects)),
        pl.when(words.str.len_chars() > 0).then(pl.format("shared terms: {}", words)),
        pl.when(pl.col("same_lead") > 0).then(pl.format("same lead body ({})", "lead_name")),
        pl.when(pl.col("same_theme") > 0).then(pl.format("same theme ({})", "theme_label")),
    ]
    score = two_decimals(pl.col("score"))
    closest = pl.when(pl.col("score") < threshold).then(
        pl.format("closest {} ({}, below {})", "e_id", score, pl.lit(f"{threshold:g}"))
    )
    return pl.concat_str([closest, *reasons], separator=" · ", ignore_nulls=True)


def two_decimals(value: pl.Expr) -> pl.Expr:
    """A number between 0 and 1 as text with two decimals ("0.05", "1.00")."""
    hundredths = (value * 100).round().cast(pl.Int64)
    return pl.format("{}.{}", hundredths // 100, (hundredths % 100).cast(pl.String).str.zfill(2))


def _evidence_json() -> pl.Expr:
    return pl.struct(*(pl.col(f).round(4) for f in FEATURES)).struct.json_encode()


def lineage_rows(
    reading: Reading,
    plans: pl.DataFrame,
    scored_pairs: pl.DataFrame,
    config: LineageConfig,
    shared: SharedEntries,
) -> pl.DataFrame:
    """One row per measure and earlier plan it is compared with (COLUMNS): the best
    candidate continues it when it reaches the threshold; the others reaching it are the
    alternatives; plans in another language are not compared."""
    ranked = _ranked(scored_pairs, reading, config)
    labels = reading.measures.select(l="mid", lead_name="lead_name", theme_label="theme_label")
    best = (
        _explained(reading, ranked.filter(pl.col("rank") == 1), shared)
        .join(labels, on="l")
        .select(
            "l",
            "earlier_plan_year",
            "e_id",
            "score",
            "qualifies",
            evidence=_evidence(config.threshold),
            evidence_json=_evidence_json(),
        )
    )
    alternatives = (
        ranked.filter((pl.col("rank") > 1) & pl.col("qualifies"))
        .filter(pl.col("rank") <= MAX_ALTERNATIVES + 1)
        .group_by("l", "earlier_plan_year", maintain_order=True)
        .agg(
            alternatives=pl.format("{} ({})", "e_id", two_decimals(pl.col("score"))).str.join("; ")
        )
    )
    rows = reading.measures.select("mid", "measure_id", "plan_year").join(plans, on="plan_year")
    rows = rows.join(
        best, left_on=["mid", "earlier_plan_year"], right_on=["l", "earlier_plan_year"], how="left"
    ).join(
        alternatives,
        left_on=["mid", "earlier_plan_year"],
        right_on=["l", "earlier_plan_year"],
        how="left",
    )
    continued = pl.col("qualifies").fill_null(False)
    not_compared = (
        "not compared: the plans are in different languages (linking them needs a translation)"
    )
    return rows.sort(
        "plan_year", "measure_id", pl.col("earlier_plan_year"), descending=[False, False, True]
    ).select(
        "measure_id",
        "plan_year",
        "earlier_plan_year",
        status=pl.when(~pl.col("compared"))
        .then(pl.lit("not_compared"))
        .when(continued)
        .then(pl.lit("continued"))
        .otherwise(pl.lit("new")),
        earlier_measure_id=pl.when(pl.col("compared") & continued).then("e_id"),
        score=pl.when("compared").then(pl.col("score").round(4)),
        closest_measure_id=pl.when("compared").then("e_id"),
        alternatives=pl.when(pl.col("compared") & continued).then("alternatives"),
        evidence=pl.when(~pl.col("compared"))
        .then(pl.lit(not_compared))
        .otherwise(
            pl.col("evidence").fill_null("no measure of that plan shares a distinctive term")
        ),
        evidence_json=pl.when("compared").then("evidence_json"),
    )


def link_measures(
    measures: pl.DataFrame, config: LineageConfig, exhaustive: bool = False
) -> pl.DataFrame:
    """The lineage rows (COLUMNS) of the present measures (see read_measures for the
    columns). `exhaustive`: score every pair instead of the blocked candidates (to check
    the blocking; slow at scale)."""
    reading = read_measures(measures, config)
    plans = plan_pairs(reading.measures, config.max_earlier_plans)
    pairs = all_pairs(reading, plans) if exhaustive else candidates(reading, plans, config)
    features, shared = pair_features(reading, pairs, config)
    return lineage_rows(reading, plans, scored(features, config), config, shared)


def labelled_features(measures: pl.DataFrame, config: LineageConfig) -> pl.DataFrame:
    """The features and score of every pair of measures of compared plans (no
    blocking), by measure id: for calibrating the model and reading its errors."""
    reading = read_measures(measures, config)
    plans = plan_pairs(reading.measures, config.max_earlier_plans)
    ids = reading.measures.select("mid", "measure_id", "plan_year")
    return (
        scored(pair_features(reading, all_pairs(reading, plans), config)[0], config)
        .join(ids.rename({"mid": "l"}), on="l")
        .join(
            ids.select(e="mid", earlier_measure_id="measure_id", earlier_plan_year="plan_year"),
            on="e",
        )
        .select("measure_id", "earlier_plan_year", "earlier_measure_id", *FEATURES, "score")
    )


# ---------------------------------------------------------------------------------------
# Agreement with hand labels


def load_tests(directory: Path = paths.TAXONOMY) -> pl.DataFrame:
    """The measured agreement per plan pair (data/taxonomy/lineage_tests.csv), validated:
    plan_year, earlier_plan_year, test_set, decisions, agreed."""
    path = directory / TESTS_FILE
    columns = ("plan_year", "earlier_plan_year", "test_set", "decisions", "agreed")
    rows = []
    for row in read_csv(path, columns):
        numbers = [row.get(c) for c in columns if c != "test_set"]
        if not all(n.isdigit() for n in numbers):
            raise LineageError(str(path), row.line, "years and counts must be whole numbers")
        later, earlier, decisions, agreed = (int(n) for n in numbers)
        if not (earlier < later and 0 <= agreed <= decisions > 0):
            raise LineageError(
                str(path),
                row.line,
                "expected an earlier plan before the later one and "
                "0 <= agreed <= decisions, with decisions > 0",
            )
        rows.append((later, earlier, row.get("test_set"), decisions, agreed))
    schema = {
        "plan_year": pl.Int32,
        "earlier_plan_year": pl.Int32,
        "test_set": pl.String,
        "decisions": pl.Int32,
        "agreed": pl.Int32,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    if frame.select("plan_year", "earlier_plan_year").is_duplicated().any():
        raise LineageError(str(path), None, "a plan pair is listed twice")
    return frame


@dataclass(frozen=True)
class Decision:
    """A labelled decision: which measure of `earlier_plan_year` `measure_id` continues
    ("" for none), and the others that also qualify."""

    decision_id: str
    measure_id: str
    earlier_plan_year: int
    earlier_measure_id: str
    alternatives: tuple[str, ...] = ()
    held_out: bool = False


@dataclass(frozen=True)
class LineageAgreement:
    n: int
    exact: int  # the same earlier measure, or both none
    lenient: int  # exact, or the method's link is one of the label's alternatives
    # (label: "link" | "none", method: "same" | "alternative" | "other" | "none") -> count
    confusion: dict[tuple[str, str], int]
    disagreements: list[tuple[Decision, str]]  # the decision and the method's link ("" = none)

    @property
    def share(self) -> float:
        return self.exact / self.n if self.n else 0.0

    @property
    def lenient_share(self) -> float:
        return self.lenient / self.n if self.n else 0.0


def _outcome(decision: Decision, predicted: str) -> str:
    if not predicted:
        return "none"
    if predicted == decision.earlier_measure_id:
        return "same"
    return "alternative" if predicted in decision.alternatives else "other"


def agreement(
    decisions: Iterable[Decision], predicted: dict[tuple[str, int], str]
) -> LineageAgreement:
    """The method's links (`predicted`: (measure_id, earlier_plan_year) -> the earlier
    measure it continues, "" for none) against the labels."""
    confusion: dict[tuple[str, str], int] = {}
    disagreements = []
    n = exact = lenient = 0
    for d in decisions:
        link = predicted.get((d.measure_id, d.earlier_plan_year), "")
        outcome = _outcome(d, link)
        key = ("link" if d.earlier_measure_id else "none", outcome)
        confusion[key] = confusion.get(key, 0) + 1
        n += 1
        same = outcome == "same" or (outcome == "none" and not d.earlier_measure_id)
        exact += same
        lenient += same or outcome == "alternative"
        if not same:
            disagreements.append((d, link))
    return LineageAgreement(n, exact, lenient, confusion, disagreements)


def confusion_markdown(result: LineageAgreement) -> str:
    """The confusion matrix: rows the labels (a link, none), columns what the method
    gave (the same measure, one of the label's alternatives, another measure, none)."""
    columns = ("same", "alternative", "other", "none")
    lines = [
        "| label \\ method | same measure | an alternative | another measure | none | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row, label in (("link", "links"), ("none", "none")):
        cells = [result.confusion.get((row, c), 0) for c in columns]
        if row == "none":
            cells[0] = "–"  # a label of none has no measure to be the same as
            cells[1] = "–"
        lines.append(
            f"| {label} | "
            + " | ".join(str(c) for c in cells)
            + f" | {sum(c for c in cells if isinstance(c, int))} |"
        )
    return "\n".join(lines)


def load_decisions(path: Path) -> list[Decision]:
    """Labelled decisions from a CSV (tests/data/lineage/labels_gold.csv): decision_id,
    measure_id, earlier_plan_year, earlier_measure_id (empty: none), alternatives
    (";"-separated), double_coded (yes: held out from calibration)."""
    rows = read_csv(
        path,
        ["decision_id", "measure_id", "earlier_plan_year", "earlier_measure_id", "alternatives"],
    )
    out = []
    for row in rows:
        year = row.get("earlier_plan_year")
        if not year.isdigit():
            raise LineageError(
                str(path), row.line, f"earlier_plan_year must be a year, got {year!r}"
            )
        out.append(
            Decision(
                decision_id=row.get("decision_id"),
                measure_id=row.get("measure_id"),
                earlier_plan_year=int(year),
                earlier_measure_id=row.get("earlier_measure_id"),
                alternatives=tuple(
                    a.strip() for a in row.get("alternatives").split(";") if a.strip()
                ),
                held_out=row.get("double_coded").lower() == "yes",
            )
        )
    return out


def predicted_links(rows: pl.DataFrame) -> dict[tuple[str, int], str]:
    """(measure_id, earlier_plan_year) -> the earlier measure it continues ("" for none),
    from lineage rows."""
    return {
        (m, y): e or ""
        for m, y, e in rows.select(
            "measure_id", "earlier_plan_year", "earlier_measure_id"
        ).iter_rows()
    }
