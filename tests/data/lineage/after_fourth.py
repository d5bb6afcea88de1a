"""The features tried after the fourth test set, cross-validated on the 435 decisions
labelled by then (the first 150, the fresh 75, the third 90 and the fourth 120): each
family added to the method's features (ipdash.corpus.lineage.FEATURES, computed exactly
as the build does), a logistic regression per fold (scikit-learn), 5-fold
cross-validation over the decisions repeated over four splits, the threshold that agrees
most across the folds. None was adopted (docs/lineage.md, "After the fourth set"); the
fifth test set is never read here.

    .venv/bin/python tests/data/lineage/after_fourth.py

prints the cross-validated agreement of each variant (a few minutes)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT), str(HERE)]

import calibrate  # noqa: E402 - the calibration's labelled decisions and folds
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402

from ipdash import paths  # noqa: E402
from ipdash.corpus import lineage  # noqa: E402
from ipdash.corpus.sources import load_manifest  # noqa: E402
from ipdash.store.build import corpus_tables  # noqa: E402
from ipdash.store.tables import lineage_input  # noqa: E402

LABELS = tuple(
    HERE / name
    for name in (
        "labels_gold.csv",
        "fresh_labels_gold.csv",
        "test_labels_gold.csv",
        "fourth_labels_gold.csv",
    )
)
BASE = list(lineage.FEATURES)
SPLITS = calibrate.SPLITS
Decision = tuple[dict, list[str], pl.DataFrame, np.ndarray]


def cross_validated(
    data: list[Decision],
    matrices: Callable[[np.ndarray, np.ndarray], dict[int, np.ndarray]],
    strength: float = 1.0,
) -> str:
    """The calibration's cross-validation (calibrate.cross_validated) with these
    matrices, at the threshold that agrees most."""
    agreed = calibrate.cross_validated(data, strength, matrices)
    t = max(agreed, key=lambda k: (agreed[k], -abs(k - 0.5)))
    return f"{agreed[t]:.1f} of {len(data)} ({agreed[t] / len(data):.1%}) at {t}"


def fixed(data: list[Decision], names: list[str]) -> Callable:
    matrices = {i: d[2].select(names).to_numpy() for i, d in enumerate(data)}
    return lambda train, test: matrices


def with_context(features: pl.DataFrame, measures_: pl.DataFrame) -> pl.DataFrame:
    """Position in the plan, section headings, and each similarity relative to the other
    candidates of the same measure (z-score, margin over the second) and of the same
    earlier measure."""
    number = pl.col("measure_id").str.slice(5).cast(pl.Int32)
    position = measures_.select("measure_id", "plan_year", n=number).with_columns(
        rel=pl.col("n") / pl.col("n").max().over("plan_year")
    )
    rel = dict(zip(position["measure_id"], position["rel"], strict=True))
    sections = dict(zip(measures_["measure_id"], measures_["section"], strict=True))
    out = features.with_columns(
        plan=pl.col("measure_id").str.slice(0, 4),
        pos_diff=(
            pl.col("measure_id").replace_strict(rel, return_dtype=pl.Float64)
            - pl.col("earlier_measure_id").replace_strict(rel, return_dtype=pl.Float64)
        ).abs(),
        same_section_words=pl.struct("measure_id", "earlier_measure_id").map_elements(
            lambda s: _overlap(sections[s["measure_id"]], sections[s["earlier_measure_id"]]),
            return_dtype=pl.Float64,
        ),
    )
    mine, theirs = ["measure_id", "earlier_plan_year"], ["earlier_measure_id", "plan"]
    for c in ("terms", "phrases", "shared_word_idf", "best_clause_pair"):
        second = pl.col(c).sort(descending=True).slice(1, 1).first().over(mine)
        out = out.with_columns(
            _z(c, mine).alias(f"{c}_z"),
            _z(c, theirs).alias(f"{c}_z_earlier"),
            (pl.col(c) - second).clip(-1, 1).alias(f"{c}_margin"),
        )
    return out


def _z(column: str, over: list[str]) -> pl.Expr:
    c = pl.col(column)
    return ((c - c.mean().over(over)) / (c.std().over(over) + 1e-9) / 10).clip(-1, 3)


def _overlap(a: str, b: str) -> float:
    wa, wb = (set(x.lower().split("›")[-1].split()) for x in (a, b))
    return len(wa & wb) / max(1, len(wa | wb))


def through_a_third(features: pl.DataFrame) -> pl.DataFrame:
    """The best min(score(L, M), score(E, M)) over measures M of a third plan: both
    linked to the same measure of another plan."""
    pairs = features.select(a="measure_id", b="earlier_measure_id", s="score")
    both = pl.concat([pairs, pairs.select(a="b", b="a", s="s")])
    year = pl.col("M").str.slice(0, 4)
    third = (
        features.select(L="measure_id", E="earlier_measure_id")
        .join(both.rename({"a": "L", "b": "M", "s": "s1"}), on="L")
        .join(both.rename({"a": "E", "b": "M", "s": "s2"}), on=["E", "M"])
        .filter(year != pl.col("L").str.slice(0, 4), year != pl.col("E").str.slice(0, 4))
        .group_by("L", "E")
        .agg(third=pl.min_horizontal("s1", "s2").max())
    )
    return features.join(
        third.rename({"L": "measure_id", "E": "earlier_measure_id"}),
        on=["measure_id", "earlier_measure_id"],
        how="left",
    ).with_columns(pl.col("third").fill_null(0.0))


def learned_pairs(data: list[Decision], terms: dict, min_links: int = 2, prior: float = 2.0):
    """Term pairs (a word only the later measure uses, one only the earlier uses) and how
    often they meet in a labelled link rather than in the other top-10 candidates; the
    feature of a pair of measures is the sum of its three strongest."""

    def learn(rows: list[int]) -> dict:
        link, other = Counter(), Counter()
        for i in rows:
            row, ids, sub, good = data[i]
            later = terms[row["measure_id"]]
            for j in np.argsort(-sub["score"].to_numpy())[:10]:
                earlier = terms[ids[j]]
                cross = {(x, z) for x in later - earlier for z in earlier - later}
                (link if good[j] else other).update(cross)
        return {k: c / (c + other[k] + prior) for k, c in link.items() if c >= min_links}

    def value(table: dict, later: frozenset, earlier: frozenset) -> float:
        found = sorted(
            (table.get((x, z), 0.0) for x in later - earlier for z in earlier - later),
            reverse=True,
        )
        return min(sum(found[:3]), 2.0)

    def matrix(i: int, table: dict) -> np.ndarray:
        row, ids, sub, _ = data[i]
        extra = [value(table, terms[row["measure_id"]], terms[e]) for e in ids]
        return np.column_stack([sub.select(BASE).to_numpy(), extra])

    def columns(train: np.ndarray, test: np.ndarray) -> dict[int, np.ndarray]:
        out = {}
        for inner, held in KFold(5, shuffle=True, random_state=99).split(train):
            table = learn(list(train[inner]))  # training rows learn out of fold too
            out |= {int(i): matrix(int(i), table) for i in train[held]}
        table = learn(list(train))
        return out | {int(i): matrix(int(i), table) for i in test}

    return columns


def second_stage(data: list[Decision], make: Callable, extra: list[str]) -> str:
    """A decision-level classifier over the best candidate (its features, the relative
    similarities and its score, its margin over the second, how many candidates score
    over 0.1, the years apart): link it, or none."""
    total = 0.0
    x = {i: d[2].select(BASE).to_numpy() for i, d in enumerate(data)}
    for seed in SPLITS:
        for train, test in KFold(5, shuffle=True, random_state=seed).split(np.arange(len(data))):
            model = LogisticRegression(max_iter=5000).fit(
                np.vstack([x[i] for i in train]), np.concatenate([data[i][3] for i in train])
            )

            def top(i: int, model=model) -> tuple[list[float], str, float]:
                row, ids, sub, good = data[i]
                p = model.predict_proba(x[i])[:, 1]
                order = np.argsort(-p)
                best = sub.row(int(order[0]), named=True)
                gap = int(row["measure_id"][:4]) - int(row["earlier_plan_year"])
                values = [p[order[0]], p[order[0]] - p[order[1]], (p > 0.1).sum(), gap]
                values += [best[c] for c in [*BASE, *extra]]
                return values, ids[order[0]], good[order[0]]

            rows = [top(i) for i in train]
            clf = make().fit(np.array([r[0] for r in rows]), np.array([r[2] for r in rows]))
            for i in test:
                values, best_id, _ = top(i)
                link = best_id if clf.predict_proba(np.array([values]))[0, 1] >= 0.5 else ""
                total += (link == data[i][0]["earlier_measure_id"]) / len(SPLITS)
    return f"{total:.1f} of {len(data)} ({total / len(data):.1%})"


def main() -> None:
    config = lineage.load_config()
    tables = corpus_tables(load_manifest(paths.DEFAULT_RAW), paths.DEFAULT_RAW)
    raw = lineage_input(tables)
    sections = tables["measures"].select("measure_id", "section").unique("measure_id")
    raw_sections = raw.join(sections, on="measure_id", how="left").with_columns(
        pl.col("section").fill_null("")
    )
    features = through_a_third(with_context(lineage.labelled_features(raw, config), raw_sections))
    data = calibrate.labelled(features, LABELS)
    relative = [f"{c}_{k}" for c in ("terms", "phrases") for k in ("z", "z_earlier", "margin")]
    variants = {
        "the method's features": [],
        "+ position in the plan": ["pos_diff"],
        "+ section headings": ["same_section_words"],
        "+ both": ["pos_diff", "same_section_words"],
        "+ relative to the other candidates (terms, phrases)": relative,
        "+ through a third plan's measure": ["third"],
    }
    for name, extra in variants.items():
        for strength in (0.3, 1.0):
            result = cross_validated(data, fixed(data, BASE + extra), strength)
            print(f"{name}, C={strength}: {result}", flush=True)
    terms = {
        m: frozenset(t for t, _ in lineage.terms(text, config))
        for m, text in zip(raw["measure_id"], raw["text"], strict=True)
    }
    print(f"+ learned term pairs: {cross_validated(data, learned_pairs(data, terms))}")
    stages = {
        "logistic": lambda: LogisticRegression(max_iter=5000),
        "boosted trees": lambda: GradientBoostingClassifier(
            max_depth=2, n_estimators=100, learning_rate=0.05
        ),
        "random forest": lambda: RandomForestClassifier(300, min_samples_leaf=5, random_state=0),
    }
    for name, make in stages.items():
        print(f"second stage ({name}): {second_stage(data, make, relative)}", flush=True)


if __name__ == "__main__":
    main()
