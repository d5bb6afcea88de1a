"""A source document's text as the build read it, so that a measure's offsets point into
it (the Measures page shows the passage in its document)."""

from __future__ import annotations

from pathlib import Path

from ipdash.corpus.sources import decode_bytes


def document_text(raw_dir: Path, source_file: str) -> str | None:
    """The decoded text of `source_file` in `raw_dir`, or None when the file is gone."""
    path = raw_dir / source_file
    if not path.is_file():
        return None
    return decode_bytes(path.read_bytes(), str(path)).text
