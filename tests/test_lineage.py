"""Measure lineage (ipdash.corpus.lineage): reading a measure (clauses, the main
commitment, terms, named objects), linking measures of hand-written plans, the blocking
against comparing every pair, the table, its queries and views, the redline, the command
line, and the agreement with the labelled decisions (docs/lineage.md)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from ipdash import paths
from ipdash.corpus import lineage
from ipdash.present import redline, views
from ipdash.store import queries
from ipdash.store.filters import MeasureFilter
from tests.conftest import run_cli

CONFIG = lineage.load_config()
LABELS = paths.ROOT / "tests" / "data" / "lineage" / "labels_gold.csv"
FRESH = paths.ROOT / "tests" / "data" / "lineage" / "fresh_labels_gold.csv"
THIRD = paths.ROOT / "tests" / "data" / "lineage" / "test_labels_gold.csv"
FOURTH = paths.ROOT / "tests" / "data" / "lineage" / "fourth_labels_gold.csv"
FIFTH = paths.ROOT / "tests" / "data" / "lineage" / "fifth_labels_gold.csv"


# ---------------------------------------------------------------------------------------
# Reading one measure


def test_clauses_split_at_punctuation_and_before_and_a_verb():
    text = "Revise the Patent Law, and improve the rules on damages. Publish the annual report."
    assert lineage.clauses(text, CONFIG) == [
        "Revise the Patent Law,",
        "improve the rules on damages.",
        "Publish the annual report.",
    ]
    assert lineage.clauses("Build a database and improve its search", CONFIG) == [
        "Build a database",
        "improve its search",
    ]


def test_the_main_commitment_is_the_first_clause_with_three_content_words():
    assert lineage.main_clause("Revise the Patent Law, and improve damages.", CONFIG) == (
        "Revise the Patent Law,"
    )
    # "Study," holds no content word (a plan's boilerplate verb): the clauses after it
    # complete the main one.
    text = "Study, issue the Rules on Seed Quality, and train judges."
    assert lineage.main_clause(text, CONFIG) == "Study, issue the Rules on Seed Quality,"
    assert lineage.main_clause("Study, issue the Rules on Seeds, and train judges.", CONFIG) == (
        "Study, issue the Rules on Seeds, and train judges."
    )


def test_terms_are_stemmed_content_words_with_translation_variants_as_one_token():
    found = lineage.terms(
        "Strengthen the protection of Geographic Indications and the IPR of patents", CONFIG
    )
    assert found == [
        ("protec", "protection"),
        ("geographical_indication", "geographical indication"),
        ("patent", "patents"),
    ]
    assert lineage.terms("the Internet and cyberspace", CONFIG) == [
        ("online", "online"),
        ("online", "online"),
    ]


def test_chinese_text_is_read_as_overlapping_character_pairs():
    assert lineage.terms("修改专利法", CONFIG) == [
        ("修改", "修改"),
        ("改专", "改专"),
        ("专利", "专利"),
        ("利法", "利法"),
    ]
    assert lineage.language("推进专利法修改，加强保护") == "zh"
    assert lineage.language("Revise the Patent Law (专利法)") == "en"


def test_named_objects_are_titles_in_quotes_or_capitalised_whatever_the_verb_before():
    text = (
        "Revise the Regulations on National Defense Patents and Interim Rules on the "
        'Registration of Military Software, and run the "Clear Sky" action.'
    )
    assert lineage.named_objects(text, CONFIG) == [
        "Regulations on National Defense Patents",
        "Interim Rules on the Registration of Military Software",
        "Clear Sky",
    ]
    assert lineage.named_objects("《专利法实施细则》", CONFIG) == ["专利法实施细则"]


def test_a_title_is_the_same_object_in_another_word_order():
    a = lineage.object_key("Regulations on National Defense Patents", CONFIG)
    b = lineage.object_key("National Defence Patent Regulations", CONFIG)
    assert a == b == frozenset({"regula", "defens", "patent"})


# ---------------------------------------------------------------------------------------
# Linking hand-written plans


def _plans(*plans: tuple[int, list[tuple[str, str | None]]]) -> pl.DataFrame:
    rows = []
    for year, measures in plans:
        for number, (text, lead) in enumerate(measures, start=1):
            rows.append(
                {
                    "measure_id": f"{year}-{number:03d}",
                    "plan_year": year,
                    "text": text,
                    "lead": lead,
                    "lead_name": lead.upper() if lead else None,
                    "theme_id": "legislation" if "Law" in text else "services",
                    "theme_label": "Legislation" if "Law" in text else "Services",
                }
            )
    return pl.DataFrame(rows, schema_overrides={"plan_year": pl.Int32})


EARLY = (
    2001,
    [
        ("Revise the Seed Law, and improve the rules on damages for seed fraud.", "moa"),
        ("Build a national database of folk songs and their singers.", "moc"),
        ("Train judges in remote counties.", "spc"),
    ],
)
LATE = (
    2003,
    [
        ("Cooperate with the revision of the Seed Law and its rules on damages.", "moa"),
        ("Set up a hotline for lighthouse keepers.", "mot"),
        ("Expand the national folk song database with the singers' recordings.", "moc"),
    ],
)


def test_a_measure_continues_the_earlier_one_committing_to_the_same_object():
    rows = lineage.link_measures(_plans(EARLY, LATE), CONFIG)
    by_id = {r["measure_id"]: r for r in rows.iter_rows(named=True)}
    assert set(rows.columns) == set(lineage.COLUMNS)
    seed = by_id["2003-001"]
    assert (seed["status"], seed["earlier_measure_id"], seed["earlier_plan_year"]) == (
        "continued",
        "2001-001",
        2001,
    )
    assert seed["score"] >= CONFIG.threshold
    assert "Seed Law" in seed["evidence"]
    assert "same lead body (MOA)" in seed["evidence"]
    assert by_id["2003-003"]["earlier_measure_id"] == "2001-002"
    hotline = by_id["2003-002"]
    assert (hotline["status"], hotline["earlier_measure_id"]) == ("new", None)
    assert re.match(
        r"closest 2001-00\d \(0\.\d\d, below 0\.275\)|no measure of that plan shares a "
        "distinctive term",
        hotline["evidence"],
    ), hotline["evidence"]


def test_a_measure_sharing_only_a_side_clause_continues_nothing():
    early = (
        2001,
        [("Train judges in remote counties, and build a database of folk songs.", "moc")],
    )
    late = (
        2003,
        [
            (
                "Open a museum of lighthouse lamps in coastal towns, and expand the folk song database.",
                "moc",
            )
        ],
    )
    plans = _plans(early, late)
    features = lineage.labelled_features(plans, CONFIG).row(0, named=True)
    assert features["main_later"] == features["main_earlier"] == 0.0  # no main clause shared
    assert features["best_clause_pair"] > 0.5  # the side clauses match
    assert features["score"] < CONFIG.threshold
    row = lineage.link_measures(plans, CONFIG).row(0, named=True)
    assert (row["status"], row["earlier_measure_id"], row["closest_measure_id"]) == (
        "new",
        None,
        "2001-001",
    )


def test_the_earliest_plan_has_no_rows_and_each_later_measure_one_per_earlier_plan():
    middle = (2002, [("Revise the Seed Law.", "moa")])
    rows = lineage.link_measures(_plans(EARLY, middle, LATE), CONFIG)
    assert rows.filter(pl.col("plan_year") == 2001).height == 0
    assert rows.group_by("measure_id").len().sort("measure_id")["len"].to_list() == [1, 2, 2, 2]
    assert rows.filter(pl.col("measure_id") == "2003-001")["earlier_measure_id"].to_list() == [
        "2002-001",
        "2001-001",
    ]


def test_plans_in_different_languages_are_not_compared():
    chinese = (2004, [("修改种子法，完善损害赔偿规则。", "moa")])
    rows = lineage.link_measures(_plans(EARLY, LATE, chinese), CONFIG)
    row = rows.filter(pl.col("measure_id") == "2004-001").row(0, named=True)
    assert (row["status"], row["earlier_measure_id"], row["score"]) == ("not_compared", None, None)
    assert "different languages" in row["evidence"]


def test_a_plan_is_compared_with_at_most_the_configured_number_of_earlier_plans():
    from dataclasses import replace

    plans = [(2000 + i, [("Revise the Seed Law.", "moa")]) for i in range(5)]
    rows = lineage.link_measures(_plans(*plans), replace(CONFIG, max_earlier_plans=2))
    assert rows.filter(pl.col("plan_year") == 2004)["earlier_plan_year"].to_list() == [2003, 2002]


def test_the_score_is_the_configured_logistic_model():
    values = dict.fromkeys(lineage.FEATURES, 0.0) | {"terms": 0.5, "same_theme": 1.0}
    logit = CONFIG.intercept + CONFIG.weights["terms"] * 0.5 + CONFIG.weights["same_theme"]
    assert lineage.score_one(values, CONFIG) == pytest.approx(1 / (1 + 2.718281828459045**-logit))


def test_word_weights_are_scikit_learns_tf_idf():
    """The 'terms' feature is the cosine of scikit-learn's TfidfVectorizer (sublinear tf,
    smoothed idf, l2 norm) over the same terms: the build computes it without importing
    scikit-learn (1.2 s of imports)."""
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    measures = _plans(EARLY, LATE)
    texts = measures["text"].to_list()
    vectorizer = sklearn_text.TfidfVectorizer(
        analyzer=lambda t: [term for term, _ in lineage.terms(t, CONFIG)],
        sublinear_tf=True,
    )
    matrix = vectorizer.fit_transform(texts)
    features = lineage.labelled_features(measures, CONFIG)
    for row in features.iter_rows(named=True):
        i = measures["measure_id"].to_list().index(row["measure_id"])
        j = measures["measure_id"].to_list().index(row["earlier_measure_id"])
        assert row["terms"] == pytest.approx((matrix[i] @ matrix[j].T).toarray()[0][0])


def test_a_malformed_settings_file_is_named(tmp_path):
    text = (paths.TAXONOMY / lineage.CONFIG_FILE).read_text(encoding="utf-8")
    (tmp_path / lineage.CONFIG_FILE).write_text(
        text.replace("    same_theme:", "    same_colour:"), encoding="utf-8"
    )
    with pytest.raises(lineage.LineageError, match="weights must name exactly"):
        lineage.load_config(tmp_path)


# ---------------------------------------------------------------------------------------
# The real corpus: blocking, the table, queries, views


@pytest.fixture(scope="module")
def seed_input(parsed_seeds, registry):
    from ipdash.corpus.themes import load_taxonomy
    from ipdash.store.tables import build_tables, lineage_input, theme_tables

    docs = list(parsed_seeds.values())
    return lineage_input(build_tables(docs, registry) | theme_tables(docs, load_taxonomy()))


def test_blocking_finds_every_link_comparing_every_pair_finds(seed_input):
    blocked = lineage.link_measures(seed_input, CONFIG)
    everything = lineage.link_measures(seed_input, CONFIG, exhaustive=True)
    assert blocked.height == everything.height == 615
    keys = ["measure_id", "earlier_plan_year"]
    both = blocked.join(everything, on=keys, suffix="_all")
    differ = both.filter(
        pl.col("earlier_measure_id").fill_null("") != pl.col("earlier_measure_id_all").fill_null("")
    )
    # Three links only comparing every pair finds (of 199): 2014-023 shares with
    # 2012-043 no term among either's 12 most distinctive (information sharing,
    # administrative enforcement: terms many measures use); 2022-032 shares one with
    # 2020-039 (infringement disputes) and 2022-089 one with 2020-016 (basic
    # information), but six and four measures of 2020 share rarer terms with them (the
    # labels call 2022-089 new against 2020: this miss avoids a wrong link).
    assert differ.select([*keys, "earlier_measure_id_all"]).sort(keys).rows() == [
        ("2014-023", 2012, "2012-043"),
        ("2022-032", 2020, "2020-039"),
        ("2022-089", 2020, "2020-016"),
    ]


def test_the_table_has_a_row_per_present_measure_and_earlier_plan(con):
    counts = dict(
        con.execute(
            "SELECT plan_year, count(*) FROM measure_lineage GROUP BY ALL ORDER BY 1"
        ).fetchall()
    )
    assert counts == {2014: 70, 2020: 200, 2022: 345}
    broken = con.execute(
        "SELECT count(*) FROM measure_lineage WHERE (status = 'continued') "
        "<> (earlier_measure_id IS NOT NULL) OR score NOT BETWEEN 0 AND 1"
    ).fetchone()[0]
    assert broken == 0


def test_what_changed_adds_up(con):
    rows = queries.lineage_changes(con, 2020, 2022, MeasureFilter())
    n = dict(rows.group_by("change").len().iter_rows())
    assert n["carried over"] + n["new"] == 115
    links = con.execute(
        "SELECT count(DISTINCT earlier_measure_id) FROM measure_lineage "
        "WHERE plan_year = 2022 AND earlier_plan_year = 2020"
    ).fetchone()[0]
    assert n["dropped"] == 100 - links
    counts = queries.lineage_counts(con, 2020, 2022, MeasureFilter())
    assert (counts["n_new"].sum(), counts["n_carried"].sum(), counts["n_dropped"].sum()) == (
        n["new"],
        n["carried over"],
        n["dropped"],
    )
    flows = queries.lineage_flows(con, 2020, 2022, MeasureFilter())
    assert flows["n"].sum() == rows.height
    assert queries.lineage_changes(con, 2020, 2021, MeasureFilter()).is_empty()


def test_filters_apply_to_each_side(con):
    f = MeasureFilter(themes=("enforcement",))
    rows = queries.lineage_changes(con, 2020, 2022, f)
    themes = set(rows["theme"].to_list())
    assert themes == {"Administrative enforcement"}


def test_persistent_commitments_run_through_three_plans_or_more(con):
    chains = queries.persistent_commitments(con, MeasureFilter(), 3)
    assert chains.height > 0
    assert chains["n_plans"].min() >= 3
    for row in chains.iter_rows(named=True):
        ids = row["measures"].split(" → ")
        assert len(ids) == row["n_plans"] == len(row["plans"].split(" → "))
        assert [int(i[:4]) for i in ids] == sorted(int(i[:4]) for i in ids)


def test_the_lineage_downloads_describe_every_column(con):
    from ipdash.present import export

    chains = queries.persistent_commitments(con, MeasureFilter(), 3)
    assert chains["plans"][0].endswith("2021–2022")  # plans by their labels
    downloads = (
        (
            chains.select("measures", "plans", "n_plans", "themes", "leads", "text"),
            export.PERSISTENT_COLUMN_NOTES,
        ),
        (queries.agency_handovers(con, "cnipa", False), export.HANDOVER_COLUMN_NOTES),
        (
            queries.lineage_changes(con, 2020, 2022, MeasureFilter()).select(
                queries.LINEAGE_COLUMNS
            ),
            export.LINEAGE_COLUMN_NOTES,
        ),
    )
    for frame, notes in downloads:
        described = export.dictionary(frame.columns, notes)
        assert export.UNDESCRIBED not in str(described.rows()), frame.columns


def test_handovers_tell_a_restructuring_from_a_handover(con):
    named = queries.agency_handovers(con, "cnipa", False)
    assert set(named["kind"]) <= {"restructuring", "handover"}
    restructured = named.filter(pl.col("kind") == "restructuring")
    assert set(restructured["earlier_lead"]) == {"SIPO"}
    current = queries.agency_handovers(con, "cnipa", True)
    assert set(current["kind"]) == {"handover"}  # SIPO counts as CNIPA there


def test_the_lineage_charts_draw_what_the_queries_count(q, con):
    changes = views.build("lineage_changes", q, {})
    title = re.sub(r"<[^>]+>", "", changes.layout.title.text.replace("<br>", " "))
    assert title == "What changed from 2020 to 2021–2022"
    carried = con.execute(
        "SELECT count(*) FROM measure_lineage WHERE plan_year = 2022 "
        "AND earlier_plan_year = 2020 AND status = 'continued'"
    ).fetchone()[0]
    drawn = {t.name: sum(t.x) for t in changes.data}
    assert drawn["carried over into 2021–2022"] == carried
    flows = views.build("lineage_flows", q, {"lin_from": "2012", "lin_to": "2020"})
    assert "from 2012 to 2020" in flows.layout.title.text
    assert (
        sum(flows.data[0].link.value)
        == queries.lineage_changes(con, 2012, 2020, MeasureFilter()).height
    )
    assert views.view_file_stem("lineage_flows", q, {}) == "ipdash-lineage-flows-2020-2022"


# ---------------------------------------------------------------------------------------
# Redline


def test_the_redline_marks_removed_and_added_words_and_escapes_the_text():
    marked = redline.redline_html(
        "Revise the Patent Law <script>x</script>", "Revise the Patent Law [a](b)"
    )
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "Revise the Patent Law" in marked
    assert redline.INSERTED.format("[a](b)") in marked
    assert redline.word_diff("a b c", "a b d") == [(0, "a b "), (-1, "c"), (1, "d")]
    assert redline.changed_share("a b c", "a b d") == pytest.approx(2 / 6)


# ---------------------------------------------------------------------------------------
# Command line


def test_cli_writes_what_changed_between_two_plans(tmp_path, built_db):
    out = tmp_path / "changes.csv"
    result = run_cli(
        "lineage", "--from", "2020", "--to", "2022", "--db", str(built_db), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = pl.read_csv(out)
    assert frame.columns == queries.LINEAGE_COLUMNS
    assert re.fullmatch(
        rf"wrote {frame.height} rows to .*: \d+ carried over, \d+ new, \d+ dropped",
        result.stdout.strip(),
    )
    refused = run_cli("lineage", "--from", "2022", "--to", "2020", "--db", str(built_db))
    assert refused.returncode == 2
    assert "compared: --from 2012 --to 2014" in refused.stderr


def test_cli_evaluates_the_lineage_against_the_labels():
    result = run_cli("evaluate-lineage", "--markdown")
    assert result.returncode == 0, result.stderr
    assert "  double-coded: exact " in result.stdout
    assert "  all: exact " in result.stdout
    assert "| label \\ method | same measure |" in result.stdout


# ---------------------------------------------------------------------------------------
# Agreement with the labelled decisions


def test_agreement_counts_exact_and_lenient_matches():
    decisions = [
        lineage.Decision("D1", "2003-001", 2001, "2001-001"),
        lineage.Decision("D2", "2003-002", 2001, ""),
        lineage.Decision("D3", "2003-003", 2001, "2001-002", ("2001-003",)),
        lineage.Decision("D4", "2003-004", 2001, ""),
    ]
    predicted = {
        ("2003-001", 2001): "2001-001",
        ("2003-002", 2001): "",
        ("2003-003", 2001): "2001-003",
        ("2003-004", 2001): "2001-009",
    }
    result = lineage.agreement(decisions, predicted)
    assert (result.n, result.exact, result.lenient) == (4, 2, 3)
    assert result.confusion == {
        ("link", "same"): 1,
        ("none", "none"): 1,
        ("link", "alternative"): 1,
        ("none", "other"): 1,
    }
    assert "| links | 1 | 1 | 0 | 0 | 2 |" in lineage.confusion_markdown(result)


def _agreement_of(con, decisions: list[lineage.Decision]) -> lineage.LineageAgreement:
    rows = pl.DataFrame(
        con.execute(
            "SELECT measure_id, earlier_plan_year, earlier_measure_id FROM measure_lineage"
        ).fetchall(),
        schema=["measure_id", "earlier_plan_year", "earlier_measure_id"],
        orient="row",
    )
    return lineage.agreement(decisions, lineage.predicted_links(rows))


def _agreement(con, labels=LABELS, held_out: bool | None = None) -> lineage.LineageAgreement:
    decisions = [
        d for d in lineage.load_decisions(labels) if held_out is None or d.held_out == held_out
    ]
    return _agreement_of(con, decisions)


def test_the_labels_are_150_decisions_60_of_them_double_coded():
    decisions = lineage.load_decisions(LABELS)
    assert len(decisions) == 150
    assert sum(d.held_out for d in decisions) == 60
    assert {(d.measure_id[:4], d.earlier_plan_year) for d in decisions} == {
        ("2020", 2012),
        ("2020", 2014),
        ("2022", 2020),
    }


def _links(path) -> dict[str, str]:
    return {d.decision_id: d.earlier_measure_id for d in lineage.load_decisions(path)}


def test_the_fresh_labels_are_75_new_decisions_coded_twice_blind():
    fresh = lineage.load_decisions(FRESH)
    assert len(fresh) == 75
    assert [d.decision_id for d in fresh] == [f"F{i:03d}" for i in range(1, 76)]
    pairs = [(d.measure_id[:4], d.earlier_plan_year) for d in fresh]
    assert {p: pairs.count(p) for p in set(pairs)} == {
        ("2020", 2012): 25,
        ("2020", 2014): 25,
        ("2022", 2020): 25,
    }
    earlier = {(d.measure_id, d.earlier_plan_year) for d in lineage.load_decisions(LABELS)}
    assert not earlier & {(d.measure_id, d.earlier_plan_year) for d in fresh}
    a, b = (
        _links(FRESH.with_name("fresh_labels_a.csv")),
        _links(FRESH.with_name("fresh_labels_b.csv")),
    )
    assert sum(a[k] == b[k] for k in a) == 70  # the coders agree on 70 of 75 (93.3%)
    assert sum(bool(d.earlier_measure_id) for d in fresh) == 35


def _pair_counts(decisions: list[lineage.Decision]) -> dict[tuple[str, int], int]:
    pairs = [(d.measure_id[:4], d.earlier_plan_year) for d in decisions]
    return {p: pairs.count(p) for p in set(pairs)}


def _coded_twice(labels, prefix: str, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """Per part (two coders' files "<prefix>_<coder>_<part>.csv" beside `labels`): its
    decisions and how many of them the two coders link alike (or both to none)."""
    out = []
    for part in parts:
        first, second = (
            _links(labels.with_name(f"{prefix}_{coder}.csv")) for coder in part.split()
        )
        assert first.keys() == second.keys()
        out.append((len(first), sum(first[k] == second[k] for k in first)))
    return out


def test_the_third_labels_are_the_90_remaining_decisions_coded_twice_blind():
    third = lineage.load_decisions(THIRD)
    assert [d.decision_id for d in third] == [f"T{i:03d}" for i in range(1, 91)]
    assert _pair_counts(third) == {("2020", 2012): 25, ("2020", 2014): 25, ("2022", 2020): 40}
    # With the 150 and the fresh 75: every measure of the later plans, once per pair.
    seen = [
        (d.measure_id, d.earlier_plan_year)
        for d in [*lineage.load_decisions(LABELS), *lineage.load_decisions(FRESH), *third]
    ]
    assert len(seen) == len(set(seen)) == 100 + 100 + 115
    assert _coded_twice(THIRD, "test_labels", ("A_1 B_1", "C_2 D_2")) == [(45, 43), (45, 44)]
    assert sum(bool(d.earlier_measure_id) for d in third) == 47


def test_the_fourth_labels_are_120_decisions_of_other_plan_pairs_coded_twice_blind():
    fourth = lineage.load_decisions(FOURTH)
    assert [d.decision_id for d in fourth] == [f"Q{i:03d}" for i in range(1, 121)]
    assert _pair_counts(fourth) == {("2014", 2012): 70, ("2022", 2014): 25, ("2022", 2012): 25}
    assert len({(d.measure_id, d.earlier_plan_year) for d in fourth}) == 120
    parts = ("E_1 F_1", "G_2 H_2", "I_3 J_3")
    assert _coded_twice(FOURTH, "fourth_labels", parts) == [(40, 39), (40, 38), (40, 38)]
    assert sum(bool(d.earlier_measure_id) for d in fourth) == 57


def test_the_fifth_labels_are_the_180_remaining_decisions_coded_twice_blind():
    fifth = lineage.load_decisions(FIFTH)
    assert [d.decision_id for d in fifth] == [f"R{i:03d}" for i in range(1, 181)]
    assert _pair_counts(fifth) == {("2022", 2014): 90, ("2022", 2012): 90}
    # With the fourth set: every measure of the 2021–22 plan, once against each plan.
    seen = [
        (d.measure_id, d.earlier_plan_year)
        for d in [*lineage.load_decisions(FOURTH), *fifth]
        if d.measure_id.startswith("2022")
    ]
    assert len(seen) == len(set(seen)) == 115 + 115
    parts = ("K_1 L_1", "M_2 N_2", "O_3 P_3", "Q_4 S_4")
    assert _coded_twice(FIFTH, "fifth_labels", parts) == [(45, 42), (45, 42), (45, 43), (45, 44)]
    assert sum(bool(d.earlier_measure_id) for d in fifth) == 69


def test_lineage_doc_reports_the_current_agreement(con):
    doc = (paths.ROOT / "docs" / "lineage.md").read_text(encoding="utf-8")
    sets = (
        ("third test", THIRD),
        ("fourth test (other pairs)", FOURTH),
        ("fifth test (other pairs)", FIFTH),
        ("fresh (development)", FRESH),
        ("first 150 (development)", LABELS),
    )
    for name, labels in sets:
        result = _agreement(con, labels)
        figure = (
            f"| {name} | {result.n} | {result.exact} ({result.share:.1%}) | "
            f"{result.lenient} ({result.lenient_share:.1%}) |"
        )
        assert figure in doc, figure
        assert lineage.confusion_markdown(result) in doc, name
    for decision, _link in _agreement(con, THIRD).disagreements:
        assert f"| {decision.decision_id} |" in doc, decision.decision_id


def test_lineage_agrees_with_the_third_labels_at_least_as_measured(con):
    """The issue asks for 85% (77 of these 90). The method frozen before these labels
    were adjudicated or read (commit 'Lineage method frozen for the third test set')
    reached 74 of 90 = 82.2%: the target is missed (docs/lineage.md says so). This
    holds the measured figure as a floor, so that no change makes it worse unnoticed."""
    result = _agreement(con, THIRD)
    assert result.n == 90
    assert result.exact >= 74
    # On plan pairs the model was not calibrated on it reached 82 of 120 (68.3%) and,
    # on the 180 decisions labelled after that, 122 (67.8%).
    other = _agreement(con, FOURTH)
    assert other.n == 120
    assert other.exact >= 82
    fifth = _agreement(con, FIFTH)
    assert fifth.n == 180
    assert fifth.exact >= 122
    # The pages state the three blind sets together.
    from ipdash.web import lineage as web_lineage

    together = (result.n + other.n + fifth.n, result.exact + other.exact + fifth.exact)
    assert together == (web_lineage.TEST_DECISIONS, web_lineage.TEST_AGREED)


# ---------------------------------------------------------------------------------------
# The pages


def test_theme_shifts_lists_what_changed_between_two_plans_with_a_redline():
    from tests.test_app import no_failures, run, texts

    at = run("pages/3_Theme_shifts.py", state={"lin_from": 2014, "lin_to": 2020})
    no_failures(at)
    shown = texts(at)
    assert "What's new, carried over and dropped" in shown
    assert "Persistent commitments" in shown
    assert [t.label.split(" (")[0] for t in at.tabs][:3] == [
        "Carried over from 2014",
        "New against 2014",
        "Dropped after 2014",
    ]
    assert (
        "Blind test of 2014 → 2020: the links agreed with careful human judgement on 23 of 25 "
        "decisions (92%). The 2014 plan has 9 measures omitted in the source (Data quality): "
        "they can be neither continued nor dropped."
    ) in [c.value for c in at.caption]
    redlines = [h.value for h in at.get("html") if "<del" in h.value or "<ins" in h.value]
    assert redlines, "no measure is shown beside its predecessor"
    assert at.query_params["lin_from"] in ("2014", ["2014"])


def test_measure_detail_lists_its_predecessors_and_successors():
    from tests.test_app import no_failures, run

    at = run("pages/1_Measures.py", state={"measure": "2020-025"})
    no_failures(at)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Continues 2012-044 of the 2012 plan") for label in labels)
    assert any(
        re.fullmatch(
            r"Continues 2014-\d{3} of the 2014 plan \(link score 0\.\d\d; "
            r"links start at 0\.275\)",
            label,
        )
        for label in labels
    ), labels
    assert any(label.startswith("Continued by 2022-006 of the 2021–2022 plan") for label in labels)


def test_agency_profile_lists_the_tasks_that_changed_hands():
    from tests.test_app import no_failures, run, texts

    at = run("pages/4_Agency_profile.py", state={"profile": "cnipa"})
    no_failures(at)
    assert "Tasks that changed hands" in texts(at)
    assert "changes of lead that follow a restructuring" in texts(at)
    table = next(d.value for d in at.dataframe if "kind" in d.value.columns)
    assert {"score", "evidence", "earlier_lead"} <= set(table.columns)


def test_the_new_list_names_what_continues_another_plan(con):
    from tests.test_app import no_failures, run

    at = run("pages/3_Theme_shifts.py", state={"lin_from": 2020, "lin_to": 2022})
    no_failures(at)
    others = queries.other_links(con, 2020, 2022)
    assert others.height > 0
    assert (
        f"{others.height} of them continue a measure of another earlier plan (column "
        "“continues another plan”): they are new only against the plan picked."
    ) in [c.value for c in at.caption]
    # Each of them continues no 2020 measure and some measure of 2012 or 2014.
    for measure_id, continues in others.iter_rows():
        rows = dict(
            con.execute(
                "SELECT earlier_plan_year, status FROM measure_lineage WHERE measure_id = ?",
                [measure_id],
            ).fetchall()
        )
        assert rows[2020] == "new"
        assert {int(c[:4]) for c in continues.split("; ")} <= {
            y for y, s in rows.items() if s == "continued"
        }


def test_the_measured_agreement_per_plan_pair_is_what_the_labels_give(con):
    """data/taxonomy/lineage_tests.csv (shown on the pages) against the test labels: per
    plan pair, the blind sets that test it counted together."""
    tested = lineage.load_tests()
    sets: dict[tuple[int, int], list[str]] = {}
    decisions: dict[tuple[int, int], list[lineage.Decision]] = {}
    for name, labels in (("third", THIRD), ("fourth", FOURTH), ("fifth", FIFTH)):
        for d in lineage.load_decisions(labels):
            pair = (int(d.measure_id[:4]), d.earlier_plan_year)
            if name not in sets.setdefault(pair, []):
                sets[pair].append(name)
            decisions.setdefault(pair, []).append(d)
    measured = []
    for (later, earlier), part in decisions.items():
        result = _agreement_of(con, part)
        measured.append((later, earlier, "+".join(sets[later, earlier]), result.n, result.exact))
    assert sorted(tested.rows()) == sorted(measured)
    assert con.execute("SELECT count(*) FROM lineage_tests").fetchone()[0] == len(measured)
