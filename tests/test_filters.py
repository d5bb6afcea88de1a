"""ipdash.store.filters: one filter value for pages, URLs, exports, file names and subtitles."""

from __future__ import annotations

import pytest

from ipdash.store.filters import Labels, MeasureFilter, describe, file_stem, from_params, to_params


def test_round_trip_through_url_parameters():
    f = MeasureFilter(
        years=(2012, 2022),
        themes=("judicial",),
        agencies=("cnipa", "spc"),
        role="lead",
        successor=True,
        query="patent law",
    )
    params = to_params(f)
    assert params == {
        "year": "2012,2022",
        "theme": "judicial",
        "agency": "cnipa,spc",
        "role": "lead",
        "successor": "1",
        "q": "patent law",
    }
    assert from_params(params) == f
    assert to_params(MeasureFilter()) == {}


def test_malformed_url_parameters_are_ignored():
    f = from_params(
        {
            "year": ["2012,abc,99999", "2012"],
            "theme": "judicial,DROP TABLE;,x--y",
            "agency": "'; select 1; --",
            "role": "boss",
            "successor": "maybe",
            "q": "a\x00b" + "c" * 500,
        }
    )
    assert f.years == (2012,)
    assert f.themes == ("judicial",)
    assert f.agencies == ()
    assert (f.role, f.successor) == ("any", False)
    assert f.query == "a b" + "c" * 197


def test_bad_role_is_rejected_in_code():
    with pytest.raises(
        ValueError, match="role must be one of any, lead, not_lead, participant, joint"
    ):
        MeasureFilter(role="boss")


def test_describe_and_file_stem():
    f = MeasureFilter(
        years=(2012, 2022),
        themes=("judicial",),
        agencies=("cnipa",),
        role="lead",
        query="Patent law!",
    )
    labels = Labels(themes={"judicial": "Judicial protection"}, agencies={"cnipa": "CNIPA"})
    assert describe(f, labels) == (
        "2012, 2022 · themes: Judicial protection · agencies: CNIPA (leads) · "
        "agencies as named at the time · search: 'Patent law!'"
    )
    assert describe(MeasureFilter()) == "all plans · agencies as named at the time"
    assert file_stem(f) == "ipdash-measures-2012-2022-judicial-cnipa-lead-q-patent-law"
    assert (
        file_stem(MeasureFilter(successor=True), "network") == "ipdash-network-all-years-successors"
    )


def test_not_leading_is_a_role_in_the_address_in_words_and_in_file_names():
    f = from_params({"agency": "cnipa", "role": "not_lead"})
    assert f == MeasureFilter(agencies=("cnipa",), role="not_lead")
    assert to_params(f) == {"agency": "cnipa", "role": "not_lead"}
    labels = Labels(agencies={"cnipa": "CNIPA"})
    assert describe(f, labels) == (
        "all plans · agencies: CNIPA (not leading) · agencies as named at the time"
    )
    assert file_stem(f) == "ipdash-measures-all-years-cnipa-not-lead"
