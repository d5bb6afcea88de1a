"""Measuring a rendered page as a person looks at it: where every text of every chart is
drawn, whether two texts overlap, whether a text leaves its chart, whether an element is
inside the window. Used by the browser tests (tests/test_screens.py) with Playwright."""

from __future__ import annotations

from dataclasses import dataclass

# Debian's Chromium, as every browser test and the screenshot script launch it (headless).
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Every visible text of every Plotly chart on the page, in page pixels, with the chart's
# own frame (its outer SVG). Plotly draws hover labels and the modebar elsewhere.
_CHART_TEXTS_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((plot, index) => {
  const frame = plot.querySelector('svg.main-svg').getBoundingClientRect();
  const texts = [...plot.querySelectorAll('svg text')]
    .filter(t => t.textContent.trim() && t.closest('.hoverlayer') === null)
    .filter(t => {
      const style = getComputedStyle(t);
      const hidden = style.visibility === 'hidden' || style.display === 'none'
        || Number(style.opacity) === 0 || Number(style.fillOpacity) === 0;
      return !hidden && t.getBoundingClientRect().width > 0;
    })
    .map(t => {
      const r = t.getBoundingClientRect();
      const group = t.closest('g[class]');
      // A data label (a trace's text) must stay inside its subplot's plot area: past
      // it, the text runs under the next panel or the legend, or is cut.
      let clip = null;
      const trace = t.closest('g.trace');
      const sub = t.closest('g.subplot');
      const plots = plot._fullLayout && plot._fullLayout._plots;
      if (trace && sub && plots) {
        const id = [...sub.classList].find(c => c !== 'subplot');
        const area = plots[id];
        if (area) {
          const svg = plot.querySelector('svg.main-svg').getBoundingClientRect();
          clip = {x: svg.left + area.xaxis._offset, y: svg.top + area.yaxis._offset,
                  w: area.xaxis._length, h: area.yaxis._length};
        }
      }
      return {text: t.textContent.trim(), kind: group ? group.getAttribute('class') : '',
              x: r.left, y: r.top, w: r.width, h: r.height, clip};
    });
  return {index, frame: {x: frame.left, y: frame.top, w: frame.width, h: frame.height}, texts};
})
"""


@dataclass(frozen=True)
class Box:
    text: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    clip: Box | None = None  # a data label's plot area, which it must not leave

    def overlap(self, other: Box) -> float:
        """The area both boxes cover, in square pixels."""
        dx = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        dy = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return max(0.0, dx) * max(0.0, dy)

    def inside(self, frame: Box, slack: float = 1.0) -> bool:
        return (
            self.x >= frame.x - slack
            and self.y >= frame.y - slack
            and self.x + self.w <= frame.x + frame.w + slack
            and self.y + self.h <= frame.y + frame.h + slack
        )


@dataclass(frozen=True)
class Chart:
    index: int
    frame: Box
    texts: list[Box]


# What every page draws last: the footer, or in presentation mode the filters line.
PAGE_END = ".ipd-footer, .ipd-present-filters"


def wait_until_idle(page: object, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has drawn the page to its end and finished running the
    script (its status widget, shown while the script runs, is gone)."""
    page.locator(PAGE_END).first.wait_for(state="attached", timeout=timeout_ms)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def draw_every_chart(page: object, timeout_ms: int = 30_000) -> int:
    """Scroll every chart into view until Plotly has drawn it (Streamlit draws a chart
    when it first comes on screen), then back to the top; returns how many there are."""
    wait_until_idle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')  # type: ignore[attr-defined]
    seen = -1
    while charts.count() != seen:  # the same count twice, 0.5 s apart: nothing is coming
        seen = charts.count()
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():  # in a tab not opened
            continue
        chart.scroll_into_view_if_needed()
        chart.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=timeout_ms)
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # transitions end
    scroll_to_top(page)
    return charts.count()


def scroll_to_top(page: object) -> None:
    """Back to the top of the page (Streamlit scrolls an element inside the window)."""
    page.evaluate(  # type: ignore[attr-defined]
        "() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => "
        "{ if (e.scrollTop > 0) { e.scrollTop = 0; } }); }"
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def chart_texts(page: object) -> list[Chart]:
    """The texts of every chart on a Playwright page (call draw_every_chart first)."""
    charts = []
    for raw in page.evaluate(_CHART_TEXTS_JS):  # type: ignore[attr-defined]
        frame = Box("", "frame", **raw["frame"])
        texts = [
            Box(**{**t, "clip": Box("", "clip", **t["clip"]) if t["clip"] else None})
            for t in raw["texts"]
        ]
        charts.append(Chart(raw["index"], frame, texts))
    return charts


# Two texts closer than this (pixels) read as one ("33 (33%)CNIPA").
MIN_GAP_PX = 2.0


def _grown(box: Box, by: float) -> Box:
    return Box(box.text, box.kind, box.x - by, box.y - by, box.w + 2 * by, box.h + 2 * by)


def collisions(chart: Chart) -> list[str]:
    """Pairs of texts drawn over (or against) each other, texts that leave the chart and
    texts cut at the edge of their plot area."""
    found = []
    texts = chart.texts
    for i, a in enumerate(texts):
        if not a.inside(chart.frame):
            found.append(f"chart {chart.index}: {a.text!r} leaves the chart")
        elif a.clip is not None and not a.inside(a.clip):
            found.append(f"chart {chart.index}: {a.text!r} leaves its plot area")
        grown = _grown(a, MIN_GAP_PX / 2)
        for b in texts[i + 1 :]:
            if grown.overlap(_grown(b, MIN_GAP_PX / 2)) > 0:
                found.append(f"chart {chart.index}: {a.text!r} overlaps {b.text!r}")
    return found


def page_collisions(page: object) -> list[str]:
    return [problem for chart in chart_texts(page) for problem in collisions(chart)]


def box_of(page: object, selector: str) -> Box | None:
    """The bounding box of the first element matching `selector`, in window pixels."""
    handle = page.locator(selector).first  # type: ignore[attr-defined]
    if handle.count() == 0:
        return None
    r = handle.bounding_box()
    return None if r is None else Box(selector, "element", r["x"], r["y"], r["width"], r["height"])


def in_viewport(page: object, box: Box) -> bool:
    size = page.viewport_size  # type: ignore[attr-defined]
    return box.inside(Box("", "window", 0, 0, size["width"], size["height"]), slack=0.5)


def click_body(page: object, chart: object, label: str) -> None:
    """Click the network node labelled `label` in the Plotly chart `chart` (a locator)."""
    point = chart.evaluate(  # type: ignore[attr-defined]
        """(gd, label) => {
        const layout = gd._fullLayout;
        const trace = gd._fullData.find(t => Array.isArray(t.text) && t.text.includes(label));
        const i = trace.text.indexOf(label);
        return [layout.xaxis._offset + layout.xaxis.l2p(trace.x[i]),
                layout.yaxis._offset + layout.yaxis.l2p(trace.y[i])];
    }""",
        label,
    )
    box = chart.bounding_box()  # type: ignore[attr-defined]
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])  # type: ignore[attr-defined]
