"""The malformed corpus (tests/malformed.py, 250+ files generated into a temporary
folder): every file ends in measures or a clear ParseError, each within two seconds.

Time is CPU time of this process: it is what the parser spends, while the wall clock
also counts whatever else a shared CI machine runs at the same moment."""

from __future__ import annotations

import shutil
import time
from collections import Counter

import pytest

from ipdash.corpus.document import parse_bytes
from ipdash.errors import ParseError
from tests.malformed import generate

# The bound per document from the issue.
SECONDS_PER_FILE = 2.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("malformed")
    files = generate(folder)
    yield files
    shutil.rmtree(folder, ignore_errors=True)  # about 60 MB


def test_the_corpus_has_at_least_200_files_of_every_kind(corpus):
    assert len(corpus) >= 200
    names = " ".join(p.name for p in corpus)
    for kind in (
        "_empty",
        "random_64k",
        "_utf16le_nobom",
        "10mb_single_line",
        "million_short_lines",
        "nested_parens",
        "script_tags",
        "zero_width",
        "rtl_override",
        "gaps",
        "duplicates",
        "truncated_mid_char",
        "nul_",
        "mixed_endings",
    ):
        assert kind in names


@pytest.mark.slow
def test_every_malformed_file_ends_in_measures_or_a_clear_error_quickly(corpus, patterns, registry):
    outcomes: Counter[str] = Counter()
    problems = []
    slowest = (0.0, "")
    for path in corpus:
        data = path.read_bytes()
        started = time.process_time()
        try:
            parsed = parse_bytes(data, path.name, patterns=patterns, registry=registry)
        except ParseError as exc:
            outcome = "error"
            message = str(exc)
            if not (message.startswith(path.name + ": ") and exc.problem and "\n" not in message):
                problems.append(f"{path.name}: unclear error {message!r}")
        except Exception as exc:  # the point of the test: nothing else may escape
            outcome = "crash"
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
        else:
            outcome = "measures"
            if not parsed.parsed.measures:
                problems.append(f"{path.name}: parsed without measures")
        seconds = time.process_time() - started
        slowest = max(slowest, (seconds, path.name))
        if seconds > SECONDS_PER_FILE:
            problems.append(f"{path.name}: {seconds:.2f} s")
        outcomes[outcome] += 1
    assert problems == []
    assert outcomes["crash"] == 0
    assert outcomes["measures"] > 50, (outcomes, slowest)
    assert outcomes["error"] > 50, (outcomes, slowest)
