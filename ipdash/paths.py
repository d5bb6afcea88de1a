"""Where ipdash keeps its files. Everything is relative to the project root, so the
project works from any checkout location."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
RAW = DATA / "raw"
REGISTRY = DATA / "registry"
PATTERNS = DATA / "patterns"
TAXONOMY = DATA / "taxonomy"
# Generated databases live here, one file per build generation (not committed).
# IPDASH_DB_DIR moves them (tests and benchmarks use their own directories).
DB_DIR = Path(os.environ.get("IPDASH_DB_DIR", str(DATA / "db")))
SQL = Path(__file__).resolve().parent / "sql"
