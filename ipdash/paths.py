"""Where ipdash keeps its files. Everything is relative to the project root, so the
project works from any checkout location."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# The source documents and their manifest; IPDASH_RAW_DIR moves them (a deployment's own
# corpus, or a scratch copy to try adding plans).
RAW = Path(os.environ.get("IPDASH_RAW_DIR", str(DATA / "raw")))
REGISTRY = DATA / "registry"
PATTERNS = DATA / "patterns"
TAXONOMY = DATA / "taxonomy"
# The ready-made stories ship with the code; stories users save go to a file of their own
# (not tracked by git), which IPDASH_STORIES can move.
STORIES = DATA / "stories"
BUILTIN_STORIES = STORIES / "builtin.yaml"
# Generated databases live here, one file per build generation (not committed).
# IPDASH_DB_DIR moves them (tests and benchmarks use their own directories).
DB_DIR = Path(os.environ.get("IPDASH_DB_DIR", str(DATA / "db")))
SQL = Path(__file__).resolve().parent / "store" / "sql"
