"""Chart exports for slides and reports: PNG (1600 x 900 at 2x), SVG and standalone HTML
that works offline (Plotly's JavaScript embedded).

Every exported chart keeps its title (what is shown) and subtitle (the filters), and
gains a footer with the source, the data version and the export date.

Static images are rendered by kaleido with the system's Chromium: kaleido finds
`chromium` on PATH, or the browser named in BROWSER_PATH, which ipdash sets to
/usr/bin/chromium when that exists. One kaleido server is started per process (without
MathJax, which it would otherwise fetch from the internet).
"""

from __future__ import annotations

import copy
import math
import os
import re
import shutil
import struct
import threading
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

import plotly.graph_objects as go

from ipdash.errors import IpdashError
from ipdash.present.export import SOURCE_CITATION
from ipdash.present.figures import scale_geometry, untitled, wrap

# Slide size: 16:9, large enough for a projector; PNGs are rendered at twice this.
WIDTH, HEIGHT = 1600, 900
PNG_SCALE = 2
SYSTEM_CHROMIUM = "/usr/bin/chromium"
FORMATS = {
    "png": ("image/png", "PNG image (1600 × 900, rendered at 2×)"),
    "svg": ("image/svg+xml", "SVG (scalable, for print and editing)"),
    "html": ("text/html", "Interactive HTML (works offline)"),
}

# plotly passes options kaleido's long-lived server ignores; the warning says so on every image.
warnings.filterwarnings("ignore", message="The kopts argument is ignored", category=UserWarning)

_lock = threading.Lock()
_started = False


class ImageExportError(IpdashError):
    """A chart could not be rendered to an image."""


def find_chromium(configured: str | None = None) -> str | None:
    """The browser kaleido will use: `configured` (the BROWSER_PATH setting) if it
    exists, else /usr/bin/chromium, else one on PATH."""
    if configured and os.path.exists(configured):
        return configured
    if os.path.exists(SYSTEM_CHROMIUM):
        return SYSTEM_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _ensure_kaleido(configured: str | None) -> None:
    global _started
    with _lock:
        if _started:
            return
        browser = find_chromium(configured)
        if browser is None:
            raise ImageExportError(
                "PNG and SVG export needs Chromium: install it (apt-get install chromium) or set "
                "BROWSER_PATH to a Chrome/Chromium binary. HTML export works without it."
            )
        os.environ.setdefault("BROWSER_PATH", browser)  # how kaleido is told
        import kaleido

        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        _started = True


def footer_text(data_version: str, exported: datetime | None = None) -> str:
    when = (exported or datetime.now(UTC)).strftime("%Y-%m-%d")
    return f"Source: {SOURCE_CITATION} · data version {data_version} · exported {when} · ipdash"


# Size of the footer's type on the screen-sized export (px).
FOOTER_SIZE = 12


def for_export(
    fig: go.Figure,
    footer: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    keep_title: bool = True,
    footer_size: float = FOOTER_SIZE,
    text_width: float | None = None,
) -> go.Figure:
    """A copy of the figure at slide size with the footer under everything. With
    keep_title False the title and subtitle are dropped (a slide states them itself).
    The footer is wrapped (between its parts, "·") when it does not fit `text_width`
    px (default: the canvas width)."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    if not keep_title:
        out = untitled(out)
    lines = wrap_parts(footer, (text_width or width) - 20, footer_size)
    bottom = (out.layout.margin.b or 50) + round(footer_size * 1.3 * len(lines)) + 14
    out.update_layout(width=width, height=height, margin={"b": bottom})
    out.add_annotation(
        text="<br>".join(line.replace("<", "&lt;") for line in lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yanchor="bottom",
        yshift=-(bottom - 8),
        xanchor="left",
        align="left",
        showarrow=False,
        font={"size": footer_size, "color": "#555555"},
    )
    return out


def render(fig: go.Figure, fmt: str, footer: str, browser: str | None = None) -> bytes:
    """The chart as PNG, SVG or standalone HTML bytes, with its footer. `browser`: the
    BROWSER_PATH setting (see find_chromium)."""
    if fmt not in FORMATS:
        raise ImageExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    sized = for_export(fig, footer)
    if fmt == "html":
        return sized.to_html(
            include_plotlyjs=True, full_html=True, config={"displaylogo": False, "responsive": True}
        ).encode("utf-8")
    _ensure_kaleido(browser)
    try:
        return sized.to_image(
            format=fmt, width=WIDTH, height=HEIGHT, scale=PNG_SCALE if fmt == "png" else 1
        )
    except Exception as exc:  # kaleido reports browser problems with its own types
        raise ImageExportError(f"rendering the chart as {fmt.upper()} failed: {exc}") from exc


# Average advance of a character of Liberation Sans (Arial's metrics) in ems, for mixed
# English text, a little generous: notes and footers are wrapped with it before Plotly
# draws them (Plotly does not wrap text).
CHAR_EM = 0.52


def _chars(width_px: float, size_px: float) -> int:
    return max(20, int(width_px / (CHAR_EM * size_px)))


def wrap_parts(text: str, width_px: float, size_px: float, sep: str = " · ") -> list[str]:
    """Lines of at most `width_px` at `size_px` type, broken between the parts of the
    text (`sep`) where possible, else between words."""
    limit = _chars(width_px, size_px)
    lines: list[str] = []
    for part in text.split(sep):
        if lines and len(lines[-1]) + len(sep) + len(part) <= limit:
            lines[-1] += sep + part
        else:
            lines += wrap(part, limit)
    return lines


# ---------------------------------------------------------------------------------------
# Slides. A 16:9 slide is 13.333 × 7.5 inches (PowerPoint's and Google Slides' default);
# at 96 px to the inch, as browsers and office programs measure, a canvas of 1280 × 720
# px is exactly that slide, and 1 px of type is 0.75 pt when the image fills it. An image
# placed in a box of W × H inches is drawn on a W·96 × H·96 px canvas, so that its type
# can be sized in points at the size it is shown.

SLIDE_INCHES = (13.333, 7.5)
PX_PER_INCH = 96
PT_PER_PX = 72 / PX_PER_INCH
# The "slide" preset: type at least this size (pt) on a full 16:9 slide.
SLIDE_MIN_PT = 14
# Charts on deck slides: type at least this size (pt) on the slide, footnotes included.
DECK_MIN_PT = 12
# The type size the figures are designed around (figures.style: ticks, labels, legend).
BODY_PX = 14


@dataclass(frozen=True)
class SlideBox:
    """Where a chart image goes on a slide: its size in inches and the smallest type
    (pt) it may have there; `scale` is the PNG's pixel density (1.5 = 144 dpi)."""

    width_in: float
    height_in: float
    min_pt: float
    scale: float = 1.5

    @property
    def canvas(self) -> tuple[int, int]:
        return round(self.width_in * PX_PER_INCH), round(self.height_in * PX_PER_INCH)

    @property
    def min_px(self) -> float:
        """The smallest type in canvas px: min_pt, rounded up to a whole px."""
        return float(math.ceil(self.min_pt / PT_PER_PX - 1e-9))


# The preset of the PNG/SVG "for slides" downloads: the whole slide, 1920 × 1080 px.
SLIDE = SlideBox(*SLIDE_INCHES, SLIDE_MIN_PT)
SLIDE_FORMATS = {
    "png": (
        "image/png",
        "PNG for a 16:9 slide: 1920 × 1080 px that office programs place at 13.33 × 7.5 in, "
        "type at least 14 pt",
    ),
    "svg": (
        "image/svg+xml",
        "SVG for a 16:9 slide: 1280 × 720 px (13.33 × 7.5 in), type at least 14 pt",
    ),
}


def _grow_fonts(node: object, grow: Callable[[float], float]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict) and "size" in value:
                size = value["size"]
                if isinstance(size, int | float) and not isinstance(size, bool):
                    value["size"] = grow(size)
                elif isinstance(size, list | tuple):
                    value["size"] = [grow(v) if isinstance(v, int | float) else v for v in size]
            _grow_fonts(value, grow)
    elif isinstance(node, list):
        for item in node:
            _grow_fonts(item, grow)


_FONT_KEYS = {"font", "textfont", "tickfont", "insidetextfont", "outsidetextfont"}


def _notes_below(layout: dict) -> list[dict]:
    """The notes under the plot: paper annotations at or below its bottom edge."""
    return [
        a
        for a in layout.get("annotations", [])
        if a.get("xref") == "paper"
        and a.get("yref") == "paper"
        and isinstance(a.get("y"), int | float)
        and a["y"] <= 0
    ]


def _rewrap_notes(layout: dict, text_width: float) -> int:
    """The notes under the plot wrapped again to `text_width` px at their new type
    size; returns the room (px) they need below the plot."""
    room = 0
    for note in _notes_below(layout):
        size = (note.get("font") or {}).get("size") or layout["font"]["size"]
        words = re.sub(r"<br\s*/?>", " ", str(note.get("text") or ""))
        lines = wrap(words, _chars(text_width - 20, size))
        note["text"] = "<br>".join(lines)
        room = max(room, abs(note.get("yshift") or 0) + round(size * 1.3 * len(lines)) + 8)
    return room


def slide_figure(
    fig: go.Figure,
    footer: str,
    box: SlideBox,
    keep_title: bool = True,
    text_left: float = 0,
) -> go.Figure:
    """A copy of the chart for a slide box: drawn on the box's canvas (96 px to the
    inch), every piece of type at least box.min_pt at the size it is shown (titles and
    the rest grown in proportion to the body type, BODY_PX → min_px), margins and shifts
    grown with it, bar labels that would have to shrink below the minimum hidden rather
    than shrunk, and the notes and the footer (at the minimum size) wrapped to the room
    right of `text_left` px, where the plot area and so the notes begin (see
    _plot_left)."""
    width, height = box.canvas
    floor = box.min_px
    factor = floor / BODY_PX
    data = (fig if keep_title else untitled(fig)).to_dict()
    layout = data.setdefault("layout", {})
    layout.setdefault("font", {}).setdefault("size", BODY_PX)
    _grow_fonts(data, lambda size: round(max(floor, size * factor), 1))
    scale_geometry(layout, factor)
    margin = layout["margin"]
    margin["b"] = max(margin.get("b") or 0, _rewrap_notes(layout, width - text_left))
    layout["uniformtext"] = {"minsize": floor, "mode": "hide"}
    return for_export(
        go.Figure(data), footer, width, height, footer_size=floor, text_width=width - text_left
    )


_ANNOTATION_AT = re.compile(
    r'<g class="annotation" data-index="(\d+)"[^>]*>\s*<g class="annotation-text-g"[^>]*>'
    r'\s*<g class="cursor-pointer" transform="translate\(([-0-9.]+)'
)


def _plot_left(svg: bytes, index: int) -> float:
    """Where annotation `index` (the footer, anchored at the plot area's left edge)
    begins in a rendered SVG, in px; 0 if it cannot be found."""
    for found in _ANNOTATION_AT.finditer(svg.decode("utf-8", "replace")):
        if int(found.group(1)) == index:
            return max(0.0, float(found.group(2)))
    return 0.0


def _slide_render(fig: go.Figure, fmt: str, footer: str, box: SlideBox, keep_title: bool) -> bytes:
    """Render for a slide box in two passes: the first finds where the plot area begins
    (the margin Plotly grows for long tick labels), the second wraps the notes and the
    footer to the room right of it."""
    width, height = box.canvas
    first = slide_figure(fig, footer, box, keep_title)
    left = _plot_left(
        first.to_image(format="svg", width=width, height=height), len(first.layout.annotations) - 1
    )
    sized = slide_figure(fig, footer, box, keep_title, text_left=left) if left > 40 else first
    return sized.to_image(
        format=fmt, width=width, height=height, scale=box.scale if fmt == "png" else 1
    )


def render_slide(
    fig: go.Figure, fmt: str, footer: str, box: SlideBox = SLIDE, browser: str | None = None
) -> bytes:
    """The chart for a slide box as PNG (box.scale × the canvas, its density written in
    the file, so that office programs place it at the box's size: 13.33 × 7.5 in for the
    "slide" preset) or SVG (the canvas in px, 96 to the inch)."""
    if fmt not in ("png", "svg"):
        raise ImageExportError(f"slide images are PNG or SVG, not {fmt!r}")
    _ensure_kaleido(browser)
    try:
        data = _slide_render(fig, fmt, footer, box, keep_title=True)
    except Exception as exc:
        raise ImageExportError(f"rendering the chart for a slide failed: {exc}") from exc
    return with_png_density(data, PX_PER_INCH * box.scale) if fmt == "png" else data


def with_png_density(png: bytes, dpi: float) -> bytes:
    """The PNG with its pixel density (a pHYs chunk) set to `dpi`, so that PowerPoint,
    Word and LibreOffice insert it at its intended size in inches."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ImageExportError("not a PNG")
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        end = at + 12 + length
        if png[at + 4 : at + 8] != b"pHYs":
            chunks.append(png[at:end])
        at = end
    return png[:8] + chunks[0] + chunk + b"".join(chunks[1:])


def png_density(png: bytes) -> float | None:
    """The PNG's pixel density in dots per inch, if it states one in metres."""
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"pHYs":
            x, _, unit = struct.unpack(">IIB", png[at + 8 : at + 17])
            return x * 0.0254 if unit == 1 else None
        at += 12 + length
    return None


def slide_image(fig: go.Figure, footer: str, box: SlideBox, browser: str | None = None) -> bytes:
    """A PNG for a deck slide's chart box: no title (the slide has one), footer kept,
    type at least box.min_pt on the slide."""
    _ensure_kaleido(browser)
    try:
        png = _slide_render(fig, "png", footer, box, keep_title=False)
    except Exception as exc:
        raise ImageExportError(f"rendering the chart for a slide failed: {exc}") from exc
    return with_png_density(png, PX_PER_INCH * box.scale)


# ---------------------------------------------------------------------------------------
# Measuring type on a rendered image (tests, and anyone checking a slide)


@dataclass(frozen=True)
class DrawnText:
    text: str
    px: float  # size on the canvas, after any scaling Plotly applied

    def points(self, canvas_width: float, placed_width_in: float) -> float:
        """The size in points when the canvas is shown `placed_width_in` inches wide."""
        return self.px * placed_width_in * 72 / canvas_width


_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)px")
_SCALE = re.compile(r"scale\(\s*([0-9.eE+-]+)")


def drawn_texts(svg: bytes) -> list[DrawnText]:
    """Every piece of text Plotly drew in an SVG with its effective size: the nearest
    font-size on the text or a tspan inside it, times the scale of its transform (Plotly
    shrinks bar labels that way). Empty and hidden texts are left out."""
    root = ElementTree.fromstring(svg)  # noqa: S314 - kaleido's output, not untrusted input
    found: list[DrawnText] = []
    for element in root.iter("{http://www.w3.org/2000/svg}text"):
        style = element.get("style") or ""
        if "display: none" in style or "opacity: 0;" in style:
            continue
        own = _FONT_SIZE.search(style)
        scale = _SCALE.search(element.get("transform") or "")
        factor = float(scale.group(1)) if scale else 1.0
        parts = [(element.text or "", own)]
        for span in element.iter("{http://www.w3.org/2000/svg}tspan"):
            span_size = _FONT_SIZE.search(span.get("style") or "")
            parts += [(span.text or "", span_size or own), (span.tail or "", own)]
        for text, size in parts:
            if text.strip() and size is not None and factor > 0:
                found.append(DrawnText(text.strip(), float(size.group(1)) * factor))
    return found
