"""ipdash.present.figures: figure builders take frames and return figures; tested on literals."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from ipdash.present import figures as fg


def change_frame():
    return pl.DataFrame(
        {
            "theme_id": ["enforcement", "quality"],
            "label": ["Enforcement", "Quality"],
            "colour": ["#CC6677", "#117733"],
            "precedence": [7, 8],
            "n_a": [11, 7],
            "n_plan_a": [90, 90],
            "share_a": [11 / 90, 7 / 90],
            "n_b": [23, 3],
            "n_plan_b": [115, 115],
            "share_b": [23 / 115, 3 / 115],
            "change_pp": [(23 / 115 - 11 / 90) * 100, (3 / 115 - 7 / 90) * 100],
        }
    )


def test_dumbbell_orders_themes_by_change_and_says_counts():
    fig = fg.theme_dumbbell(change_frame(), "2012", "2021–2022", "2012, 2022")
    markers = [t for t in fig.data if t.mode == "markers" and t.x[0] is not None]
    assert [t.name for t in markers] == ["2012", "2021–2022"]
    assert list(markers[0].y) == ["Quality", "Enforcement"]  # largest rise at the top
    assert markers[1].hovertext[1] == (
        "<b>Enforcement</b><br>2012: 11 of 90 measures (12.2%)<br>"
        "2021–2022: 23 of 115 measures (20.0%)<br>change: +7.8 points"
    )
    texts = next(t for t in fig.data if t.mode == "text")
    # Both levels and the change, so the numbers people quote are on the chart.
    assert list(texts.text) == ["   8% → 3% (-5.2 pt)", "   12% → 20% (+7.8 pt)"]
    assert "2012 vs 2021–2022" in fig.layout.title.text
    assert fig.layout.annotations[-1].text.startswith("Share = measures whose primary theme")


def test_empty_states_explain_themselves():
    empty = change_frame().with_columns(n_plan_b=pl.lit(0))
    fig = fg.theme_dumbbell(empty, "2012", "2014")
    assert (
        fig.layout.annotations[0].text
        == "No measures match in one of the two plans: clear a filter."
    )
    fig = fg.theme_heatmap(pl.DataFrame(schema={"plan_year": pl.Int64, "n_plan": pl.Int64}))
    assert fig.layout.annotations[0].text == "No measures match: clear a filter."


def counts_frame():
    return pl.DataFrame(
        {
            "plan_year": [2012, 2012, 2022, 2022],
            "period_label": ["2012", "2012", "2021–2022", "2021–2022"],
            "theme_id": ["judicial", "quality"] * 2,
            "label": ["Judicial", "Quality"] * 2,
            "colour": ["#882255", "#117733"] * 2,
            "precedence": [6, 8] * 2,
            "n": [5, 7, 8, 3],
            "n_plan": [90, 90, 115, 115],
            "share": [5 / 90, 7 / 90, 8 / 115, 3 / 115],
        }
    )


def test_heatmap_cells_show_count_and_share():
    fig = fg.theme_heatmap(counts_frame())
    heat = fig.data[0]
    assert list(heat.x) == ["2012", "2021–2022"]
    assert list(heat.y) == ["Judicial", "Quality"]
    assert list(heat.text[0]) == ["5<br>5.6%", "8<br>7.0%"]
    assert heat.z[1][1] == pytest.approx(3 / 115 * 100)
    assert list(fg.theme_heatmap(counts_frame(), value="count").data[0].z[1]) == [7, 3]


def test_trends_highlight_greys_the_rest():
    fig = fg.theme_trends(counts_frame(), highlight=("quality",))
    lines = {t.name: t for t in fig.data}
    assert lines["Judicial"].line.color == "#CFCFCF"
    assert lines["Quality"].line.color == "#117733"
    assert [a.text for a in fig.layout.annotations if a.text in ("Judicial", "Quality")] == [
        "Quality"
    ]


def test_spread_labels_keeps_order_and_gap():
    assert fg.spread_labels([7.0, 7.1, 6.9, 20.0], 1.0) == pytest.approx([7.0, 8.0, 6.0, 20.0])
    assert fg.spread_labels([], 1.0) == []


def test_text_colour_reaches_readable_contrast():
    assert fg.text_colour("#222222") == "#222222"
    dark = fg.text_colour("#DDCC77")  # sand: too pale for text on white
    assert dark != "#DDCC77"
    assert 1.05 / (fg.luminance(dark) + 0.05) >= 4.5


def test_source_text_in_titles_is_shown_literally():
    fig = fg.empty_figure("<script>x</script>", "a <b>bold</b> claim")
    assert fig.layout.title.text == "<b>&lt;script&gt;x&lt;/script&gt;</b>"
    assert fig.layout.annotations[0].text == "a &lt;b&gt;bold&lt;/b&gt; claim"


def _simple() -> go.Figure:
    fig = go.Figure(go.Bar(x=["a"], y=[1], textfont={"size": 10}))
    fig.add_annotation(text="note", yshift=-70, font={"size": 12})
    return fg.style(fig, "Title", "sub", "A note.", height=500)


def test_untitled_drops_title_and_gives_its_room_to_the_plot():
    fig = _simple()
    out = fg.untitled(fig, height=400)
    assert (out.layout.title.text, out.layout.title.subtitle.text) == ("", "")
    # The title block (80 px: one title line, one subtitle line) goes; 18 + 8 px stay.
    assert fig.layout.meta["title_block"] == 80
    assert (out.layout.margin.t, out.layout.height) == (26, 400)
    assert fig.layout.title.text == "<b>Title</b>"  # the original is untouched


def test_without_note_drops_the_small_print_and_its_room():
    fig = fg.style(go.Figure(go.Bar(x=["a"], y=[1])), "Title", "sub", "A note under the plot.")
    assert [a.name for a in fig.layout.annotations] == ["note"]
    out = fg.without_note(fig)
    assert (list(out.layout.annotations), out.layout.margin.b) == ([], 80)
    assert fig.layout.margin.b == 70 + 14 + 17


def test_scaled_text_enlarges_every_font_and_the_margins():
    fig = _simple()
    out = fg.scaled_text(fig, 1.5)
    assert out.layout.font.size == 21  # 14 x 1.5
    assert out.layout.legend.font.size == 19.5  # 13 x 1.5
    assert out.data[0].textfont.size == 15
    assert [a.font.size for a in out.layout.annotations] == [18, 18]
    assert [a.yshift for a in out.layout.annotations] == [-105, -105]
    assert out.layout.margin.t == round(fig.layout.margin.t * 1.5)
    assert fig.layout.font.size == 14


def test_top_leads_says_which_plans_name_no_bodies():
    kinds = pl.DataFrame({"kind": ["k"], "label": ["Kind"], "colour": ["#123456"]})
    top = pl.DataFrame(
        {
            "plan_year": [2012, 2020],
            "period_label": ["2012", "2020"],
            "rank": [1, 1],
            "agency_id": ["sipo", "cnipa"],
            "short_name": ["SIPO", "CNIPA"],
            "name": ["State IP Office", "China National IP Administration"],
            "kind": ["k", "k"],
            "n_led": [21, 1],
            "share_led": [21 / 90, 0.01],
        }
    )

    def note(fig: go.Figure) -> str:
        text = next(a.text for a in fig.layout.annotations if "Measures each body" in a.text)
        return text.replace("<br>", " ")  # the note is wrapped to the chart's width

    assert note(fg.top_leads(top, kinds, "", ["2014"])).endswith(
        "have no lead). The 2014 plan names no bodies and is not shown."
    )
    assert note(fg.top_leads(top, kinds, "", ["2014", "2016"])).endswith(
        "The 2014, 2016 plans name no bodies and are not shown."
    )
    assert note(fg.top_leads(top, kinds)).endswith("have no lead).")
    assert [t.text[0] for t in fg.top_leads(top, kinds).data] == ["21 · 23%", "1 · 1%"]
    assert [a.text for a in fg.top_leads(top, kinds).layout.annotations[:2]] == [
        "2012 plan",
        "2020 plan",
    ]


def test_measures_by_theme_stacks_themes_in_codebook_order_with_totals():
    counts = pl.DataFrame(
        {
            "plan_year": [2020, 2012, 2012, 2020],
            "period_label": ["2020", "2012", "2012", "2020"],
            "theme_id": ["quality", "quality", "enforcement", "enforcement"],
            "label": ["Quality", "Quality", "Enforcement", "Enforcement"],
            "colour": ["#117733", "#117733", "#CC6677", "#CC6677"],
            "precedence": [8, 8, 7, 7],
            "n": [5, 7, 11, 23],
            "n_plan": [100, 90, 90, 100],
            "share": [0.05, 7 / 90, 11 / 90, 0.23],
        }
    )
    fig = fg.measures_by_theme(counts)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [(t.name, list(t.x), list(t.y)) for t in bars] == [
        ("Enforcement", ["2012", "2020"], [11, 23]),
        ("Quality", ["2012", "2020"], [7, 5]),
    ]
    assert [list(t.customdata[1]) for t in bars] == [["enforcement", 2020], ["quality", 2020]]
    assert list(fig.data[-1].text) == ["<b>18</b>", "<b>28</b>"]
    only = fg.measures_by_theme(counts, ("quality",))
    assert [t.name for t in only.data if t.type == "bar"] == ["Quality"]
