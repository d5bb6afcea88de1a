"""ipdash.corpus.agencies: registry integrity, splitting lists of names, and resolution on a
plan's date through the restructurings."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from ipdash import paths
from ipdash.corpus.agencies import (
    load_registry,
    normalize_name,
    resolve_attribution,
    resolve_name,
    split_names,
)
from ipdash.errors import DataFileError

D2012 = date(2012, 4, 6)
D2020 = date(2020, 7, 1)
D2021 = date(2021, 7, 1)


def test_registry_integrity(registry):
    agencies = registry.agencies
    for a in agencies.values():
        assert a.kind in registry.kinds
        if a.successor_id:
            successor = agencies[a.successor_id]
            assert a.valid_to is not None
            assert a.reform
            assert successor.valid_from is None or successor.valid_from <= a.valid_to
        chain = registry.chain(a.agency_id)
        assert len(chain) == len(set(chain))  # acyclic
        assert agencies[chain[-1]].successor_id is None
    for alias in registry.aliases:
        assert alias.agency_id in agencies


@pytest.mark.parametrize(
    ("old", "lineage"),
    [
        ("sipo", ["sipo", "cnipa"]),
        ("saic", ["saic", "samr"]),
        ("aqsiq", ["aqsiq", "samr"]),
        ("sarft", ["sarft", "sapprft", "nrta"]),
        ("moc", ["moc", "mct"]),
        ("mep", ["mep", "mee"]),
        ("moa", ["moa", "mara"]),
        ("sfa", ["sfa", "nfga"]),
        ("moh", ["moh", "nhfpc", "nhc"]),
        ("gad", ["gad", "cmc_edd"]),
        ("lao", ["lao", "moj"]),
        ("cbrc", ["cbrc", "cbirc", "nfra"]),
        ("nca", ["nca", "cpd"]),
    ],
)
def test_restructurings(registry, old, lineage):
    assert registry.chain(old) == lineage


def test_normalize_name_reads_chinese_in_simplified_characters_without_layout_spaces():
    assert normalize_name("國家中醫 藥局") == "国家中医药局"
    assert normalize_name("中央宣传部（国家版权局）") == normalize_name("中央宣傳部(國家版權局)")
    assert normalize_name("中央宣传部（国家版权局）") == "中央宣传部国家版权局"
    assert normalize_name("市场监管\n总局") == "市场监管总局"


def test_normalize_name():
    assert normalize_name("The State—owned Assets  Supervision") == "state owned assets supervision"
    assert normalize_name("Supreme People’s Court") == normalize_name("supreme peoples court")
    assert normalize_name("State Administration of Radio, Film, and Television") == (
        "state administration of radio film and television"
    )


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            "State Administration of Radio, Film, and Television",
            ["State Administration of Radio, Film, and Television"],
        ),
        (
            "State Administration for Industry and Commerce, Ministry of Agriculture, Ministry of Commerce and General Administration of Quality Supervision, Inspection and Quarantine",
            [
                "State Administration for Industry and Commerce",
                "Ministry of Agriculture",
                "Ministry of Commerce",
                "General Administration of Quality Supervision, Inspection and Quarantine",
            ],
        ),
        (
            "Ministry of Industry and Information Technology, Ministry of Science and Technology and the State Intellectual Property Office",
            [
                "Ministry of Industry and Information Technology",
                "Ministry of Science and Technology",
                "State Intellectual Property Office",
            ],
        ),
        (
            "Ministry of Agriculture and State Forestry Administration",
            ["Ministry of Agriculture", "State Forestry Administration"],
        ),
        (
            "Ministry of Human Resources and Social Security",
            ["Ministry of Human Resources and Social Security"],
        ),
        (
            "Ministry of Science and Technology,Ministry of Finance",
            ["Ministry of Science and Technology", "Ministry of Finance"],
        ),
        # Unknown names: kept whole unless the pieces are clearly separate bodies.
        ("Ministry of Foo and Bar", ["Ministry of Foo and Bar"]),
        ("Foo Bureau and Bar Office", ["Foo Bureau", "Bar Office"]),
        ("Ministry of Culture and Tourism", ["Ministry of Culture and Tourism"]),
    ],
)
def test_split_names(registry, patterns, names, expected):
    assert split_names(names, registry, patterns.attribution) == expected


def test_normalize_name_drops_apostrophes_and_backticks_in_any_form():
    assert {
        normalize_name(n)
        for n in ("People's", "People’s", "People‘s", "People`s", "ＰＥＯＰＬＥ'Ｓ")
    } == {"peoples"}
    assert normalize_name("“Assets” & Co.") == "assets and co"


def test_a_list_longer_than_any_plans_is_split_at_every_separator(registry, patterns):
    """The plans' longest list has 17 names; past MAX_PIECES_JOINED pieces the pieces
    are not joined back into names (which would take time per piece)."""
    from ipdash.corpus.agencies import MAX_PIECES_JOINED

    radio = "State Administration of Radio, Film, and Television"
    short = ", ".join(["Ministry of Finance"] * 5 + [radio])
    assert split_names(short, registry, patterns.attribution)[-1] == radio
    long = ", ".join(["Ministry of Finance"] * MAX_PIECES_JOINED + [radio])
    assert split_names(long, registry, patterns.attribution)[-3:] == [
        "State Administration of Radio",
        "Film",
        "Television",
    ]


@pytest.mark.parametrize(
    ("name", "day", "agency_id", "method"),
    [
        ("State Intellectual Property Office", D2012, "sipo", "name"),
        ("Intellectual Property Office", D2020, "cnipa", "alias"),
        (
            "Intellectual Property Office",
            D2012,
            "sipo",
            "lineage",
        ),  # back through the one predecessor
        (
            "State Intellectual Property Office",
            D2020,
            "cnipa",
            "lineage",
        ),  # forward to the successor
        ("SARFT", D2020, "nrta", "lineage"),
        ("China Banking Regulatory Commission", D2021, "cbirc", "lineage"),
        ("post office", D2020, "spb", "alias"),
        ("State Administration Bureau", D2020, "ngoa", "alias"),
        ("Forest and Grass Bureau", D2020, "nfga", "alias"),
        ("Central Political and Law Commission", D2020, "cplac", "alias"),
        ("General Administration of Market Supervision", D2020, "samr", "alias"),
        ("ministry of public security", D2021, "mps", "name"),
        ("State—owned Assets Supervision and Administration Commission", D2012, "sasac", "alias"),
        ("国家知识产权局", D2012, "sipo", "name"),
        ("国家知识产权局", D2021, "cnipa", "name"),
        # Chinese short forms, traditional characters, full- and half-width punctuation,
        # spaces left by PDF extraction
        ("知识产权局", D2012, "sipo", "name"),
        ("知识产权局", D2021, "cnipa", "name"),
        ("市场监管 总局", D2021, "samr", "name"),
        ("國家中醫 藥局", D2021, "natcm", "name"),
        ("中央宣傳部(國家版權局)", D2021, "cpd", "alias"),
        ("新闻出版广电总局（版权局）", date(2017, 7, 1), "sapprft", "alias"),
        ("广电总局", D2012, "sarft", "name"),
        ("广电总局", D2021, "nrta", "name"),
        ("广电总局", date(2015, 7, 1), "sapprft", "lineage"),
        ("农业部", D2021, "mara", "lineage"),
        ("林草局", D2021, "nfga", "alias"),
        ("高检院", D2021, "spp", "alias"),
        ("食品药品监管局", D2012, "sfda", "name"),
        ("银保监会", D2021, "cbirc", "name"),
        ("金融监管总局", date(2024, 7, 1), "nfra", "name"),
    ],
)
def test_resolve_name(registry, name, day, agency_id, method):
    r = resolve_name(name, registry, day)
    assert (r.kind, r.agency_id, r.method) == ("agency", agency_id, method)


def test_an_era_variant_met_outside_its_period_resolves_with_a_note(registry):
    r = resolve_name("知識產權局", registry, date(2024, 7, 1))
    assert (r.kind, r.agency_id, r.method) == ("agency", "cnipa", "alias")
    assert r.note == (
        "'知識產權局' is recorded as the form of CNIPA used from 2018-03-17 to 2023-03-10; "
        "this document is dated 2024-07-01"
    )


def test_every_body_has_its_chinese_names(registry):
    for a in registry.agencies.values():
        assert a.name_zh, a.agency_id
        assert a.short_name_zh, a.agency_id
        for name in (a.name_zh, a.short_name_zh):
            day = a.valid_from or date(2012, 7, 1)
            assert resolve_name(name, registry, day).agency_id == a.agency_id, name


def test_the_short_forms_the_chinese_plans_use(registry):
    """tests/data/plans/zh_short_forms.csv, checked: where a form names another body in
    an earlier plan (知识产权局 is SIPO before 2018, 广电总局 SARFT before 2013) the
    body on the plan's date is expected; 食品药品监管局 is SFDA, added to the registry."""
    import csv

    years = {"zh_simplified": 2024, "zh_2017_style": 2017, "zh_2012_style_dun": 2012}
    era = {("知识产权局", 2017): "sipo", ("知识产权局", 2012): "sipo", ("广电总局", 2012): "sarft"}
    path = paths.ROOT / "tests" / "data" / "plans" / "zh_short_forms.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 59
    for row in rows:
        for used_in in row["used_in"].split(";"):
            year = years[used_in]
            name = row["name_as_written"]
            expected = era.get((name, year), row["agency_id"] or "sfda")
            assert resolve_name(name, registry, date(year, 7, 1)).agency_id == expected, name


def test_chinese_generic_groups(registry):
    for name in (
        "联席会议有关成员单位",
        "联席会议各成员单位",
        "各成员单位",
        "聯席會議有關成員單位",
    ):
        assert resolve_name(name, registry, D2021).group_id == "joint_meeting_members"
    assert resolve_name("联席会议办公室", registry, D2021).agency_id == "jmo"


def test_a_merged_body_is_not_guessed_backwards(registry):
    r = resolve_name("State Administration for Market Regulation", registry, D2012)
    assert r.kind == "unresolved"
    assert "aqsiq" not in r.note
    assert "samr" in r.note


def test_generic_groups_and_unknown_names(registry):
    assert resolve_name(
        "relevant administrative law enforcement authorities", registry, D2012
    ).group_id == ("law_enforcement_authorities")
    assert (
        resolve_name("membership units of Joint Meeting", registry, D2021).group_id
        == "joint_meeting_members"
    )
    unknown = resolve_name("Ministry of Space Affairs", registry, D2021)
    assert (unknown.kind, unknown.agency_id) == ("unresolved", None)


def test_resolve_attribution_roles(registry, patterns):
    lead_first = resolve_attribution(
        "Ministry of Commerce, Supreme People's Procuratorate, Ministry of Public Security and relevant administrative law enforcement authorities",
        "lead_first",
        registry,
        patterns.attribution,
        D2012,
    )
    assert [
        (m.position, m.role, m.resolution.agency_id or m.resolution.group_id) for m in lead_first
    ] == [
        (1, "lead", "mofcom"),
        (2, "participant", "spp"),
        (3, "participant", "mps"),
        (4, "participant", "law_enforcement_authorities"),
    ]
    joint = resolve_attribution(
        "Ministry of Finance and State Intellectual property Administration",
        "joint",
        registry,
        patterns.attribution,
        D2021,
    )
    assert [(m.role, m.resolution.agency_id) for m in joint] == [
        ("joint", "mof"),
        ("joint", "cnipa"),
    ]
    single = resolve_attribution(
        "Ministry of Finance", "joint", registry, patterns.attribution, D2021
    )
    assert [m.role for m in single] == ["lead"]


def _broken_registry(tmp_path, file, old, new):
    target = tmp_path / "registry"
    shutil.copytree(paths.REGISTRY, target)
    path = target / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    load_registry.cache_clear()
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "agencies.csv",
            "state_council_ministry,2018-03-17,,,,\n",
            "ministry,2018-03-17,,,,\n",
            "kind 'ministry' is not one of",
        ),
        (
            "agencies.csv",
            ",2018-03-17,cnipa,2018",
            ",2018-03-17,nobody,2018",
            "successor_id 'nobody' is not an agency_id",
        ),
        (
            "agencies.csv",
            "sipo,State Intellectual Property Office,SIPO,国家知识产权局,知识产权局,administration_bureau,,2018-03-17",
            "sipo,State Intellectual Property Office,SIPO,国家知识产权局,知识产权局,administration_bureau,,",
            "has a successor but no valid_to",
        ),
        (
            "aliases.csv",
            "Health Commission,nhc",
            "Health Commission,nobody",
            "points to unknown agency_id 'nobody'",
        ),
        ("aliases.csv", "Statistics Bureau,nbs", "Customs,nbs", "duplicate alias 'customs'"),
        (
            "aliases.csv",
            "知识产权局,cnipa,2018-03-17,2023-03-10",
            "知识产权局,cnipa,2018-03-17,2023-13-10",
            "column 'valid_to' must be a date YYYY-MM-DD, got '2023-13-10'",
        ),
        (
            "aliases.csv",
            "知识产权局,cnipa,2018-03-17,2023-03-10",
            "知识产权局,cnipa,2023-03-10,2018-03-17",
            "valid_from 2023-03-10 is not before valid_to 2018-03-17",
        ),
        (
            "aliases.csv",
            "知识产权局,cnipa,2018-03-17,2023-03-10",
            "知识产权局,cnipa,2010-01-01,2015-01-01",
            "when cnipa did not exist",
        ),
        (
            "aliases.csv",
            "高法院,spc",
            "最高人民检察院,spc",
            "the name '最高人民检察院' stands for both spp and spc",
        ),
        (
            "agencies.csv",
            ",中央宣传部,party_organ",
            ",,party_organ",
            "cpd: column 'short_name_zh' is empty",
        ),
        (
            "aliases.csv",
            "Statistics Bureau,nbs",
            "Central Propaganda Department,cod",
            "duplicate alias",
        ),
    ],
)
def test_registry_errors_name_file_and_line(tmp_path, file, old, new, message):
    directory = _broken_registry(tmp_path, file, old, new)
    try:
        with pytest.raises(DataFileError, match=message) as info:
            load_registry(directory)
        assert str(info.value).startswith(str(directory / file))
        assert ", line " in str(info.value)
    finally:
        load_registry.cache_clear()


def test_successor_loop_is_rejected(tmp_path):
    directory = _broken_registry(
        tmp_path,
        "agencies.csv",
        "cnipa,China National Intellectual Property Administration,CNIPA,国家知识产权局,国家知识产权局,administration_bureau,2018-03-17,,,,",
        "cnipa,China National Intellectual Property Administration,CNIPA,国家知识产权局,国家知识产权局,administration_bureau,2018-03-17,2019-01-01,sipo,loop,",
    )
    try:
        with pytest.raises(DataFileError, match=r"loops back|gap in the lineage"):
            load_registry(directory)
    finally:
        load_registry.cache_clear()


def test_splitting_skips_joins_no_registered_name_could_be_and_splits_the_same(registry, patterns):
    """Joins of pieces are looked up only if some registered name starts and ends with
    their first and last words: the same splits as looking every join up."""
    import dataclasses
    import random

    from ipdash.corpus.agencies import _split_names

    class Everything(frozenset):
        def __contains__(self, item):
            return True

    everything = dataclasses.replace(
        registry, first_words=Everything(), last_words=Everything(), split_cache={}
    )
    rng = random.Random(5)
    words = sorted({w for key in registry.index for w in key.split() if w.isascii()})
    names = [a.alias for a in registry.aliases]
    lists = ["The, State Intellectual Property Office, and the Ministry of Finance"]
    for _ in range(400):
        lists.append(
            ", ".join(
                " ".join(rng.choice(words).capitalize() for _ in range(rng.randint(1, 3)))
                for _ in range(rng.randint(1, 10))
            )
        )
        lists.append(
            rng.choice([", ", " and ", "、"]).join(
                rng.choice(names) for _ in range(rng.randint(1, 6))
            )
        )
    for names_ in lists:
        assert _split_names(names_, registry, patterns.attribution) == _split_names(
            names_, everything, patterns.attribution
        ), names_
    assert "ministry" in registry.first_words
    assert "office" in registry.last_words
