"""ipdash: China's national IP-strategy promotion plans as data, and a dashboard over them.

The data flows one way: sources -> parse -> normalize (agencies, themes) -> build (DuckDB)
-> queries (Polars frames) -> figures (Plotly) -> ui -> pages.
"""

__version__ = "0.1.0"
