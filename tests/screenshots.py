"""Take the screenshots of docs/screens.md: the app on the current database, in Debian's
Chromium, at the sizes people use. usage: .venv/bin/python -m tests.screenshots [OUTDIR]
(default docs/img; set IPDASH_DB_DIR to read another database)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ipdash import paths
from ipdash.server import start_app, stop_app
from tests.layout import CHROMIUM, LAUNCH_ARGS, draw_every_chart, scroll_to_top

SHOTS = [
    ("screen-overview-1366x768.png", "", (1366, 768)),
    ("screen-network-1280x720.png", "Agency_network?year=2022", (1280, 720)),
    (
        "screen-present-1280x720.png",
        "Stories?story=ip-strategy-2012-2022&present=1&view=1",
        (1280, 720),
    ),
    ("screen-network-820x1180.png", "Agency_network", (820, 1180)),
]


def take(out_dir: Path) -> list[Path]:
    """Every screenshot of SHOTS into `out_dir`; returns the files written."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k.startswith("IPDASH_")}
    # Stories saved while taking pictures go to a scratch file, never the user's.
    env["IPDASH_STORIES"] = str(Path(tempfile.mkdtemp()) / "stories.yaml")
    written = []
    with open(out_dir / ".screenshots.log", "w", encoding="utf-8") as log:
        process, url = start_app(env, log)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
                )
                for name, path, (width, height) in SHOTS:
                    page = browser.new_context(viewport={"width": width, "height": height})
                    tab = page.new_page()
                    tab.goto(f"{url}/{path}")
                    tab.wait_for_selector("h1, .ipd-present-title", timeout=60_000)
                    draw_every_chart(tab)
                    scroll_to_top(tab)
                    tab.wait_for_timeout(800)
                    tab.screenshot(path=str(out_dir / name))
                    written.append(out_dir / name)
                    page.close()
                browser.close()
        finally:
            stop_app(process)
    (out_dir / ".screenshots.log").unlink()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else paths.ROOT / "docs" / "img"
    for file in take(target):
        print(f"wrote {file}")
