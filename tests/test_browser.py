"""End-to-end: the real app served by `streamlit run`, driven in headless Chromium with
Playwright. Marked `browser`; CI runs them (and fails, not skips, without Chromium).

Screenshots of every page land in tests/artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipdash import paths
from tests.conftest import TEST_SETTINGS, serve_app
from tests.layout import CHROMIUM, LAUNCH_ARGS, click_body

pytestmark = pytest.mark.browser

ARTIFACTS = paths.ROOT / "tests" / "artifacts"
PAGES = {
    "": "China's national IP-strategy promotion plans",
    "Measures": "Measures",
    "Agency_network": "Agency network",
    "Theme_shifts": "Theme shifts",
    "Agency_profile": "Agency profile",
    "Data_quality": "Data quality",
    "Stories": "Stories",
}


@pytest.fixture(scope="module")
def server(chromium) -> Iterator[str]:
    """`streamlit run app.py` on loopback, with a database built beforehand."""
    from ipdash.store.build import build_database
    from ipdash.store.db import current_db_path

    if current_db_path(TEST_SETTINGS.db_dir) is None:
        build_database(TEST_SETTINGS.raw_dir, db_dir=TEST_SETTINGS.db_dir)
    with serve_app(TEST_SETTINGS.to_env(), ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def _open(page, url: str, heading: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("h1").first).to_contain_text(heading, timeout=60_000)


def _no_error_shown(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


@pytest.mark.parametrize(("path", "heading"), list(PAGES.items()))
def test_every_page_renders(page, server, path, heading):
    from playwright.sync_api import expect

    _open(page, f"{server}/{path}", heading)
    # The links are drawn after the filters (they carry them): give a loaded machine time.
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Overview", timeout=30_000)
    if path in ("", "Agency_network", "Theme_shifts", "Agency_profile"):
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    _no_error_shown(page)
    page.wait_for_timeout(800)  # let charts finish drawing before the picture
    page.screenshot(path=str(ARTIFACTS / f"{path or 'Overview'}.png"), full_page=True)


def test_a_filter_change_updates_the_count_and_the_address(page, server):
    from playwright.sync_api import expect

    _open(page, f"{server}/Measures?year=2014", "Measures")
    expect(page.get_by_text("70 measures")).to_be_visible()
    themes = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(1)
    themes.click()
    page.keyboard.type("Judicial")
    page.keyboard.press("Enter")
    expect(page.get_by_text("3 measures")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r".*theme=judicial"))
    assert "year=2014" in page.url


def test_the_address_restores_the_view_on_another_page(page, server):
    from playwright.sync_api import expect

    _open(page, f"{server}/Measures?year=2012&agency=sipo&role=lead", "Measures")
    expect(page.get_by_text("21 measures")).to_be_visible()
    page.locator('[data-testid="stSidebar"]').get_by_text("Agency profile").click()
    expect(page).to_have_url(re.compile(r".*/Agency_profile\?.*agency=sipo"))
    expect(page.locator("h1").first).to_contain_text("Agency profile")
    expect(page.locator("h2").first).to_contain_text("State Intellectual Property Office (SIPO)")


def test_the_names_switch_travels_with_the_links(page, server):
    from playwright.sync_api import expect

    _open(page, f"{server}/Measures?year=2012&agency=sipo&role=lead", "Measures")
    page.locator('[data-testid="stSidebar"]').get_by_text("中文").click()
    expect(page).to_have_url(re.compile(r".*names=zh"), timeout=30_000)
    page.locator('[data-testid="stSidebar"]').get_by_text("Agency profile").click()
    expect(page).to_have_url(re.compile(r".*/Agency_profile\?.*names=zh"))
    expect(page.locator("h2").first).to_contain_text("(知识产权局)")
    _no_error_shown(page)
    # The Overview's links in the page (not only the sidebar's) keep the switch too.
    page.locator('[data-testid="stSidebar"]').get_by_text("Overview").click()
    expect(page).to_have_url(re.compile(r".*/\?.*names=zh"))
    main = page.locator('[data-testid="stMainBlockContainer"]')
    main.get_by_role("link", name="Agency network").click()
    expect(page).to_have_url(re.compile(r".*/Agency_network\?.*names=zh"))


def test_csv_download_is_exactly_the_cli_export(page, server, tmp_path):
    import zipfile

    from playwright.sync_api import expect

    _open(page, f"{server}/Measures?year=2012&theme=judicial", "Measures")
    expect(page.get_by_text("5 measures")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    got = tmp_path / "page.zip"
    download.value.save_as(got)
    assert download.value.suggested_filename == "ipdash-measures-2012-judicial.zip"
    cli = tmp_path / "cli.zip"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ipdash",
            "export",
            "--year",
            "2012",
            "--theme",
            "judicial",
            "--format",
            "csv",
            "--out",
            str(cli),
        ],
        cwd=paths.ROOT,
        check=True,
        env={**os.environ, **TEST_SETTINGS.to_env()},
    )
    assert got.read_bytes() == cli.read_bytes()
    with zipfile.ZipFile(got) as archive:
        assert archive.namelist() == [
            "ipdash-measures-2012-judicial.csv",
            "ipdash-measures-2012-judicial-dictionary.csv",
            "README.txt",
        ]
        table = archive.read("ipdash-measures-2012-judicial.csv")
    assert table.count(b"\r\n") == 6  # header + 5 measures


def test_clicking_a_node_lists_its_measures(page, server):
    from playwright.sync_api import expect

    _open(page, f"{server}/Agency_network?year=2022", "Agency network")
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)
    click_body(page, chart, "CNIPA")
    expect(page.get_by_role("heading", name="CNIPA and the bodies it works with")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("The 69 measures naming CNIPA")).to_be_visible()
    profile = page.get_by_role("link", name="Open CNIPA's profile")
    assert profile.get_attribute("href") == "Agency_profile?year=2022&profile=cnipa"


def test_a_chart_downloads_as_a_slide_sized_png_from_its_menu(page, server, tmp_path):
    import struct

    from playwright.sync_api import expect

    _open(page, server, "China's national IP-strategy promotion plans")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Export or save").first.click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="PNG", exact=True).click()
    assert download.value.suggested_filename == "ipdash-top-leads-all-years.png"
    data = Path(download.value.path()).read_bytes()
    assert struct.unpack(">II", data[16:24]) == (3200, 1800)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Slide PNG", exact=True).click()
    assert download.value.suggested_filename == "ipdash-top-leads-all-years-slide.png"
    data = Path(download.value.path()).read_bytes()
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)


def test_measures_cite_this_view_and_download_all_data(page, server):
    """In a real browser the permalink is the page's own address (path and filters) with
    the data version, and "Download all data" gives the whole database as one zip."""
    import zipfile

    from playwright.sync_api import expect

    from ipdash.store.db import connect_read_only, current_db_path
    from ipdash.store.queries import build_info

    con = connect_read_only(current_db_path(TEST_SETTINGS.db_dir))
    try:
        version = build_info(con)["data_version"][0]
    finally:
        con.close()
    _open(page, f"{server}/Measures?year=2014&theme=judicial&measure=2014-020", "Measures")
    page.get_by_role("button", name="Cite this view").click()
    link = f"{server}/Measures?year=2014&theme=judicial&measure=2014-020&data_version={version}"
    expect(page.get_by_text(link, exact=True).first).to_be_visible(timeout=30_000)
    page.keyboard.press("Escape")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download all data (.zip)").click()
    assert download.value.suggested_filename == f"ipdash-data-{version}.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
    assert f"ipdash-data-{version}/README.txt" in names
    assert f"ipdash-data-{version}/parquet/measures.parquet" in names
    assert f"ipdash-data-{version}/csv/measures.csv" in names


def test_presentation_mode_hides_the_controls_and_steps_through_the_story(browser, server):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{server}/Stories?story=ip-strategy-2012-2022&present=1&view=1")
        expect(page.get_by_text("Who leads the measures")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("1 / 9").first).to_be_visible()
        expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_text("2 / 9").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("2012: who works with whom")).to_be_visible()
        expect(page).to_have_url(re.compile(r".*view=2"))
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        page.wait_for_timeout(1500)
        _no_error_shown(page)
        page.screenshot(path=str(ARTIFACTS / "Stories-presenting.png"))
        page.get_by_role("button", name="Exit", exact=True).click()
        expect(page.locator('[data-testid="stSidebar"]')).to_be_visible(timeout=30_000)
    finally:
        context.close()


def test_the_deck_downloads_from_the_stories_page(page, server):
    from playwright.sync_api import expect

    from ipdash.present import deck

    _open(page, f"{server}/Stories", "Stories")
    expect(page.get_by_text("9 views")).to_be_visible()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download deck (.pptx)").click()
    assert re.fullmatch(
        r"ipdash-ip-strategy-2012-2022-\d{4}-\d{2}-\d{2}\.pptx", download.value.suggested_filename
    )
    titles = deck.slide_titles(Path(download.value.path()).read_bytes())
    assert len(titles) == 11
    assert titles[1] == "Who leads the measures"
