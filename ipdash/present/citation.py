""" "Cite this view": a permalink of what is on screen (the page address with its filters
and the data version) and a citation of it as plain text, BibTeX and RIS, built from the
address, the view's title, the data version and the date. Pure: no Streamlit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode

from ipdash.present.export import SOURCE_CITATION

AUTHOR = "ipdash"
# The address parameter that names the data version a permalink was cited with.
VERSION_PARAM = "data_version"
# Characters BibTeX/LaTeX give a meaning, and how a title says them literally.
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}


@dataclass(frozen=True)
class Citation:
    """What a citation of a view is made from."""

    url: str  # the permalink (see permalink)
    title: str  # what the view shows, e.g. "Measures: 2012 · themes: Judicial protection"
    data_version: str
    accessed: date


def permalink(address: str, params: Mapping[str, str], data_version: str) -> str:
    """The page address (any query or fragment dropped) with the view's parameters in
    their order and the data version last: values percent-encoded, commas kept (lists
    read as "2012,2022")."""
    base = re.split(r"[?#]", address, maxsplit=1)[0]
    query = urlencode({**params, VERSION_PARAM: data_version}, safe=",", quote_via=quote)
    return f"{base}?{query}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def cite_text(c: Citation) -> str:
    """A plain-text citation (author, year, title, version, source, address, date)."""
    return (
        f"{AUTHOR} ({c.accessed.year}). {_one_line(c.title)} [data view]. "
        f"Data version {c.data_version}. Source data: {SOURCE_CITATION}. "
        f"{c.url} (accessed {c.accessed:%d %B %Y})."
    )


def bibtex_escape(text: str) -> str:
    """Text for a BibTeX field: LaTeX's special characters made literal, one line."""
    return "".join(_LATEX.get(ch, ch) for ch in _one_line(text))


def bibtex_key(c: Citation) -> str:
    """ "ipdash_<first word of the title>_<yyyymmdd>", ASCII letters and digits only."""
    words = re.findall(r"[a-z0-9]+", c.title.lower())
    return f"{AUTHOR}_{words[0] if words else 'view'}_{c.accessed:%Y%m%d}"


def _url_in_argument(url: str) -> str:
    """A URL inside another command's argument: \\url needs % and # escaped there."""
    return url.replace("%", r"\%").replace("#", r"\#")


def cite_bibtex(c: Citation) -> str:
    """A BibTeX @misc entry: the title in double braces (its case kept), the permalink
    in `url` (biblatex, natbib) and in `howpublished` for classic styles."""
    fields = [
        ("author", f"{{{AUTHOR}}}"),
        ("title", f"{{{bibtex_escape(c.title)}}}"),
        ("year", str(c.accessed.year)),
        ("howpublished", "\\url{" + _url_in_argument(c.url) + "}"),
        ("url", c.url),
        ("urldate", f"{c.accessed:%Y-%m-%d}"),
        ("note", bibtex_escape(f"Data version {c.data_version}. Source data: {SOURCE_CITATION}")),
    ]
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(c)},\n{body},\n}}\n"


def cite_ris(c: Citation) -> str:
    """An RIS record (an electronic source), lines ending CRLF as the format has them."""
    lines = [
        ("TY", "ELEC"),
        ("AU", AUTHOR),
        ("TI", _one_line(c.title)),
        ("PY", str(c.accessed.year)),
        ("DA", f"{c.accessed:%Y/%m/%d}"),
        ("UR", c.url),
        ("Y2", f"{c.accessed:%Y/%m/%d}"),
        ("N1", f"Data version {c.data_version}. Source data: {SOURCE_CITATION}."),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def citations(
    address: str, params: Mapping[str, str], title: str, data_version: str, accessed: date
) -> dict[str, str]:
    """The permalink and the three citations of a view: keys "url", "text", "bibtex",
    "ris"."""
    c = Citation(permalink(address, params, data_version), title, data_version, accessed)
    return {"url": c.url, "text": cite_text(c), "bibtex": cite_bibtex(c), "ris": cite_ris(c)}


def dataset_citation(data_version: str, built: datetime | None) -> str:
    """How to cite the whole dataset (the full data download's README)."""
    year = f"{built.year}" if built else "n.d."
    return (
        f"{AUTHOR} ({year}). China's national IP-strategy promotion plans as data, data "
        f"version {data_version}. Source data: {SOURCE_CITATION}."
    )
