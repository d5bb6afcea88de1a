""" "Cite this view": the permalink and the citations as plain text, BibTeX and RIS,
compared with literal expected strings."""

from datetime import date

from ipdash.present import citation

CITED = citation.Citation(
    url="http://localhost:8501/Measures?year=2012&theme=judicial&data_version=f886ab6e8deb",
    title="Measures: 2012 · themes: Judicial protection · agencies as named at the time",
    data_version="f886ab6e8deb",
    accessed=date(2026, 11, 26),
)


def test_a_permalink_is_the_address_with_the_view_and_the_data_version():
    assert citation.permalink(
        "https://ipdash.example.org/Measures?old=1#top",
        {"year": "2012,2022", "q": "trade secret & 100%", "data_version": "old"},
        "f886ab6e8deb",
    ) == (
        "https://ipdash.example.org/Measures?year=2012,2022&q=trade%20secret%20%26%20100%25"
        "&data_version=f886ab6e8deb"
    )


def test_the_view_cited_as_plain_text():
    assert citation.cite_text(CITED) == (
        "ipdash (2026). Measures: 2012 · themes: Judicial protection · agencies as named at "
        "the time [data view]. Data version f886ab6e8deb. Source data: Promotion Plans for "
        "the Implementation of the National IP Strategy, 2012–2022. "
        "http://localhost:8501/Measures?year=2012&theme=judicial&data_version=f886ab6e8deb "
        "(accessed 26 November 2026)."
    )


def test_the_view_cited_in_bibtex():
    assert citation.cite_bibtex(CITED) == (
        "@misc{ipdash_measures_20261126,\n"
        "  author       = {{ipdash}},\n"
        "  title        = {{Measures: 2012 · themes: Judicial protection · agencies as named "
        "at the time}},\n"
        "  year         = {2026},\n"
        "  howpublished = {\\url{http://localhost:8501/Measures?year=2012&theme=judicial"
        "&data_version=f886ab6e8deb}},\n"
        "  url          = {http://localhost:8501/Measures?year=2012&theme=judicial"
        "&data_version=f886ab6e8deb},\n"
        "  urldate      = {2026-11-26},\n"
        "  note         = {Data version f886ab6e8deb. Source data: Promotion Plans for the "
        "Implementation of the National IP Strategy, 2012–2022},\n"
        "}\n"
    )


def test_the_view_cited_in_ris():
    assert citation.cite_ris(CITED) == (
        "TY  - ELEC\r\n"
        "AU  - ipdash\r\n"
        "TI  - Measures: 2012 · themes: Judicial protection · agencies as named at the time\r\n"
        "PY  - 2026\r\n"
        "DA  - 2026/11/26\r\n"
        "UR  - http://localhost:8501/Measures?year=2012&theme=judicial"
        "&data_version=f886ab6e8deb\r\n"
        "Y2  - 2026/11/26\r\n"
        "N1  - Data version f886ab6e8deb. Source data: Promotion Plans for the Implementation "
        "of the National IP Strategy, 2012–2022.\r\n"
        "ER  - \r\n"
    )


def test_what_a_user_typed_cannot_break_a_citation():
    typed = citation.Citation(
        url=citation.permalink("http://h/Measures", {"q": "50% {x} #1\nER  - "}, "v1"),
        title="Measures: search: '50% {x} #1 \\ $a_b$ ~^'\nER  - ",
        data_version="v1",
        accessed=date(2026, 1, 2),
    )
    bib = citation.cite_bibtex(typed)
    assert "title        = {{Measures: search: '50\\% \\{x\\} \\#1 \\textbackslash{} " in bib
    assert "\\$a\\_b\\$ \\~{}\\^{}' ER -}}" in bib
    assert "url          = {http://h/Measures?q=50%25%20%7Bx%7D%20%231%0AER%20%20-%20" in bib
    assert bib.count("{") == bib.count("}") + bib.count("\\}") - bib.count("\\{")
    ris = citation.cite_ris(typed)
    assert ris.count("ER  - ") == 1  # a typed line break cannot end the record early
    assert len(ris.split("\r\n")) == 10
    assert citation.bibtex_key(typed) == "ipdash_measures_20260102"
