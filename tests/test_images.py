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
def test_slide_image_has_the_slide_canvas_size(chromium):
    width, height = images.SLIDE_CANVAS
    size = _png_size(images.slide_image(chart(), FOOTER))
    assert size == (int(width * images.SLIDE_SCALE), int(height * images.SLIDE_SCALE))
