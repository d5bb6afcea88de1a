""" "Download all data" and "Cite this view" in the app (ipdash.web.share)."""

from ipdash.store import queries


def _share_page() -> None:
    """A page showing the two: run by AppTest as a script of its own."""
    from ipdash import web
    from ipdash.settings import current
    from ipdash.store.filters import MeasureFilter

    ctx = web.Context(db=str(web.ensure_database(current())))
    web.download_all_data(ctx)
    web.cite_this_view(ctx, "Measures", MeasureFilter(years=(2012,), themes=("judicial",)))


def test_the_app_offers_all_data_and_a_citation_of_the_view(con):
    from streamlit.testing.v1 import AppTest

    from ipdash.web.share import DEFAULT_ADDRESS

    version = queries.build_info(con)["data_version"][0]
    at = AppTest.from_function(_share_page, default_timeout=60)
    at.query_params["year"] = "2012"
    at.query_params["theme"] = "judicial"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download all data (.zip)", "Download .bib", "Download .ris"]
    permalink, text, bibtex, ris = (c.value for c in at.code)
    assert permalink == f"{DEFAULT_ADDRESS}?year=2012&theme=judicial&data_version={version}"
    assert text.startswith("ipdash (20")
    assert f"[data view]. Data version {version}." in text
    assert bibtex.startswith("@misc{ipdash_measures_")
    assert (
        "  title        = {{Measures: 2012 · themes: Judicial protection · agencies as named "
        "at the time}},\n"
    ) in bibtex
    assert ris.startswith("TY  - ELEC\r\nAU  - ipdash\r\n")
