"""How the theme validation sample was drawn (run once; kept for the record).

A stratified random sample of present measures, seeded, so anyone can redraw it:
32 from 2012, 24 from 2014, 30 from 2020, 34 from 2022 (120 in all, about a third of
each plan). Writes tests/data/theme_sample.csv with what a coder sees: the measure's
id, plan, section path and text — nothing from the classifier.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ipdash.agencies import load_registry
from ipdash.patterns import load_patterns

from ipdash import paths
from ipdash.corpus.document import measure_id
from ipdash.store.build import parse_all

SEED = 20261121
PER_PLAN = {2012: 32, 2014: 24, 2020: 30, 2022: 34}


def main() -> None:
    _, docs = parse_all(paths.DEFAULT_RAW, load_patterns(), load_registry())
    rng = random.Random(SEED)
    rows = []
    for doc in docs:
        if not doc.source.canonical:
            continue
        year = doc.source.plan_year
        present = [m for m in doc.parsed.measures if m.status == "present"]
        for m in sorted(rng.sample(present, PER_PLAN[year]), key=lambda m: m.number):
            rows.append(
                {
                    "measure_id": measure_id(year, m.number),
                    "plan_year": year,
                    "section_path": " › ".join(h.label for h in m.path),
                    "text": m.text,
                }
            )
    rows.sort(key=lambda r: r["measure_id"])
    out = Path(__file__).with_name("theme_sample.csv")
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} measures to {out}")


if __name__ == "__main__":
    main()
