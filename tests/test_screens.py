"""The pages as people see them, at the screen sizes they use: filters kept between pages,
the presentation inside a projector's window, chart texts that never collide, a tablet's
width given to the content. Measured on the rendered page in Debian's Chromium
(tests/layout.py); issue 12's "How to check it"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.layout import (
    box_of,
    click_body,
    draw_every_chart,
    in_viewport,
    page_collisions,
    scroll_to_top,
    wait_until_idle,
)
from tests.test_browser import ARTIFACTS, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

STORY = "ip-strategy-2012-2022"
PROJECTOR = (1280, 720)
LAPTOP = (1366, 768)
TABLET = (820, 1180)
PRESENT_PARTS = {
    "title": ".ipd-present-title",
    "chart": ".st-key-ipd_present_chart",
    "caption": ".ipd-present-caption",
    "next": ".st-key-present_next button",
    "position": ".ipd-present-position",
}


@pytest.fixture
def sized(browser) -> Iterator:  # noqa: F811 - the fixture imported above
    """A page opener at a given window size: sized(width, height) -> page."""
    contexts = []

    def open_at(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield open_at
    for context in contexts:
        context.close()


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _wait_for_param(page, name: str, value: str) -> None:
    page.wait_for_function(
        "([name, value]) => new URLSearchParams(location.search).getAll(name).join(',')"
        ".split(',').includes(value)",
        arg=[name, value],
        timeout=30_000,
    )


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("Measures", "Agency_network"),
        ("Agency_network", "Theme_shifts"),
        ("Theme_shifts", "Agency_profile"),
        ("Agency_profile", "Measures"),
    ],
)
def test_filters_changed_with_widgets_survive_a_click_on_another_page(sized, server, start, to):  # noqa: F811
    from playwright.sync_api import expect

    page = sized(1440, 900)
    page.goto(f"{server}/{start}?year=2022")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Map agencies to today's successor")).to_be_visible(timeout=60_000)
    # A click while the first run is still going can be lost: wait for the page to settle.
    wait_until_idle(page)
    sidebar.get_by_text("Map agencies to today's successor").click()
    _wait_for_param(page, "successor", "1")
    wait_until_idle(page)
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=re.compile(r"^2014")).click()
    _wait_for_param(page, "year", "2014")
    page.wait_for_timeout(1500)  # the rerun that redraws the sidebar links
    link = sidebar.locator('[data-testid="stPageLink-NavLink"]', has_text=to.replace("_", " "))
    link.click()
    page.wait_for_url(re.compile(rf".*/{to}\?.*"), timeout=30_000)
    expect(page.locator("h1").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1500)
    params = _params(page.url)
    assert params.get("successor") == ["1"], page.url
    assert set(",".join(params["year"]).split(",")) == {"2014", "2022"}, page.url
    toggle = page.locator('[data-testid="stSidebar"] input[role="switch"]').first
    assert toggle.is_checked()
    chips = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    expect(chips).to_contain_text("2014")
    expect(chips).to_contain_text("2021–2022")


def test_every_story_view_fits_a_projector_and_the_arrow_key_moves_on(sized, server):  # noqa: F811
    from playwright.sync_api import expect

    page = sized(*PROJECTOR)
    page.goto(f"{server}/Stories?story={STORY}&present=1&view=1")
    expect(page.locator(".ipd-present-title")).to_be_visible(timeout=60_000)
    count = int(page.locator(".ipd-present-position").inner_text().split("/")[1])
    assert count >= 8
    for view in range(1, count + 1):
        expect(page.locator(".ipd-present-position")).to_have_text(f"{view} / {count}")
        draw_every_chart(page)
        outside = [
            part
            for part, selector in PRESENT_PARTS.items()
            if (box := box_of(page, selector)) is None or not in_viewport(page, box)
        ]
        assert outside == [], f"view {view}: {outside} outside 1280x720"
        assert page_collisions(page) == [], f"view {view}"
        assert page.locator(".modebar-container .modebar-btn").count() == 0
        if view < count:
            page.keyboard.press("ArrowRight")
            _wait_for_param(page, "view", str(view + 1))
            assert page.evaluate("window.scrollY") == 0
    page.keyboard.press("ArrowLeft")
    _wait_for_param(page, "view", str(count - 1))


LABELLED_PAGES = [
    "",
    "Agency_network",
    "Agency_network?year=2022",
    "Agency_network?successor=1",
]


@pytest.mark.parametrize("size", [LAPTOP, PROJECTOR, TABLET], ids=lambda s: f"{s[0]}x{s[1]}")
def test_chart_texts_never_collide_or_leave_their_chart(sized, server, size):  # noqa: F811
    page = sized(*size)
    problems = {}
    for path in LABELLED_PAGES:
        page.goto(f"{server}/{path}")
        page.wait_for_selector("h1", timeout=60_000)
        assert draw_every_chart(page) > 0, path
        problems[path or "Overview"] = page_collisions(page)
    for view in (2, 4):  # the story's network views
        page.goto(f"{server}/Stories?story={STORY}&present=1&view={view}")
        page.wait_for_selector(".ipd-present-title", timeout=60_000)
        draw_every_chart(page)
        problems[f"story view {view}"] = page_collisions(page)
    assert {where: found for where, found in problems.items() if found} == {}


def test_a_tablet_gives_the_content_its_width(sized, server):  # noqa: F811
    page = sized(*TABLET)
    page.goto(f"{server}/Agency_network")
    page.wait_for_selector("h1", timeout=60_000)
    draw_every_chart(page)
    scroll_to_top(page)
    main = box_of(page, '[data-testid="stMainBlockContainer"]')
    assert main is not None
    assert main.w >= 700, main
    chart = box_of(page, ".js-plotly-plot")
    assert chart is not None
    assert chart.w >= 700, chart
    assert in_viewport(page, chart), chart
    page.screenshot(path=str(ARTIFACTS / "Agency_network-820x1180.png"))


def test_a_click_on_a_body_brings_its_view_into_a_projectors_window(sized, server):  # noqa: F811
    from playwright.sync_api import expect

    page = sized(*PROJECTOR)
    page.goto(f"{server}/Agency_network?year=2022")
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=60_000)
    draw_every_chart(page)
    chart.scroll_into_view_if_needed()
    click_body(page, chart, "CNIPA")
    heading = page.get_by_role("heading", name="CNIPA and the bodies it works with")
    expect(heading).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)  # the smooth scroll
    top = heading.bounding_box()
    assert top is not None
    assert 0 <= top["y"] < PROJECTOR[1] - 100, top


def test_the_first_click_on_a_role_right_after_choosing_a_body_counts(sized, server):  # noqa: F811
    from playwright.sync_api import expect

    page = sized(1440, 900)
    page.goto(f"{server}/Measures?year=2022")
    sidebar = page.locator('[data-testid="stSidebar"]')
    agencies = sidebar.locator('[data-testid="stMultiSelect"]').nth(2)
    expect(agencies).to_be_visible(timeout=60_000)
    wait_until_idle(page)  # the page's first run done: what is tested is the rerun below
    agencies.click()
    page.keyboard.type("CNIPA")
    page.get_by_role("option", name=re.compile(r"^CNIPA")).first.click()
    page.keyboard.press("Escape")
    sidebar.locator("button", has_text=re.compile(r"^leads$")).click()  # once, at once
    _wait_for_param(page, "role", "lead")
    assert _params(page.url)["agency"] == ["cnipa"]
