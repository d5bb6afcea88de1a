"""Where a measure comes from and why it was classified as it was, in words a reader who
is not an engineer understands: a citation of the plan, the rendering it was read from,
the passage in its document, and the reasons for its theme. Rule codes, offsets and
scores are kept for a "Technical details" section. Pure: no Streamlit, no files."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

# How a document was turned into the text ipdash reads (documents.rendering).
RENDERINGS = {
    "pdf-text": "text taken from a PDF",
    "markdown": "Markdown",
    "web-scrape": "web page",
    "plain-text": "plain text",
    "docx-text": "Word document",
    "upload": "upload",
}


def describe_rendering(language: str | None, rendering: str | None) -> str:
    """ "English web page, unofficial machine translation"; "Chinese original, text
    taken from a PDF"."""
    lang = (language or "").lower()
    form = RENDERINGS.get(rendering or "", rendering or "document")
    if lang.startswith("zh"):
        return f"Chinese original, {form}"
    if "machine" in lang:
        return f"English {form}, unofficial machine translation"
    if lang.startswith("en") or "translation" in lang:
        return f"English {form}, a translation (the Chinese text is the official one)"
    return form


def citation(d: dict) -> str:
    """A measure cited as a reader would cite it: its number and plan, the plan's title,
    who issued it and when, the headings above it and the rendering it was read from.
    `d`: a row of queries.measure_detail."""
    issued = d.get("issuing_body") or "issuer not stated in the text"
    date = d.get("issue_date")
    when = f"{date:%-d %B %Y}" if date else "date not stated in the text"
    parts = [
        f"Measure {d['measure_no']} of the {d['period_label']} plan, “{d['plan_title']}”",
        f"issued by {issued}, {when}",
    ]
    if d.get("section_path"):
        parts.append(f"under “{d['section_path']}”")
    parts.append(describe_rendering(d.get("language"), d.get("rendering")))
    return "; ".join(parts) + "."


@dataclass(frozen=True)
class ThemeReasons:
    """Why a measure has its theme: plain sentences, and the technical record."""

    sentences: tuple[str, ...]
    technical: str


def theme_reasons(evidence_json: str | None, labels: dict[str, str], theme_id: str) -> ThemeReasons:
    """The classifier's evidence (measure_themes.evidence_json) as sentences: which
    phrases of the measure point to its theme, where they stand, and what its section
    says; the decision rule and scores as the technical record."""
    if not evidence_json:
        return ThemeReasons((), "")
    evidence = json.loads(evidence_json)
    label = labels.get(theme_id, theme_id)
    mine = [m for m in evidence.get("matches", []) if m.get("theme") == theme_id]
    sentences = []
    if mine:
        main = _unique(m["phrase"] for m in mine if m.get("zone") == "lead clause")
        seen = {p.lower() for p in main}
        rest = [p for p in _unique(m["phrase"] for m in mine) if p.lower() not in seen]
        if main:
            sentences.append(
                f"Its main action speaks of {_quoted(main)}, which the codebook files under "
                f"{label}."
            )
        if rest:
            sentences.append(f"Further on it mentions {_quoted(rest)}.")
    others = sorted({labels.get(m["theme"], m["theme"]) for m in evidence.get("matches", [])})
    others = [o for o in others if o != label]
    if others:
        sentences.append(f"It also touches on {', '.join(others)}, less prominently.")
    prior = evidence.get("section_prior")
    if prior and prior.get("theme") == theme_id:
        sentences.append(f"It stands under “{prior['heading']}”, a section about {label}.")
    if not sentences:
        sentences.append(f"Its section and wording are closest to {label}.")
    scores = ", ".join(f"{labels.get(k, k)} {v}" for k, v in evidence.get("scores", {}).items())
    technical = f"decision: {evidence.get('decision', '')}; scores: {scores}"
    return ThemeReasons(tuple(sentences), technical)


def _unique(phrases: object) -> list[str]:
    """Phrases in order of first appearance, once each whatever their case."""
    out: dict[str, str] = {}
    for phrase in phrases:  # type: ignore[attr-defined]
        out.setdefault(phrase.lower(), phrase)
    return list(out.values())


def _quoted(phrases: list[str]) -> str:
    quoted = [f"“{p}”" for p in phrases]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def highlight(text: str, term: str) -> str:
    """The text as escaped HTML with every occurrence of `term` (any case) marked."""
    if not term.strip():
        return html.escape(text)
    pieces = re.split(f"({re.escape(term.strip())})", text, flags=re.IGNORECASE)
    return "".join(
        f"<mark>{html.escape(p)}</mark>" if i % 2 else html.escape(p) for i, p in enumerate(pieces)
    )


def passage(document: str, start: int, end: int, context: int = 500) -> tuple[str, str, str]:
    """The measure (document[start:end]) with up to `context` characters before and
    after it, cut at whitespace, with "…" where the document goes on."""
    start, end = max(0, start), min(len(document), end)
    before_at = max(0, start - context)
    after_at = min(len(document), end + context)
    before = document[before_at:start]
    after = document[end:after_at]
    if before_at > 0:
        before = "…" + before[before.find(" ") + 1 :] if " " in before else "…" + before
    if after_at < len(document):
        after = (after[: after.rfind(" ")] if " " in after else after) + "…"
    return before, document[start:end], after


def passage_html(document: str, start: int, end: int, context: int = 500) -> str:
    """passage() as escaped HTML with the measure marked."""
    before, measure, after = passage(document, start, end, context)
    return f"{html.escape(before)}<mark>{html.escape(measure)}</mark>{html.escape(after)}"


def snippet(text: str, term: str, width: int = 70) -> str:
    """The words around the first occurrence of `term` (any case), the term in «»;
    empty when it does not occur (the measure matched by its id or attribution)."""
    at = text.lower().find(term.strip().lower()) if term.strip() else -1
    if at < 0:
        return ""
    end = at + len(term.strip())
    left = max(0, at - (width - (end - at)) // 2)
    right = min(len(text), end + (width - (end - at)) // 2)
    before = ("…" if left > 0 else "") + text[left:at]
    after = text[end:right] + ("…" if right < len(text) else "")
    return f"{before}«{text[at:end]}»{after}"
