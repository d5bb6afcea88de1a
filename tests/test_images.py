"""Chart exports: slide-sized copies with a footer (source, data version, date), offline
HTML, and PNG/SVG rendered by kaleido with the system Chromium."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime

import plotly.graph_objects as go
import pytest

from ipdash.present import figures, images
from ipdash.present.images import ImageExportError

WHEN = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)
FOOTER = images.footer_text("abc123", WHEN)


def chart() -> go.Figure:
    fig = go.Figure(go.Bar(x=["SIPO", "MOST"], y=[21, 7]))
    return figures.style(fig, "Who leads most", "2012 · agencies as named at the time", "A note.")


def test_footer_names_source_data_version_and_date():
    assert FOOTER == (
        "Source: Promotion Plans for the Implementation of the National IP Strategy, "
        "2012–2022 · data version abc123 · exported 2026-05-12 · ipdash"
    )


def test_export_copy_is_slide_sized_and_keeps_title_subtitle_and_note():
    out = images.for_export(chart(), FOOTER)
    assert (out.layout.width, out.layout.height) == (1600, 900)
    assert out.layout.title.text == "<b>Who leads most</b>"
    assert out.layout.title.subtitle.text == "2012 · agencies as named at the time"
    texts = [a.text for a in out.layout.annotations]
    assert texts == ["A note.", FOOTER]


def test_export_footer_sits_below_the_note():
    out = images.for_export(chart(), FOOTER)
    note, footer = out.layout.annotations
    assert footer.yshift < note.yshift
    assert out.layout.margin.b >= -footer.yshift


def test_html_export_works_offline_and_carries_the_footer():
    page = images.render(chart(), "html", FOOTER).decode("utf-8")
    assert page.startswith("<!doctype html>")
    # Nothing is fetched: no external scripts or stylesheets.
    assert re.findall(r"<script[^>]*>", page) == ["<script>"] * 3
    assert "<link" not in page
    assert len(page) > 3_000_000  # plotly.js itself is embedded
    assert "data version abc123" in page


def test_unknown_format_is_refused():
    with pytest.raises(ImageExportError, match="unknown format 'gif'"):
        images.render(chart(), "gif", FOOTER)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
def test_png_is_1600_by_900_at_twice_the_resolution(chromium):
    assert _png_size(images.render(chart(), "png", FOOTER)) == (3200, 1800)


@pytest.mark.browser
def test_svg_is_scalable_text_with_title_and_footer(chromium):
    svg = images.render(chart(), "svg", FOOTER).decode("utf-8")
    assert svg.startswith("<svg")
    assert "Who leads most" in svg
    assert "data version abc123" in svg


@pytest.mark.browser
def test_a_deck_chart_is_drawn_for_its_box_and_says_its_density(chromium):
    from ipdash.present.deck import CHART_BOX

    png = images.slide_image(chart(), FOOTER, CHART_BOX)
    assert CHART_BOX.canvas == (1164, 480)  # 12.125 × 5 in at 96 px to the inch
    assert _png_size(png) == (2328, 960)
    assert images.png_density(png) == pytest.approx(192, abs=0.01)


def _font_sizes(node: object) -> list[float]:
    sizes: list[float] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"font", "textfont", "tickfont"} and isinstance(value, dict):
                size = value.get("size")
                sizes += size if isinstance(size, list) else [size] if size else []
            sizes += _font_sizes(value)
    elif isinstance(node, list):
        for item in node:
            sizes += _font_sizes(item)
    return sizes


def test_the_slide_preset_draws_a_whole_slide_with_no_type_under_14_pt():
    out = images.slide_figure(chart(), FOOTER, images.SLIDE)
    assert images.SLIDE.canvas == (1280, 720)  # 13.333 × 7.5 in at 96 px to the inch
    assert (out.layout.width, out.layout.height) == (1280, 720)
    assert images.SLIDE.min_px == 19  # 14 pt = 18.67 px, rounded up: 14.25 pt
    sizes = _font_sizes(out.to_dict())
    assert min(sizes) == 19
    assert out.layout.title.font.size == pytest.approx(22 * 19 / 14, abs=0.05)
    assert out.layout.uniformtext.minsize == 19  # bar labels hidden rather than shrunk
    note, footer = out.layout.annotations
    assert note.text == "A note."
    assert footer.font.size == 19
    # Too long for one line at 19 px: broken between the footer's parts.
    assert footer.text == (
        "Source: Promotion Plans for the Implementation of the National IP Strategy, "
        "2012–2022 · data version abc123<br>exported 2026-05-12 · ipdash"
    )


def test_notes_are_wrapped_again_to_the_room_right_of_the_plot():
    long_note = " ".join(["word"] * 60)
    fig = figures.style(go.Figure(go.Bar(x=["a"], y=[1])), "T", "", long_note)
    wide = images.slide_figure(fig, FOOTER, images.SLIDE)
    narrow = images.slide_figure(fig, FOOTER, images.SLIDE, text_left=600)
    assert wide.layout.annotations[0].text.count("<br>") == 2
    assert narrow.layout.annotations[0].text.count("<br>") == 4
    assert narrow.layout.margin.b > wide.layout.margin.b


def _png(width: int = 1, height: int = 1) -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_png_states_its_density_once():
    plain = _png()
    assert images.png_density(plain) is None
    dense = images.with_png_density(images.with_png_density(plain, 96), 144)
    assert images.png_density(dense) == pytest.approx(144, abs=0.01)
    assert dense.count(b"pHYs") == 1
    assert dense[8:33] == plain[8:33]  # IHDR stays first
    assert _png_size(dense) == (1, 1)


def test_drawn_texts_reads_the_size_plotly_draws_text_at():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
        b'<text style="font-size: 20px;" transform="translate(5,6) scale(0.5)">bar</text>'
        b'<text style="font-size: 14px;">tick <tspan style="font-size: 22px;">big</tspan> end</text>'
        b'<text style="font-size: 30px;"> </text></svg>'
    )
    texts = images.drawn_texts(svg)
    assert [(t.text, t.px) for t in texts] == [
        ("bar", 10.0),
        ("tick", 14.0),
        ("big", 22.0),
        ("end", 14.0),
    ]
    assert texts[1].points(canvas_width=1280, placed_width_in=13.333) == pytest.approx(
        10.5, abs=0.01
    )


@pytest.mark.browser
def test_every_chart_for_a_slide_has_no_type_under_14_pt(chromium, q):
    """Every chart of the app, rendered with the slide preset: every piece of text drawn
    (ticks, labels, legend, notes, footer) is at least 14 pt when the image fills a
    13.333 in wide slide; the PNG is 1920 × 1080 and says 144 dpi (so it is placed at
    13.333 × 7.5 in)."""
    from ipdash.present import views

    smallest = {}
    for chart_id in views.CHARTS:
        params = {"profile": "cnipa"} if chart_id.startswith("agency_") else {}
        fig = views.build(chart_id, q, params)
        texts = images.drawn_texts(images.render_slide(fig, "svg", FOOTER))
        assert len(texts) > 10, chart_id
        smallest[chart_id] = min(t.points(1280, images.SLIDE_INCHES[0]) for t in texts)
    assert min(smallest.values()) >= 14, smallest
    png = images.render_slide(views.build("theme_heatmap", q, {}), "png", FOOTER)
    assert _png_size(png) == (1920, 1080)
    assert images.png_density(png) == pytest.approx(144, abs=0.01)
