"""The data dictionary of the database, read from docs/schema.md."""

from ipdash.present.schema_doc import parse_schema_doc, schema_doc
from ipdash.store import queries


def test_the_schema_page_parses_into_tables_columns_and_meanings():
    page = """# x

## Tables

### `plans`
One row per plan.

| column | meaning |
|---|---|
| `plan_year` | the plan's year |
| `a`, `b` | two at once, see [docs](x.md) and `plans` |

## Views

### `v`
A view.

| column | meaning |
|---|---|
| `c` | see **this** |
"""
    docs = parse_schema_doc(page)
    assert list(docs) == ["plans", "v"]
    assert docs["plans"] == docs["plans"].__class__(
        "plans",
        "table",
        "One row per plan.",
        {
            "plan_year": "the plan's year",
            "a": "two at once, see docs and plans",
            "b": "two at once, see docs and plans",
        },
    )
    assert (docs["v"].kind, docs["v"].columns) == ("view", {"c": "see this"})


def test_every_column_of_the_database_has_a_meaning_from_the_schema_page(con):
    docs = schema_doc()
    columns = queries.database_columns(con)
    assert columns.height > 150
    for table, column in columns.select("table_name", "column_name").iter_rows():
        assert docs[table].columns.get(column), f"{table}.{column}"
    assert docs["measure_facts"].kind == "mart"
    assert docs["agency_successors"].kind == "view"
