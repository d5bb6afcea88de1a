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
import os
import shutil
import threading
import warnings
from datetime import UTC, datetime

import plotly.graph_objects as go

from ipdash.errors import IpdashError
from ipdash.present.export import SOURCE_CITATION
from ipdash.present.figures import scaled_text, untitled

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


def for_export(
    fig: go.Figure, footer: str, width: int = WIDTH, height: int = HEIGHT, keep_title: bool = True
) -> go.Figure:
    """A copy of the figure at slide size with the footer under everything. With
    keep_title False the title and subtitle are dropped (a slide states them itself)."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    if not keep_title:
        out = untitled(out)
    bottom = (out.layout.margin.b or 50) + 30
    out.update_layout(width=width, height=height, margin={"b": bottom})
    out.add_annotation(
        text=footer.replace("<", "&lt;"),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yanchor="bottom",
        yshift=-(bottom - 8),
        xanchor="left",
        showarrow=False,
        font={"size": 12, "color": "#555555"},
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


# Slides show charts on a smaller canvas with larger type (readable from the back of a
# room), rendered sharp at 2.5x.
SLIDE_CANVAS = (1150, 647)
SLIDE_SCALE = 2.5
SLIDE_TEXT_SCALE = 1.2


def slide_image(fig: go.Figure, footer: str, browser: str | None = None) -> bytes:
    """A PNG for a slide: no title (the slide has one), footer kept, large type."""
    _ensure_kaleido(browser)
    width, height = SLIDE_CANVAS
    sized = for_export(
        scaled_text(fig, SLIDE_TEXT_SCALE), footer, width=width, height=height, keep_title=False
    )
    try:
        return sized.to_image(format="png", width=width, height=height, scale=SLIDE_SCALE)
    except Exception as exc:
        raise ImageExportError(f"rendering the chart for a slide failed: {exc}") from exc
