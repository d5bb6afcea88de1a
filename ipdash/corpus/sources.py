"""The reader: the manifest in data/raw/manifest.csv, and a document's bytes read into
text (bytes → text; ipdash.corpus.document turns the text into a resolved plan). One
reader for every input: `python -m ipdash parse`, `python -m ipdash add`, the Add a plan
page and the build all read .txt, .md, .pdf and .docx files through `read_document` /
`decode_document`. Decoding is robust (BOM, UTF-8, UTF-16 with or without BOM, cp1252,
mojibake repair, control characters removed; PDF text layer, Word paragraphs and tables)
and says what it did."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ftfy

from ipdash.datafiles import parse_bool, parse_date, read_csv, unique_or_fail
from ipdash.errors import DataFileError, ParseError

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = [
    "file",
    "doc_id",
    "plan_year",
    "period_label",
    "title",
    "issuing_body",
    "issue_date",
    "language",
    "rendering",
    "canonical",
    "expected_measures",
    "rendering_note",
]
# Plan-level fields every rendering of one plan must agree on.
_PLAN_FIELDS = ("period_label", "title", "expected_measures")
# A plan's period: one year or a span ("2021–2022"). Labels are shown in headings and
# file names, so nothing else is allowed in them.
PERIOD_LABEL = re.compile(r"\d{4}(?:[–-]\d{4})?")
# Above this share of control characters (after decoding) a file is binary, not text.
_BINARY_CONTROL_SHARE = 0.05
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$")
# Plausible plan years (beyond them a year is a typo).
YEARS = (1990, 2100)
# A document's language in the manifest: a code (en, zh, zh-Hans, zh-Hant), optionally
# followed by a note in parentheses ("en (machine translation)"). Chinese originals
# prevail over English renderings of the same plan.
LANGUAGE = re.compile(r"(?P<code>en|zh)(?:-Hans|-Hant)?(?:[ \t]*\([^()\n]*\))?")


@dataclass(frozen=True)
class Source:
    """One row of the manifest: a document file and what it is."""

    file: str
    doc_id: str
    plan_year: int
    period_label: str
    title: str
    issuing_body: str
    issue_date: date | None
    language: str
    rendering: str
    canonical: bool
    expected_measures: int | None
    rendering_note: str
    line: int = 0

    @property
    def language_code(self) -> str:
        """The language's code without script or note ("zh", "en"); "" if not given."""
        found = LANGUAGE.fullmatch(self.language)
        return found.group("code") if found else ""

    @property
    def reference_date(self) -> date:
        """The date agency names are resolved on: the issue date, else 1 July of the
        first year of the period (the middle of the year the plan was written for)."""
        if self.issue_date:
            return self.issue_date
        first_year = re.match(r"\d{4}", self.period_label)
        year = int(first_year.group()) if first_year else self.plan_year
        return date(year, 7, 1)


def load_manifest(raw_dir: Path) -> list[Source]:
    """Read and validate the manifest; every file it lists must exist in raw_dir."""
    path = raw_dir / MANIFEST
    rows = read_csv(path, MANIFEST_COLUMNS)
    unique_or_fail(((r.get("doc_id"), r.line) for r in rows), path, "doc_id")
    unique_or_fail(((r.get("file"), r.line) for r in rows), path, "file")
    sources = []
    for r in rows:
        if not _DOC_ID.match(r.get("doc_id")):
            raise DataFileError(
                str(path),
                r.line,
                f"doc_id must be letters, digits, '-', '_' or '.', got {r.get('doc_id')!r}",
            )
        if not (raw_dir / r.get("file")).is_file():
            raise DataFileError(str(path), r.line, f"file {r.get('file')!r} is not in {raw_dir}")
        try:
            year = int(r.get("plan_year"))
        except ValueError as exc:
            raise DataFileError(
                str(path), r.line, f"plan_year must be a year, got {r.get('plan_year')!r}"
            ) from exc
        if not YEARS[0] <= year <= YEARS[1]:
            raise DataFileError(str(path), r.line, f"plan_year {year} is not a plausible year")
        expected = r.get("expected_measures")
        if expected and not expected.isdigit():
            raise DataFileError(
                str(path),
                r.line,
                f"expected_measures must be a whole number or empty, got {expected!r}",
            )
        for column in ("period_label", "title", "rendering"):
            if not r.get(column):
                raise DataFileError(str(path), r.line, f"column '{column}' is empty")
        if r.get("language") and not LANGUAGE.fullmatch(r.get("language")):
            raise DataFileError(
                str(path),
                r.line,
                "language must be en, zh, zh-Hans or zh-Hant, optionally followed by a note "
                f"in parentheses ('en (machine translation)'), got {r.get('language')!r}",
            )
        if not PERIOD_LABEL.fullmatch(r.get("period_label")):
            raise DataFileError(
                str(path),
                r.line,
                f"period_label must be a year or two years (2023, 2021–2022), "
                f"got {r.get('period_label')!r}",
            )
        sources.append(
            Source(
                file=r.get("file"),
                doc_id=r.get("doc_id"),
                plan_year=year,
                period_label=r.get("period_label"),
                title=r.get("title"),
                issuing_body=r.get("issuing_body"),
                issue_date=parse_date(r.get("issue_date"), path, r.line, "issue_date"),
                language=r.get("language"),
                rendering=r.get("rendering"),
                canonical=parse_bool(r.get("canonical"), path, r.line, "canonical"),
                expected_measures=int(expected) if expected else None,
                rendering_note=r.get("rendering_note"),
                line=r.line,
            )
        )
    _check_plan_years(sources, path)
    return sources


def _check_plan_years(sources: list[Source], path: Path) -> None:
    """Each plan year has one canonical rendering, the one whose measures are kept; the
    other renderings agree with it on the plan's fields; and where a year has a Chinese
    original, the Chinese text prevails: the canonical rendering is Chinese."""
    by_year: dict[int, list[Source]] = {}
    for s in sources:
        by_year.setdefault(s.plan_year, []).append(s)
    for year, group in by_year.items():
        canonical = [s for s in group if s.canonical]
        if len(canonical) != 1:
            raise DataFileError(
                str(path),
                group[0].line,
                f"plan year {year} has {len(canonical)} "
                "canonical renderings; mark exactly one as canonical=true",
            )
        for s in group:
            for column in _PLAN_FIELDS:
                if getattr(s, column) != getattr(canonical[0], column):
                    raise DataFileError(
                        str(path),
                        s.line,
                        f"{column} differs from the canonical "
                        f"rendering of {year} (line {canonical[0].line})",
                    )
        chinese = [s for s in group if s.language_code == "zh"]
        if chinese and canonical[0].language_code != "zh":
            raise DataFileError(
                str(path),
                chinese[0].line,
                f"plan year {year} has a Chinese original ({chinese[0].file}): the Chinese text "
                f"prevails, so mark it canonical=true and the rendering on line "
                f"{canonical[0].line} canonical=false",
            )


@dataclass(frozen=True)
class DecodedText:
    text: str
    decoding: str  # e.g. "utf-8", "utf-16-le (no BOM) + mojibake repaired"
    sha256: str  # of the bytes


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
# A plan's text is 30-50 thousand characters; ten times that is not a plan, and a
# hostile document much longer would keep the parser busy for seconds (every document
# must end in measures or a clear error within two seconds, tests/test_malformed.py).
MAX_DOCUMENT_CHARS = 500_000
# No encoding the reader knows spends more bytes than this on one character (UTF-32).
_MAX_BYTES_PER_CHAR = 4
# ftfy takes up to ~3 microseconds per character of mojibake-dense text: past this many
# characters on lines it would have to check, repair is skipped (and said so), so that a
# large document decodes in well under a second. A plan holds far fewer.
MOJIBAKE_REPAIR_MAX_CHARS = 150_000
# ftfy's settings: repair mojibake and terminal escapes only; quotes, widths,
# ligatures, line breaks and normal forms stay as the document has them.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_line_breaks=False,
    normalization=None,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    remove_terminal_escapes=True,
    remove_control_chars=False,
    explain=False,
)
# A line ftfy may change: it holds a non-ASCII character or an escape (ESC, U+001B).
# ftfy repairs line by line and leaves other ASCII lines as they are.
_REPAIRABLE_LINE = re.compile(r"(?m)^[^\n]*[^\x00-\x1a\x1c-\x7f][^\n]*\n?")


def _repair_mojibake(text: str) -> tuple[str, str | None]:
    """The text with mojibake and terminal escapes repaired as ftfy.fix_text does it (line
    by line), and the decoding step to record: "mojibake repaired", a note that the
    text was too large to check, or None when nothing changed."""
    if text.isascii() and "\x1b" not in text:
        return text, None
    lines = [m.span() for m in _REPAIRABLE_LINE.finditer(text)]
    if sum(end - start for start, end in lines) > MOJIBAKE_REPAIR_MAX_CHARS:
        return text, "mojibake not checked (too much non-ASCII text)"
    pieces = []
    cursor = 0
    for start, end in lines:
        pieces.append(text[cursor:start])
        pieces.append(ftfy.fix_text(text[start:end], _FTFY))
        cursor = end
    pieces.append(text[cursor:])
    repaired = "".join(pieces)
    return repaired, "mojibake repaired" if repaired != text else None


# PDF text layers often give a CJK radical's code point for a character drawn with the
# radical's glyph ("⼀、" for "一、", "部⻔" for "部门"): Kangxi radicals (U+2F00-U+2FD5)
# have the character as their compatibility form; the radicals supplement (U+2E80-U+2EF3)
# mostly does not, so its radicals that stand for whole characters are listed (Unicode's
# EquivalentUnifiedIdeograph.txt). One character for one: offsets are unchanged.
_RADICAL_CHARACTERS = dict(
    zip(
        "⺟⺠⻄⻅⻆⻇⻉⻋⻑⻓⻔⻗⻘⻙⻚⻛⻜⻝⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻁⻱⻳",
        "母民西见角角贝车長长门雨青韦页风飞食首马骨鬼鱼鸟卤麦黄黾齐齿龙虎龜龟",
        strict=True,
    )
)
_RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
# Latin typographic ligatures (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ).
_LIGATURES = re.compile("[\ufb00-\ufb06]")


def _repair_radicals(text: str) -> tuple[str, str | None]:
    """The text with CJK radicals that stand for characters replaced by the characters,
    and the decoding step to record (None when there were none)."""
    if text.isascii() or not _RADICALS.search(text):
        return text, None

    def character(match: re.Match[str]) -> str:
        radical = match.group()
        if radical in _RADICAL_CHARACTERS:
            return _RADICAL_CHARACTERS[radical]
        normal = unicodedata.normalize("NFKC", radical)
        return normal if len(normal) == 1 else radical

    repaired = _RADICALS.sub(character, text)
    return repaired, "CJK radicals read as characters" if repaired != text else None


def _guess_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL bytes in every other position."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, source: str = "<bytes>") -> DecodedText:
    """Decode a document's bytes to text, repairing what can be repaired.

    Raises ParseError if the bytes are not text (binary, or empty)."""
    if len(data) > _MAX_BYTES_PER_CHAR * MAX_DOCUMENT_CHARS:
        raise ParseError(source, _too_long(f"{len(data) / 1_000_000:.1f} MB"))
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ParseError(source, "the file is empty")
    text = None
    steps = []
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ParseError(
                    source,
                    f"starts with a {codec} byte-order mark but is not "
                    f"valid {codec} ({exc.reason})",
                ) from exc
            steps.append(codec)
            break
    if text is None:
        utf16 = _guess_utf16(data)
        if utf16:
            try:
                text = data.decode(utf16)
                steps.append(f"{utf16} (no BOM)")
            except UnicodeDecodeError:
                text = None
    if text is None:
        try:
            text = data.decode("utf-8")
            steps.append("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            steps.append("cp1252")
    text = text.lstrip("\ufeff")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ParseError(source, _too_long(f"{len(text):,} characters long"))
    nul_share = text.count("\x00") / max(1, len(text))
    control_share = len(_CONTROL.findall(text[:100_000])) / max(1, min(len(text), 100_000))
    if nul_share > 0.01 or control_share > _BINARY_CONTROL_SHARE:
        raise ParseError(
            source,
            "this is not a text document (it holds binary data); upload "
            "the plan as .txt, .md, .pdf or .docx",
        )
    text, repair = _repair_mojibake(text)
    if repair:
        steps.append(repair)
    text, radicals = _repair_radicals(text)
    if radicals:
        steps.append(radicals)
    cleaned = _CONTROL.sub("", text)
    if cleaned != text:
        steps.append("control characters removed")
        text = cleaned
    return DecodedText(text=text, decoding=" + ".join(steps), sha256=digest)


def _too_long(size: str) -> str:
    return (
        f"the document is {size}: more than a plan can be (a plan's text is about "
        f"30,000-50,000 characters; ipdash reads documents of up to "
        f"{MAX_DOCUMENT_CHARS:,} characters)"
    )


def read_source(source: Source, raw_dir: Path) -> DecodedText:
    """Read and decode one manifest document."""
    path = raw_dir / source.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot be read ({exc.strerror})") from exc
    return decode_document(data, str(path))


# ---------------------------------------------------------------------------------------
# Documents by file type

# The file types a plan is read from -> the rendering recorded in the manifest.
RENDERINGS = {".txt": "plain-text", ".md": "markdown", ".pdf": "pdf-text", ".docx": "docx-text"}
# The largest file read (the same limit as server.maxUploadSize in .streamlit/config.toml,
# megabytes there).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def read_document(name: str, data: bytes) -> DecodedText:
    """A plan document's bytes as text, as every command and the Add a plan page read it.
    Raises ParseError naming `name` and what was expected for a type other than .txt,
    .md, .pdf or .docx, a file over the size limit, or one that holds no text."""
    check_readable(name, data)
    return decode_document(data, name)


def check_readable(name: str, data: bytes) -> None:
    """Refuse, with a ParseError naming `name`, a file type other than .txt, .md, .pdf
    or .docx and a file over the size limit (what read_document checks first)."""
    suffix = Path(name).suffix.lower()
    if suffix not in RENDERINGS:
        raise ParseError(
            name, f"is a {suffix or 'file without extension'}: upload .txt, .md, .pdf or .docx"
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise ParseError(
            name,
            f"is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1024 // 1024} "
            "MB",
        )


def decode_document(data: bytes, source: str) -> DecodedText:
    """A document's bytes as text by its file name: the text layer of a .pdf, the
    paragraphs and tables of a .docx, any other file decoded as text (decode_bytes).
    `decoding` says how; `sha256` is always that of the bytes given."""
    suffix = Path(source).suffix.lower()
    if suffix not in (".pdf", ".docx"):
        return decode_bytes(data, source)
    text = _pdf_text(data, source) if suffix == ".pdf" else _docx_text(data, source)
    method = "pypdf text layer" if suffix == ".pdf" else "python-docx paragraphs and tables"
    if suffix == ".pdf" and _LIGATURES.search(text):
        # A PDF's text layer gives a typographic ligature's code point for "fi", "ffi":
        # the letters are the text.
        text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
        method += " + ligatures split"
    decoded = decode_bytes(text.encode("utf-8"), source)
    return DecodedText(
        decoded.text, f"{method} + {decoded.decoding}", hashlib.sha256(data).hexdigest()
    )


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError(name, "the PDF is password-protected: upload an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ParseError(name, f"is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise ParseError(
            name,
            "the PDF has no text layer (a scan?): run it through OCR first or upload the text",
        )
    return text


def _docx_text(data: bytes, name: str) -> str:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError(name, f"is not a readable Word document ({exc})") from exc
    except Exception as exc:  # python-docx raises its own types for broken packages
        raise ParseError(name, f"is not a readable Word document ({exc})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)
