"""What the Overview says about the corpus, computed from the data."""

from __future__ import annotations

from ipdash.present import notes


def test_measures_per_plan_are_counted_from_the_data(q):
    assert notes.measures_per_plan(q) == (
        "2012 has 90, 2014 has 79 (55–63 omitted in the source), 2020 has 100, 2021–2022 has 115"
    )


def test_caveats_say_what_is_missing_or_uncertain_in_each_plan(q):
    assert notes.caveats(q) == [
        "The **2012** plan exists in 2 renderings; they agree on every measure and body and "
        "differ in the wording of 7 measures (see Data quality).",
        "The **2014** plan names **no responsible bodies**, so it counts in theme charts but "
        "not in agency charts.",
        "Measures **55–63** of the **2014** plan appear only as omitted in the source; they "
        "are recorded as omitted, not dropped.",
        "The **2020** plan is a machine translation (web-scrape); agency names that are "
        "translation variants are resolved through the registry.",
        "The **2021–2022** plan's text lacks the headings of 4 parts: they are shown as "
        '"(unlabelled part N)".',
    ]


def test_the_largest_moves_between_two_plans(q):
    from ipdash.store import queries
    from ipdash.store.filters import MeasureFilter

    change = q(queries.theme_change, 2012, 2022, MeasureFilter())
    # Checked against shares computed in SQL from measures and measure_themes directly.
    assert notes.largest_moves(change) == (
        "Administrative enforcement +7.8 points; International +6.2 points; "
        "Creation quality and examination -5.2 points; Special fields -4.4 points"
    )
    assert notes.largest_moves(change.head(0)) == ""
