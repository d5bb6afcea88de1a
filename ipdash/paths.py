"""Where ipdash's own files are: everything relative to the project root, so the project
works from any checkout location. What the environment can move (the source documents,
the databases, the saved stories) is read in ipdash.settings, with these as defaults."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REGISTRY = DATA / "registry"
PATTERNS = DATA / "patterns"
TAXONOMY = DATA / "taxonomy"
# The ready-made stories ship with the code; stories users save go to a file of their own
# (not tracked by git).
STORIES = DATA / "stories"
BUILTIN_STORIES = STORIES / "builtin.yaml"
SQL = Path(__file__).resolve().parent / "store" / "sql"
# Defaults of the settings (ipdash.settings): the seed documents and their manifest, the
# generated databases (one file per build generation, not committed), the saved stories.
DEFAULT_RAW = DATA / "raw"
DEFAULT_DB_DIR = DATA / "db"
DEFAULT_STORIES_FILE = STORIES / "saved.yaml"
# A shared server's logs (`ipdash serve`) and the log of changes to the corpus.
DEFAULT_LOG_DIR = DATA / "logs"
# `ipdash serve`'s generated proxy configuration, process ids and temporary files.
DEFAULT_RUN_DIR = DATA / "run"
