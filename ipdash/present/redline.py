"""A measure beside its predecessor with the wording differences marked (a redline):
words removed struck through, words added underlined. HTML, every piece of document text
escaped (a measure can hold "<script>" or "[a](b)": it is shown as text, never run or
rendered), for Streamlit's st.html and for exports."""

from __future__ import annotations

import html
import re

from diff_match_patch import diff_match_patch

# Words and the spaces and punctuation between them are the units compared (a character
# diff of two translations marks half of every word).
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
DELETED = '<del style="color:#B2182B;background:#FDE0DD">{}</del>'
INSERTED = '<ins style="color:#1B7837;background:#E5F5E0;text-decoration:underline">{}</ins>'
# Past this many characters either side, diffing is cut short (a timeout, not an error).
DIFF_SECONDS = 0.5


def word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """The differences between two texts word by word: (-1 removed | 0 same | 1 added,
    text) in order."""
    vocabulary: dict[str, str] = {}

    def encode(text: str) -> str:
        out = []
        for token in _TOKENS.findall(text):
            if token not in vocabulary:
                vocabulary[token] = chr(0xE000 + len(vocabulary))  # a private-use character
            out.append(vocabulary[token])
        return "".join(out)

    a, b = encode(old or ""), encode(new or "")
    decode = {v: k for k, v in vocabulary.items()}
    engine = diff_match_patch()
    engine.Diff_Timeout = DIFF_SECONDS
    diffs = engine.diff_main(a, b, False)
    engine.diff_cleanupSemantic(diffs)
    return [(op, "".join(decode[c] for c in chunk)) for op, chunk in diffs]


def redline_html(old: str, new: str) -> str:
    """The new text with the old one's removed words struck through and its added words
    underlined, all text HTML-escaped."""
    parts = []
    for op, text in word_diff(old, new):
        escaped = html.escape(text)
        if op < 0:
            parts.append(DELETED.format(escaped))
        elif op > 0:
            parts.append(INSERTED.format(escaped))
        else:
            parts.append(escaped)
    return "".join(parts)


def changed_share(old: str, new: str) -> float:
    """The share of the words of both texts that differ (0: the same wording)."""
    counts = {-1: 0, 0: 0, 1: 0}
    for op, text in word_diff(old, new):
        counts[op] += len(text.split())
    total = 2 * counts[0] + counts[-1] + counts[1]
    return (counts[-1] + counts[1]) / total if total else 0.0
