"""Server-side time of every page: a first run (cold caches) and reruns after a filter
change (warm connection, new filter sets), timed with Streamlit's AppTest.

Prints figures; asserts nothing. Uses the database in IPDASH_DB_DIR (default data/db),
building it if missing.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

from ipdash import paths
from ipdash.settings import current
from ipdash.store.build import build_database
from ipdash.store.db import current_db_path

APP = str(paths.ROOT / "app.py")
# For each page, the filter changes timed (URL parameters of successive reruns).
CHANGES = {
    "app.py": [{}],
    "pages/1_Measures.py": [
        {"year": "2012"},
        {"year": "2022"},
        {"theme": "judicial"},
        {"agency": "cnipa", "role": "lead"},
        {"q": "patent"},
    ],
    "pages/2_Agency_network.py": [
        {"year": "2012"},
        {"year": "2022"},
        {"theme": "enforcement"},
        {"successor": "1"},
        {"directed": "1"},
    ],
    "pages/3_Theme_shifts.py": [
        {"year": "2012,2020"},
        {"agency": "cnipa"},
        {"successor": "1"},
        {"from": "2014"},
        {},
    ],
    "pages/4_Agency_profile.py": [
        {"profile": "cnipa"},
        {"profile": "sipo"},
        {"profile": "spc"},
        {"profile": "cpd", "successor": "1"},
        {"profile": "most"},
    ],
    "pages/5_Data_quality.py": [{}],
}


def timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def main() -> None:
    warnings.filterwarnings("ignore")
    settings = current()
    if current_db_path(settings.db_dir) is None:
        build_database(settings.raw_dir, db_dir=settings.db_dir)
    print(
        f"{'page':<28} {'first run':>10} {'rerun p50':>10} {'rerun max':>10}"
        "  (seconds, server side)"
    )
    for page, changes in CHANGES.items():
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        if page != "app.py":
            at.switch_page(page)
        first = timed_run(at)
        reruns = []
        for params in changes * 2:
            for key in list(at.query_params):
                del at.query_params[key]
            for key, value in params.items():
                at.query_params[key] = value
            at.session_state["_url_written"] = None  # as if a new address was opened
            reruns.append(timed_run(at))
        print(f"{page:<28} {first:>10.3f} {statistics.median(reruns):>10.3f} {max(reruns):>10.3f}")


if __name__ == "__main__":
    main()
