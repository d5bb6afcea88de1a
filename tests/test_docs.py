"""The documentation is tested: docs/schema.md describes every table, view and column
of the database, and the README's commands exist."""

from __future__ import annotations

import argparse
import re

from ipdash import paths

SCHEMA_DOC = (paths.ROOT / "docs" / "schema.md").read_text(encoding="utf-8")


def _documented_columns(name: str) -> set[str]:
    section = re.search(rf"^### `{name}`\n(.*?)(?=^### |\Z)", SCHEMA_DOC, re.S | re.M)
    assert section, f"docs/schema.md has no section for {name}"
    columns = set()
    for row in re.findall(r"^\| (.+?) \|", section.group(1), re.M):
        columns.update(re.findall(r"`(\w+)`", row))
    return columns


def test_every_table_and_column_is_documented(con):
    cur = con.cursor()
    objects = cur.execute(
        "SELECT table_name, list(column_name ORDER BY ordinal_position) FROM information_schema.columns "
        "WHERE table_schema = 'main' GROUP BY table_name ORDER BY table_name"
    ).fetchall()
    cur.close()
    assert len(objects) >= 15
    for name, columns in objects:
        missing = set(columns) - _documented_columns(name)
        assert not missing, f"docs/schema.md: {name} lacks {sorted(missing)}"


def _cli_commands() -> dict[str, set[str]]:
    """Every command of `python -m ipdash` and its options, from the argument parser."""
    from ipdash.cli import make_parser

    parser = make_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {option for action in sub._actions for option in action.option_strings}
        for name, sub in commands.choices.items()
    }


def test_readme_commands_exist():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run app" in readme
    assert "./run test" in readme
    run_script = (paths.ROOT / "run").read_text(encoding="utf-8")
    for command in re.findall(r"`\./run (\w+)", readme):
        assert f"    {command})" in run_script, (
            f"README mentions ./run {command}, which does not exist"
        )


def test_the_readme_command_table_is_the_command_line():
    """Every command the README's table shows exists with every option it names, and
    every command the command line has is in the table."""
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| `python -m ipdash ([\w-]+)([^`]*)` \|", readme, re.M)
    cli = _cli_commands()
    assert sorted(name for name, _ in table) == sorted(cli)
    for name, usage in table:
        options = set(re.findall(r"--[\w-]+", usage))
        assert options <= cli[name], f"README: {name} {sorted(options - cli[name])}"


def test_themes_doc_reports_the_current_agreement(parsed_seeds):
    import csv

    from ipdash.corpus.themes import agreement, load_taxonomy
    from ipdash.store.tables import classify_corpus

    with (paths.ROOT / "tests" / "data" / "theme_labels.csv").open(encoding="utf-8") as handle:
        gold = {r["measure_id"]: r["theme_id"] for r in csv.DictReader(handle)}
    predicted = {
        k: v.primary
        for k, v in classify_corpus(
            list(parsed_seeds.values()), load_taxonomy(), use_manual=False
        ).items()
    }
    result = agreement(gold, predicted)
    doc = (paths.ROOT / "docs" / "themes.md").read_text(encoding="utf-8")
    assert f"**{result.agreed} of {result.n} = {result.share:.1%}**" in doc
    for measure, hand, rules in result.disagreements:
        assert f"| {measure} | {hand} | {rules} |" in doc


def test_themes_doc_shift_figures_match_the_data(con):
    from ipdash.store import queries as q

    change = {r["theme_id"]: r for r in q.theme_change(con, 2012, 2022).iter_rows(named=True)}
    doc = (paths.ROOT / "docs" / "themes.md").read_text(encoding="utf-8")
    enforcement = change["enforcement"]
    assert f"{enforcement['share_a'] * 100:.1f}% → {enforcement['share_b'] * 100:.1f}%" in doc
    assert f"+{enforcement['change_pp']:.1f} points" in doc


def test_presenting_doc_lists_every_story_fact_with_todays_value(q):
    from ipdash.present.stories import story_facts

    doc = (paths.ROOT / "docs" / "presenting.md").read_text(encoding="utf-8")
    facts = story_facts(q)
    for key in facts:
        base, _, suffix = key.rpartition("_")
        listed = f"{{{key}}}" in doc or (f"{{{base}}}" in doc and f"`…_{suffix}`" in doc)
        assert listed, f"docs/presenting.md does not list the fact {{{key}}}"
    today = [
        f"{facts['lead_first']} {facts['lead_first_n']} ({facts['lead_first_share']})",
        f"{facts['lead_last']} {facts['lead_last_n']} ({facts['lead_last_share']})",
        f"{facts['pair_last']} {facts['pair_last_n']}",
        f"{facts['rise1']} {facts['rise1_pp']} ({facts['rise1_a']} → {facts['rise1_b']})",
        f"{facts['top_theme_first']} {facts['top_theme_first_share']}",
    ]
    for value in today:
        assert value in doc, value
    for image in re.findall(r"\]\((img/[^)]+)\)", doc):
        assert (paths.ROOT / "docs" / image).is_file(), image
