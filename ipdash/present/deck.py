"""A PowerPoint deck of a story: a title slide, one slide per view (title, chart,
caption, the filters in one line) and a closing slide with sources and data version.
The same function serves the app's download button and `python -m ipdash deck`."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.presentation import Presentation as PptxPresentation
from pptx.slide import Slide
from pptx.util import Inches, Length, Pt

from ipdash.errors import DataFileError
from ipdash.present import images, stories, views
from ipdash.present.export import SOURCE_CITATION
from ipdash.present.views import Query
from ipdash.store import queries

# 16:9, the default widescreen PowerPoint size.
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x66, 0x66, 0x66)
ACCENT = RGBColor(0x33, 0x41, 0x5C)
BLANK_LAYOUT = 6
# Captions longer than this (characters) get smaller type to fit three lines.
LONG_CAPTION = 170


def _text(
    slide: Slide,
    left: Length,
    top: Length,
    width: Length,
    height: Length,
    text: str,
    size: int,
    colour: RGBColor = INK,
    bold: bool = False,
    align: PP_ALIGN = PP_ALIGN.LEFT,
) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    run.font.name = "Liberation Sans"


MARGIN = Inches(0.6)
TEXT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
# The chart of a view slide: the text width, between the title and the caption, drawn
# for that box so that its type (notes and the source line included) is at least
# DECK_MIN_PT on the slide.
CHART_TOP = Inches(1.1)
# 12.125 × 5 in = 1164 × 480 px exactly, so that 16 px are exactly 12 pt.
CHART_BOX = images.SlideBox(width_in=12.125, height_in=5.0, min_pt=images.DECK_MIN_PT, scale=2)
# The smallest type of the slide's own text: the line naming the chart and its filters.
FOOTNOTE_PT = 10


def _title_slide(
    deck: PptxPresentation, story: stories.Story, facts: dict, info: dict, exported: datetime
) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    title = stories.title_of(story, facts)
    _text(slide, MARGIN, Inches(2.3), TEXT_WIDTH, Inches(1.4), title, 40, ACCENT, bold=True)
    subtitle = stories.fill(story.subtitle, facts)
    _text(slide, MARGIN, Inches(3.8), TEXT_WIDTH, Inches(1.2), subtitle, 20, INK)
    line = f"{len(story.views)} views · data version {info['data_version']} · {exported:%d %B %Y}"
    _text(slide, MARGIN, Inches(6.2), TEXT_WIDTH, Inches(0.8), line, 14, MUTED)


def _view_slide(
    deck: PptxPresentation,
    view: stories.View,
    position: str,
    q: Query,
    footer: str,
    browser: str | None,
    plans: stories.ViewPlans,
) -> None:
    """One view: its title, "3 / 8", the chart as an image, the caption and the filters.
    `plans`: the plans it names that the data no longer holds (said on the slide)."""
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    title_width = TEXT_WIDTH - Inches(1.2)
    _text(slide, MARGIN, Inches(0.3), title_width, Inches(0.8), view.title, 28, ACCENT, bold=True)
    left = SLIDE_WIDTH - MARGIN - Inches(1.2)
    _text(
        slide,
        left,
        Inches(0.35),
        Inches(1.2),
        Inches(0.5),
        position,
        14,
        MUTED,
        align=PP_ALIGN.RIGHT,
    )
    if not plans.drawable:  # a plan it compares is no longer in the data: say so
        _text(slide, MARGIN, Inches(3.0), TEXT_WIDTH, Inches(1.2), plans.note, 20, MUTED)
    else:
        # A slide is wide: small multiples side by side (views.top_leads' per_row).
        figure = views.build(view.chart, q, {**view.params, "per_row": "4"})
        picture = images.slide_image(figure, footer, CHART_BOX, browser)
        slide.shapes.add_picture(
            io.BytesIO(picture),
            MARGIN,
            CHART_TOP,
            Inches(CHART_BOX.width_in),
            Inches(CHART_BOX.height_in),
        )
    if plans.note and plans.drawable:
        _text(slide, MARGIN, Inches(0.8), TEXT_WIDTH, Inches(0.4), plans.note, 12, MUTED)
    if view.caption:
        size = 16 if len(view.caption) <= LONG_CAPTION else 14
        _text(slide, MARGIN, Inches(6.15), TEXT_WIDTH, Inches(0.85), view.caption, size, INK)
    described = views.describe_view(view.chart, q, view.params)
    _text(slide, MARGIN, Inches(7.0), TEXT_WIDTH, Inches(0.4), described, FOOTNOTE_PT, MUTED)


def _sources_slide(
    deck: PptxPresentation, q: Query, info: dict, exported: datetime, plans: tuple[int, ...]
) -> None:
    """Sources (the documents of the story's plans: `plans`, or every plan), method and
    data version."""
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    heading = "Sources and method"
    _text(slide, MARGIN, Inches(0.4), TEXT_WIDTH, Inches(0.8), heading, 28, ACCENT, bold=True)
    documents = q(queries.documents)
    if plans:
        documents = documents.filter(pl.col("plan_year").is_in(plans))
    lines = [f"Source: {SOURCE_CITATION}."]
    for row in documents.sort(["plan_year", "doc_id"]).iter_rows(named=True):
        lines.append(
            f"• {row['period_label']} plan — {row['rendering']} rendering, "
            f"{row['source_file']}{' (canonical)' if row['is_canonical'] else ''}"
        )
    lines += [
        "Roles as the plans state them: the first-listed body leads, the others participate; "
        "bodies acting 'in accordance with the division of responsibilities' share jointly.",
        "Bodies are resolved to one registry across the 2013, 2018 and 2023 State Council "
        "restructurings; themes come from one codebook applied by transparent rules "
        "(validation in docs/themes.md).",
        f"Data version {info['data_version']} (database build {info['build_id']}); "
        f"deck made {exported:%Y-%m-%d %H:%M} UTC with ipdash.",
    ]
    _text(slide, MARGIN, Inches(1.4), TEXT_WIDTH, Inches(5.6), "\n".join(lines), 14, INK)


def build_deck(
    story: stories.Story, q: Query, exported: datetime | None = None, browser: str | None = None
) -> bytes:
    """The deck for a story, as .pptx bytes: a title slide, one slide per view and a
    sources slide; captions are filled from the data. `browser`: the BROWSER_PATH
    setting, for the chart images."""
    exported = exported or datetime.now(UTC)
    info = q(queries.build_info).row(0, named=True)
    facts = stories.facts_for(story, q)
    plans = q(queries.plans)
    in_data = set(plans["plan_year"])
    labels = dict(zip(plans["plan_year"], plans["period_label"], strict=True))
    footer = images.footer_text(info["data_version"], exported)
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(deck, story, facts, info, exported)
    count = len(story.views)
    for number, view in enumerate(story.views, start=1):
        resolved = stories.resolved(view, facts)
        missing = stories.view_plans(resolved, in_data, labels)
        _view_slide(deck, resolved, f"{number} / {count}", q, footer, browser, missing)
    _sources_slide(deck, q, info, exported, story.plans)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def find_story(
    all_stories: list[stories.Story], name: str | None, source: Path, q: Query | None = None
) -> stories.Story:
    """A story by id or title (any case; with `q`, also its title as shown, facts filled
    in); the built-in story when no name is given. `source`: the saved-stories file, for
    messages."""
    if not all_stories:
        raise DataFileError(str(source), None, "holds no stories")
    if not name:
        return next((s for s in all_stories if s.builtin), all_stories[0])
    wanted = name.strip().lower()
    for story in all_stories:
        shown = stories.title_of(story, stories.facts_for(story, q)) if q else story.title
        if wanted in (story.story_id, story.title.lower(), shown.lower()):
            return story
    known = ", ".join(s.story_id for s in all_stories)
    raise DataFileError(str(source), None, f"has no story {name!r}; stories: {known}")


def slide_titles(deck_bytes: bytes) -> list[str]:
    """The text of the first text box on every slide (for checks and tests)."""
    deck = Presentation(io.BytesIO(deck_bytes))
    titles = []
    for slide in deck.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]
        titles.append(texts[0] if texts else "")
    return titles
