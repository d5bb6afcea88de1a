"""The PowerPoint deck of a story: opened with python-pptx, and rendered to PNG pages
with LibreOffice and poppler to check that no slide is blank. The rendered pages land in
tests/artifacts/deck/ for people to look at."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from ipdash import paths
from ipdash.errors import DataFileError
from ipdash.present import deck, stories
from tests.conftest import require_program, run_cli

pytestmark = pytest.mark.browser  # the chart images need Chromium

ARTIFACTS = paths.ROOT / "tests" / "artifacts" / "deck"
TITLES = [
    "IP strategy 2012 → 2022 in nine views",
    "Who leads the measures",
    "2012: who works with whom",
    "2021–2022: who works with whom",
    "The same bodies, 2012 and 2021–2022 side by side",
    "Which themes grew and which shrank",
    "The rise and fall across all four plans",
    "Every theme in every plan",
    "What is new in the 2021–2022 plan",
    "CNIPA and its predecessors, plan by plan",
    "Sources and method",
]


@pytest.fixture(scope="module")
def story() -> stories.Story:
    return deck.find_story(stories.load_builtin(), None, Path("saved.yaml"))


@pytest.fixture(scope="module")
def deck_bytes(chromium, built_db, story) -> bytes:
    from ipdash.present.views import query_on
    from ipdash.store.db import connect_read_only

    con = connect_read_only(built_db)
    try:
        return deck.build_deck(story, query_on(con), datetime(2026, 5, 12, tzinfo=UTC))
    finally:
        con.close()


def _texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


def _pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_one_slide_per_view_between_title_and_sources(deck_bytes):
    assert deck.slide_titles(deck_bytes) == TITLES


def test_every_view_slide_holds_one_chart_image_and_the_others_none(deck_bytes):
    slides = list(Presentation(io.BytesIO(deck_bytes)).slides)
    assert [len(_pictures(s)) for s in slides] == [0] + [1] * 9 + [0]
    for slide in slides[1:-1]:
        picture = _pictures(slide)[0]
        assert picture.image.content_type == "image/png"
        assert picture.width > picture.height  # a 16:9 chart, not a sliver


def test_view_slides_carry_position_caption_and_filter_line(deck_bytes):
    slides = list(Presentation(io.BytesIO(deck_bytes)).slides)
    texts = _texts(slides[1])
    assert texts[1] == "1 / 9"
    assert texts[2] == (
        "SIPO leads 21 of the 2012 plan's 90 measures (23%); in 2021–2022 CNIPA leads 37 of "
        "115 (32%), and the next body, SPC, leads 7."
    )
    assert texts[3] == (
        "Who leads most (top five per plan) · 2012, 2014, 2020, 2021–2022 · agencies as named at "
        "the time"
    )
    assert _texts(slides[4])[3] == (
        "Agency network: how the ties changed between two plans · 2012, 2021–2022 · agencies "
        "mapped to today's successors"
    )


def test_title_and_closing_slides_state_the_data_version(deck_bytes, con):
    version = con.execute("SELECT data_version FROM build_info").fetchone()[0]
    slides = list(Presentation(io.BytesIO(deck_bytes)).slides)
    assert _texts(slides[0])[-1] == f"9 views · data version {version} · 12 May 2026"
    closing = "\n".join(_texts(slides[-1]))
    assert f"Data version {version}" in closing
    for row in con.execute("SELECT source_file FROM documents").fetchall():
        assert row[0] in closing


def test_no_text_on_a_slide_is_under_10_pt_and_charts_fill_their_box(deck_bytes):
    slides = list(Presentation(io.BytesIO(deck_bytes)).slides)
    sizes = [
        run.font.size.pt
        for slide in slides
        for shape in slide.shapes
        if shape.has_text_frame
        for paragraph in shape.text_frame.paragraphs
        for run in paragraph.runs
    ]
    assert min(sizes) == deck.FOOTNOTE_PT == 10  # the line naming the chart and its filters
    for slide in slides[1:-1]:
        picture = _pictures(slide)[0]
        assert (picture.width.inches, picture.height.inches) == pytest.approx((12.125, 5.0))


def test_every_chart_of_the_deck_has_no_type_under_12_pt(story, q):
    """The chart images of the deck, drawn for their box on the slide (12.133 in wide):
    every piece of text, the chart's notes and its source line included, is at least
    12 pt there."""
    from ipdash.present import images, views

    footer = images.footer_text("abc123", datetime(2026, 5, 12, tzinfo=UTC))
    facts = stories.story_facts(q)
    smallest = {}
    width, _ = deck.CHART_BOX.canvas
    for view in story.views:
        resolved = stories.resolved(view, facts)
        fig = views.build(resolved.chart, q, resolved.params)
        svg = images.render_slide(fig, "svg", footer, deck.CHART_BOX)
        texts = images.drawn_texts(svg)
        smallest[view.title] = min(t.points(width, deck.CHART_BOX.width_in) for t in texts)
    assert min(smallest.values()) >= 12, smallest


def _ink_share(pgm: bytes, top: float = 0.0, bottom: float = 1.0) -> float:
    """Share of pixels darker than near-white in a band of a binary PGM (P5) image
    (top and bottom as fractions of its height)."""
    header, _, rest = pgm.partition(b"\n")
    assert header == b"P5"
    dims, _, rest = rest.partition(b"\n")
    width, height = map(int, dims.split())
    _maxval, _, pixels = rest.partition(b"\n")
    band = pixels[int(height * top) * width : int(height * bottom) * width]
    return sum(1 for p in band if p < 235) / len(band)


def test_the_deck_renders_to_pages_that_are_not_blank(deck_bytes, tmp_path):
    soffice = require_program("libreoffice", "libreoffice-impress")
    require_program("pdftoppm", "poppler-utils")
    pptx = tmp_path / "deck.pptx"
    pptx.write_bytes(deck_bytes)
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(pptx)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "deck.pdf"
    assert pdf.exists()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "slide")],
        check=True,
        timeout=120,
    )
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == len(TITLES)
    shares = [_ink_share(p.read_bytes()) for p in pages]
    assert all(share > 0.005 for share in shares), shares  # text on every slide
    # The chart band of a view slide (between title and caption) is drawn on.
    charts = [_ink_share(p.read_bytes(), 0.2, 0.75) for p in pages[1:-1]]
    assert all(share > 0.03 for share in charts), charts


def test_ink_share_tells_blank_from_drawn():
    white = b"P5\n4 4\n255\n" + bytes([255] * 16)
    half = b"P5\n4 4\n255\n" + bytes([255] * 8 + [0] * 8)
    assert (_ink_share(white), _ink_share(half), _ink_share(half, 0.5, 1.0)) == (0.0, 0.5, 1.0)


def test_cli_builds_the_default_story_deck(tmp_path, built_db):
    out = tmp_path / "talk.pptx"
    result = run_cli("deck", "--db", str(built_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"wrote {out}: 11 slides (IP strategy 2012 → 2022 in nine views)"
    )
    assert deck.slide_titles(out.read_bytes()) == TITLES


def test_find_story_by_id_or_title(story, q):
    builtin = stories.load_builtin()
    saved = Path("saved.yaml")
    assert deck.find_story(builtin, "IP STRATEGY 2012 → 2022 IN NINE VIEWS", saved, q) == story
    assert deck.find_story(builtin, "ip-strategy-2012-2022", saved) == story
    with pytest.raises(DataFileError, match="has no story 'nope'; stories: ip-strategy"):
        deck.find_story(builtin, "nope", saved)
