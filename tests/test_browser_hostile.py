"""End-to-end: a plan whose text carries script tags, HTML, Markdown links and LaTeX is
added to a scratch corpus and served; in a real browser every page shows those
characters literally, no script runs, no dialog opens and no request leaves the machine."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from ipdash import paths
from ipdash.store import intake
from tests.conftest import serve_app
from tests.layout import CHROMIUM, LAUNCH_ARGS

pytestmark = pytest.mark.browser

ARTIFACTS = paths.ROOT / "tests" / "artifacts"
HOSTILE_PLAN = """Promotion Plan for the Implementation of the National IP Strategy in 2023
I. Protect <script>window.__pwned = 1</script> and [a link](https://evil.example/heading)
1. Protect <img src="https://evil.example/x.png" onerror="window.__pwned=2"> the text $x^2$ \
and [click here](https://evil.example/) with <iframe src="https://evil.example/"></iframe> \
inside. (Responsible by State Intellectual Property Administration)
2. A second measure with javascript:alert(1) and <script>alert(3)</script> text. \
(Responsible by Ministry of Justice)
"""
HOSTILE_TITLE = "<script>window.__pwned=4</script> Plan [x](https://evil.example/t) $y$"
# What must appear on screen exactly as typed.
LITERAL = [
    "<script>window.__pwned = 1</script>",
    '<img src="https://evil.example/x.png" onerror="window.__pwned=2">',
    "$x^2$",
    "[click here](https://evil.example/)",
]
VISITS = [
    "Measures?year=2023&measure=2023-001",
    "Measures?year=2023&measure=2023-002",
    "",
    "Agency_network?year=2023",
    "Theme_shifts?year=2023",
    "Agency_profile?profile=cnipa&year=2023",
    "Data_quality",
    "Stories",
    "Add_a_plan",
]


@pytest.fixture(scope="module")
def hostile_server(chromium, tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("hostile")
    raw, db_dir = tmp / "raw", tmp / "db"
    shutil.copytree(paths.DEFAULT_RAW, raw, ignore=shutil.ignore_patterns(".*"))
    extracted = intake.extract_text("hostile.txt", HOSTILE_PLAN.encode("utf-8"))
    intake.add_plan(
        extracted,
        intake.PlanMetadata(2023, "2023", HOSTILE_TITLE),
        "new",
        raw_dir=raw,
        db_dir=db_dir,
    )
    env = {
        "IPDASH_RAW_DIR": str(raw),
        "IPDASH_DB_DIR": str(db_dir),
        "IPDASH_STORIES": str(tmp / "stories.yaml"),
    }
    with serve_app(env, ARTIFACTS / "streamlit-hostile.log") as url:
        yield url


def test_hostile_text_is_shown_literally_and_nothing_runs_or_leaves(hostile_server):
    from playwright.sync_api import expect, sync_playwright

    external: list[str] = []
    dialogs: list[str] = []

    def guard(route) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 2200})
        context.route("**/*", guard)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{hostile_server}/{VISITS[0]}")
            expect(page.get_by_text("Measure 1 of the 2023 plan (2023-001)")).to_be_visible(
                timeout=60_000
            )
            body = page.locator("body")
            for text in LITERAL:
                expect(body).to_contain_text(text, timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "hostile-measure.png"), full_page=True)
            assert page.evaluate("() => window.__pwned") is None
            for visit in VISITS[1:]:
                page.goto(f"{hostile_server}/{visit}")
                expect(page.locator("h1").first).to_be_visible(timeout=60_000)
                page.wait_for_timeout(1500)
                expect(page.get_by_text("Something went wrong")).to_have_count(0)
                # Every page load starts a new window: a script run anywhere shows here.
                assert page.evaluate("() => window.__pwned") is None, visit
            page.goto(f"{hostile_server}/{VISITS[1]}")
            expect(body).to_contain_text("<script>alert(3)</script>", timeout=60_000)
            assert page.evaluate("() => window.__pwned") is None
            for selector in (
                'a[href*="evil.example"]',
                'img[src*="evil.example"]',
                'iframe[src*="evil.example"]',
            ):
                assert page.locator(selector).count() == 0, selector
        finally:
            browser.close()
    assert dialogs == []
    assert external == [], sorted(set(external))
