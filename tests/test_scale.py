"""What was changed for 100,000 measures (docs/benchmarks.md) gives the same answers as
before: the theme rules' literal pre-check, the pages' first rows, the lowered search
text, and charts with many plans."""

from __future__ import annotations

import polars as pl

from ipdash.corpus import themes
from ipdash.present import figures
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter as F


def _every_rule(text: str, taxonomy: themes.Taxonomy) -> list[themes.Match]:
    """score_text as it was: every rule searched in every text."""
    lead_end, sentence_end = themes._zones(text, taxonomy.action_verbs)
    matches = []
    for rule in taxonomy.rules:
        for found in rule.regex.finditer(text):
            if found.start() < lead_end:
                zone, factor = "lead clause", themes.LEAD_CLAUSE_FACTOR
            elif found.start() < sentence_end:
                zone, factor = "first sentence", themes.FIRST_SENTENCE_FACTOR
            else:
                zone, factor = "later", themes.LATER_FACTOR
            points = rule.weight * factor
            if rule.main_action and zone == "lead clause":
                points += themes.MAIN_ACTION_BONUS
            matches.append(
                themes.Match(rule.theme_id, rule.name, found.group(0), found.start(), zone, points)
            )
    return themes._without_overlaps(matches)


def test_the_literal_precheck_finds_exactly_what_every_rule_finds(parsed_seeds):
    taxonomy = themes.load_taxonomy()
    texts = [m.text for d in parsed_seeds.values() for m in d.parsed.measures if m.text]
    texts += [h.label for d in parsed_seeds.values() for h in d.parsed.headings]
    texts += [t.upper() for t in texts[:100]] + [t.title() for t in texts[100:200]]
    # Characters that match ASCII letters when case is ignored skip the pre-check.
    texts += ["İnternational ſtrategy", "The WIPO and the Kelvin sign K", "E-COMMERCE, Internet+"]
    assert len(texts) > 500
    assert [themes.score_text(t, taxonomy) for t in texts] == [
        _every_rule(t, taxonomy) for t in texts
    ]


def test_literal_starts_of_rules():
    taxonomy = themes.load_taxonomy()
    starts = {r.name: themes.required_starts(r.regex) for r in taxonomy.rules}
    assert starts["national_defence"] == ("national defence", "national defense")
    assert starts["e_commerce"] == ("ecommerce", "e-commerce")
    assert starts["treaties"] == ("treaty", "treaties", "convention", "conventions")
    assert sum(s is not None for s in starts.values()) >= 110


def test_first_measures_are_the_first_rows_of_filtered_measures(con):
    for f in (F(), F(years=(2020,)), F(query="patent"), F(agencies=("cnipa",), role="lead")):
        assert queries.first_measures(con, f, 7).equals(queries.filtered_measures(con, f).head(7))
        assert queries.count_measures(con, f) == queries.filtered_measures(con, f).height


def test_the_search_looks_in_the_text_and_the_attribution_ignoring_case(con):
    rows = queries.filtered_measures(con, F())
    for query in ("patent", "Ministry of", "TRADE SECRET", "(", "2020-041", "o", "e,"):
        expected = rows.filter(
            pl.col("text").str.to_lowercase().str.contains(query.lower(), literal=True)
            | pl.col("attribution_raw")
            .fill_null("")
            .str.to_lowercase()
            .str.contains(query.lower(), literal=True)
            | (pl.col("measure_id") == query)
        )
        assert queries.filtered_measures(con, F(query=query))["measure_id"].to_list() == (
            expected["measure_id"].to_list()
        ), query


def test_who_leads_most_draws_a_panel_for_each_of_many_plans():
    kinds = pl.DataFrame(
        {"kind": ["k"], "label": ["Kind"], "short_label": ["Kind"], "colour": ["#000000"]}
    )
    top = pl.DataFrame(
        {
            "plan_year": list(range(1990, 2030)),
            "period_label": [str(y) for y in range(1990, 2030)],
            "rank": [1] * 40,
            "agency_id": ["a"] * 40,
            "short_name": ["A"] * 40,
            "name": ["Agency A"] * 40,
            "kind": ["k"] * 40,
            "n_led": [3] * 40,
            "share_led": [0.5] * 40,
        }
    )
    fig = figures.top_leads(top, kinds)
    assert len(fig.data) == 40
