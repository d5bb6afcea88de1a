"""The documentation is tested: docs/schema.md describes every table, view and column
of the database, and the README's commands exist."""

from __future__ import annotations

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


def test_readme_commands_exist():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "./run app" in readme
    assert "./run test" in readme
    run_script = (paths.ROOT / "run").read_text(encoding="utf-8")
    for command in re.findall(r"`\./run (\w+)", readme):
        assert f"    {command})" in run_script, (
            f"README mentions ./run {command}, which does not exist"
        )
    cli = (paths.ROOT / "ipdash" / "cli.py").read_text(encoding="utf-8")
    for command in set(re.findall(r"python -m ipdash (\w+)", readme)):
        assert f'add_parser(\n        "{command}"' in cli or f'add_parser("{command}"' in cli, (
            command
        )
