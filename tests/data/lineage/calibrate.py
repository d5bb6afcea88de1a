"""Calibrate the lineage model on the 225 development decisions (labels_gold.csv, 150,
and fresh_labels_gold.csv, 75: both sets have been seen, so both are for development):
features of every pair (ipdash.corpus.lineage, exactly as the build computes them), a
logistic regression (scikit-learn), and, by 5-fold cross-validation over the decisions
repeated over four splits, the regularisation and the threshold that agree most with the
labels across the folds (a gate requiring the shared terms to reach a main commitment was
also searched in an earlier round: it cost agreement, and is gone). The test set (test_*.csv) is never
read here.

    .venv/bin/python tests/data/lineage/calibrate.py [--write]

prints the cross-validated agreement per regularisation strength, and the
weights fitted on all 225; with --write they go into data/taxonomy/lineage.yaml."""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402

from ipdash import paths  # noqa: E402
from ipdash.corpus import lineage  # noqa: E402
from ipdash.corpus.sources import load_manifest  # noqa: E402
from ipdash.store.build import corpus_tables  # noqa: E402
from ipdash.store.tables import lineage_input  # noqa: E402

HERE = Path(__file__).resolve().parent
LABELS = (HERE / "labels_gold.csv", HERE / "fresh_labels_gold.csv")
STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # inverse L2 regularisation (scikit-learn's C)
THRESHOLDS = [round(t, 3) for t in np.arange(0.05, 0.9, 0.025)]
SPLITS = (0, 1, 2, 3)


def decisions(labels: Iterable[Path] = LABELS) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in labels:
        with path.open(encoding="utf-8", newline="") as handle:
            rows += csv.DictReader(handle)
    return rows


def labelled(
    features: pl.DataFrame, labels: Iterable[Path] = LABELS
) -> list[tuple[dict[str, str], list[str], pl.DataFrame, np.ndarray]]:
    """Per decision of the `labels` files: its row, the earlier plan's measures (by id),
    their rows of `features` and which of them qualify (the gold link and its
    alternatives)."""
    parts = features.partition_by(["measure_id", "earlier_plan_year"], as_dict=True)
    out = []
    for row in decisions(labels):
        sub = parts[(row["measure_id"], int(row["earlier_plan_year"]))].sort("earlier_measure_id")
        ids = sub["earlier_measure_id"].to_list()
        qualifying = ({row["earlier_measure_id"]} | set(row["alternatives"].split(";"))) - {""}
        out.append((row, ids, sub, np.array([i in qualifying for i in ids], float)))
    return out


def decision_data(config: lineage.LineageConfig) -> list[tuple]:
    """Per decision: the earlier plan's measures, their features and which of them
    qualify."""
    raw = paths.DEFAULT_RAW
    features = lineage.labelled_features(
        lineage_input(corpus_tables(load_manifest(raw), raw)), config
    )
    return [
        (row, ids, sub.select(lineage.FEATURES).to_numpy(), good)
        for row, ids, sub, good in labelled(features)
    ]


def link(ids: list[str], p: np.ndarray, threshold: float) -> str:
    """The method's decision, as lineage_rows makes it: the best-scoring candidate if it
    reaches the threshold, or none."""
    best = int(np.argmax(p))
    return ids[best] if p[best] >= threshold else ""


def cross_validated(
    data: list,
    strength: float,
    matrices: Callable[[np.ndarray, np.ndarray], dict[int, np.ndarray]] | None = None,
) -> dict[float, float]:
    """Agreement (decisions) per threshold, averaged over the splits. `matrices(train,
    test)` gives each decision's feature matrix, for features learned from the labels
    (on the training folds only); by default each decision's own (data[i][2])."""
    agreed = dict.fromkeys(THRESHOLDS, 0.0)
    for seed in SPLITS:
        probabilities: list = [None] * len(data)
        for train, test in KFold(5, shuffle=True, random_state=seed).split(np.arange(len(data))):
            x = matrices(train, test) if matrices else {i: d[2] for i, d in enumerate(data)}
            model = LogisticRegression(C=strength, max_iter=5000).fit(
                np.vstack([x[i] for i in train]), np.concatenate([data[i][3] for i in train])
            )
            for i in test:
                probabilities[i] = model.predict_proba(x[i])[:, 1]
        for t in THRESHOLDS:
            for (row, ids, _, _), p in zip(data, probabilities, strict=True):
                agreed[t] += (link(ids, p, t) == row["earlier_measure_id"]) / len(SPLITS)
    return agreed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the model into lineage.yaml")
    args = parser.parse_args()
    config = lineage.load_config()
    data = decision_data(config)
    best = (0.0, 0.0, 0.0)
    for strength in STRENGTHS:
        agreed = cross_validated(data, strength)
        t = max(agreed, key=lambda k: (agreed[k], -abs(k - 0.5)))
        print(
            f"C={strength:<5} best threshold {t:.3f}: {agreed[t]:.1f} of "
            f"{len(data)} ({agreed[t] / len(data):.1%}) cross-validated",
            flush=True,
        )
        if agreed[t] > best[0]:
            best = (agreed[t], strength, t)
    _, strength, threshold = best
    model = LogisticRegression(C=strength, max_iter=5000).fit(
        np.vstack([d[2] for d in data]), np.concatenate([d[3] for d in data])
    )
    weights = dict(zip(lineage.FEATURES, model.coef_[0].round(3).tolist(), strict=True))
    print(f"chosen: C={strength}, threshold {threshold}; intercept {model.intercept_[0]:.3f}")
    for name, weight in weights.items():
        print(f"  {name}: {weight}")
    if args.write:
        path = paths.TAXONOMY / lineage.CONFIG_FILE
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^  intercept: .*$", f"  intercept: {model.intercept_[0]:.3f}", text)
        for name, weight in weights.items():
            text = re.sub(rf"(?m)^    {name}: .*$", f"    {name}: {weight}", text)
        text = re.sub(r"(?m)^  threshold: .*$", f"  threshold: {threshold}", text)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
