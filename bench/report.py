"""One command for the scale benchmarks: run them, then write the figures into
docs/benchmarks.md (between its "results" markers) and draw docs/img/benchmarks.png
(time against corpus size, log-log).

    .venv/bin/python bench/report.py                 # every scale: about 15-25 minutes
    .venv/bin/python bench/report.py --quick         # real corpus and 3,840 measures
    .venv/bin/python bench/report.py --no-run        # redraw from bench/out/*.json

Runs bench/bench_scale_*.py (each writes bench/out/<name>.json); the older
bench_build.py and bench_pages.py (run by ./run bench) are not needed here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

DOC = scale.ROOT / "docs" / "benchmarks.md"
CHART = scale.ROOT / "docs" / "img" / "benchmarks.png"
START, END = "<!-- results:start -->", "<!-- results:end -->"
SCRIPTS = ("build", "queries", "network", "pages", "baseline")
# Real corpus measure rows, for the "x real" column.
REAL_MEASURES = 384


def run(argv: list[str]) -> None:
    for name in SCRIPTS:
        script = Path(__file__).resolve().parent / f"bench_scale_{name}.py"
        print(f"== {script.name}", flush=True)
        subprocess.run([sys.executable, str(script), *argv], check=True, cwd=scale.ROOT)


def load() -> dict[str, dict]:
    out = {}
    for name in SCRIPTS:
        path = scale.OUT / f"{name}.json"
        out[name] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return out


def _order(data: dict[str, dict]) -> list[str]:
    names = set()
    for payload in data.values():
        names |= set(payload.get("scales", {}))
    return sorted(names, key=lambda s: 0 if s == scale.REAL else int(s))


def _get(data: dict, bench: str, name: str, *keys: str) -> float | None:
    node = data.get(bench, {}).get("scales", {}).get(name)
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, int | float) else None


def _fmt(value: float | None, pattern: str) -> str:
    return "–" if value is None else format(value, pattern)


def _measures(data: dict, name: str) -> int:
    found = _get(data, "build", name, "measures")
    if found:
        return int(found)
    return REAL_MEASURES if name == scale.REAL else int(name)


def summary_table(data: dict) -> list[str]:
    lines = [
        "| corpus | measures | × real | build s | measures/s | build peak MB | database MB "
        "| worst page query p95 ms | worst page rerun s | network view s | app MB "
        "| naive ÷ ipdash |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in _order(data):
        n = _measures(data, name)
        worst_query = data["queries"].get("scales", {}).get(name, {}).get("worst_page_query", "")
        worst_page = data["pages"].get("scales", {}).get(name, {}).get("worst_page", "")
        lines.append(
            "| "
            + " | ".join(
                [
                    "real plans" if name == scale.REAL else "synthetic",
                    f"{n:,}",
                    f"{n / REAL_MEASURES:.0f}",
                    _fmt(_get(data, "build", name, "build_seconds"), ".1f"),
                    _fmt(_get(data, "build", name, "measures_per_second"), ",.0f"),
                    _fmt(_get(data, "build", name, "peak_rss_mb"), ",.0f"),
                    _fmt(_get(data, "build", name, "db_mb"), ",.1f"),
                    _fmt(_get(data, "queries", name, "worst_page_query_p95_ms"), ",.1f")
                    + (f" ({worst_query})" if worst_query else ""),
                    _fmt(_get(data, "pages", name, "worst_rerun_s"), ".2f")
                    + (f" ({Path(worst_page).stem})" if worst_page else ""),
                    _fmt(_get(data, "network", name, "worst_total_seconds"), ".2f"),
                    _fmt(_get(data, "pages", name, "memory", "rss_mb"), ",.0f"),
                    _fmt(_get(data, "baseline", name, "ratio_geomean"), ".1f") + "×"
                    if _get(data, "baseline", name, "ratio_geomean")
                    else "–",
                ]
            )
            + " |"
        )
    return lines


def pages_table(data: dict, name: str) -> list[str]:
    pages = data["pages"].get("scales", {}).get(name, {}).get("pages", {})
    baseline = data["baseline"].get("scales", {}).get(name, {}).get("pages", {})
    lines = [
        "| page | first run s | rerun p50 s | rerun max s | naive dashboard p50 s "
        "| naive ÷ ipdash |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page, row in pages.items():
        naive = baseline.get(page, {})
        lines.append(
            f"| {Path(page).stem} | {row['first_run_s']:.2f} | {row['rerun_p50_s']:.3f} | "
            f"{row['rerun_max_s']:.3f} | {_fmt(naive.get('naive_p50_s'), '.3f')} | "
            f"{_fmt(naive.get('ratio'), '.1f')}{'×' if naive else ''} |"
        )
    return lines


def queries_table(data: dict, name: str) -> list[str]:
    rows = data["queries"].get("scales", {}).get(name, {}).get("queries", {})
    ranked = sorted(rows.items(), key=lambda kv: -kv[1]["p95_ms"])
    lines = [
        "| query | on a page | calls | p50 ms | p95 ms | most rows |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for query, row in ranked:
        lines.append(
            f"| `{query}` | {'yes' if row['page_query'] else 'no'} | {row['calls']} | "
            f"{row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['max_rows']:,} |"
        )
    return lines


def network_table(data: dict) -> list[str]:
    lines = [
        "| corpus | view | bodies | links | queries s | graph s | metrics s | layout s "
        "| figure s | total s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in _order(data):
        views = data["network"].get("scales", {}).get(name, {}).get("views", {})
        for view, row in views.items():
            s = row["seconds"]
            lines.append(
                f"| {scale.label(name)} | {view} | {row['bodies']} | {row['links']} | "
                f"{s['nodes_query'] + s['edges_query']:.3f} | {s['graph']:.3f} | "
                f"{s['metrics']:.3f} | {s['layout']:.3f} | {s['figure']:.3f} | "
                f"{row['total_seconds']:.3f} |"
            )
    return lines


def targets(data: dict) -> list[str]:
    name = "100000"
    checks = [
        (
            "build ≥ 5,000 measures/s",
            _get(data, "build", name, "measures_per_second"),
            5000,
            ">=",
            ",.0f",
            "/s",
        ),
        (
            "every page query p95 ≤ 50 ms",
            _get(data, "queries", name, "worst_page_query_p95_ms"),
            50,
            "<=",
            ".1f",
            " ms",
        ),
        (
            "every page rerun ≤ 0.5 s",
            _get(data, "pages", name, "worst_rerun_s"),
            0.5,
            "<=",
            ".2f",
            " s",
        ),
        (
            "network view ≤ 1 s",
            _get(data, "network", name, "worst_total_seconds"),
            1.0,
            "<=",
            ".2f",
            " s",
        ),
        (
            "app memory ≤ 500 MB",
            _get(data, "pages", name, "memory", "rss_mb"),
            500,
            "<=",
            ",.0f",
            " MB",
        ),
    ]
    lines = ["| target at 100,000 measures | measured | |", "|---|---:|---|"]
    for what, value, limit, op, pattern, unit in checks:
        if value is None:
            lines.append(f"| {what} | not measured | |")
            continue
        ok = value >= limit if op == ">=" else value <= limit
        lines.append(f"| {what} | {value:{pattern}}{unit} | {'met' if ok else '**missed**'} |")
    return lines


def machine_lines(data: dict) -> list[str]:
    info = next((p["machine"] for p in data.values() if p.get("machine")), {})
    info = {k: v for k, v in info.items() if not k.startswith("load_average")}
    when = sorted(
        row["measured_at"]
        for payload in data.values()
        for row in payload.get("scales", {}).values()
        if "measured_at" in row
    )
    parts = [f"{k}: {v}" for k, v in info.items()]
    loads = []
    for name in SCRIPTS:
        scales = data[name].get("scales", {})
        found = [
            f"{scale.label(s)} {scales[s]['load_1min']:.1f}"
            for s in _order(data)
            if "load_1min" in scales.get(s, {})
        ]
        if found:
            loads.append(f"{name}: " + ", ".join(found))
    lines = [
        f"Measured {when[0] if when else '?'} to {when[-1] if when else '?'} on: "
        + "; ".join(parts)
        + "."
    ]
    if loads:
        lines += [
            "",
            "Load average (1 minute) as each size was measured: " + "; ".join(loads) + ".",
        ]
    return lines


def chart(data: dict) -> None:
    import plotly.graph_objects as go

    names = _order(data)
    xs = [_measures(data, n) for n in names]
    series = {
        "build (whole corpus)": [_get(data, "build", n, "build_seconds") for n in names],
        "worst page rerun": [_get(data, "pages", n, "worst_rerun_s") for n in names],
        "naive dashboard, slowest page rerun (p50)": [
            max(
                (r["naive_p50_s"] for r in data["baseline"]["scales"][n]["pages"].values()),
                default=None,
            )
            if n in data["baseline"].get("scales", {})
            else None
            for n in names
        ],
        "network view (largest filter)": [
            _get(data, "network", n, "worst_total_seconds") for n in names
        ],
        "worst page query p95": [
            (v / 1000 if (v := _get(data, "queries", n, "worst_page_query_p95_ms")) else None)
            for n in names
        ],
    }
    fig = go.Figure()
    for label, ys in series.items():
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=label))
    fig.update_xaxes(type="log", title="measures in the corpus (log)")
    fig.update_yaxes(type="log", title="seconds (log)")
    fig.update_layout(
        title="ipdash: time against corpus size (2-core machine; see docs/benchmarks.md)",
        template="plotly_white",
        width=1100,
        height=620,
        legend={"x": 0.01, "y": 0.99},
    )
    browser = "/usr/bin/chromium"
    if os.path.exists(browser):
        os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_bytes(fig.to_image(format="png", scale=1))


def write_doc(data: dict) -> None:
    largest = _order(data)[-1]
    block = [
        START,
        "",
        *machine_lines(data),
        "",
        "### Summary per corpus size",
        "",
        *summary_table(data),
        "",
        "### Targets",
        "",
        *targets(data),
        "",
        f"### Pages at {scale.label(largest)}",
        "",
        *pages_table(data, largest),
        "",
        "### The agency network (largest filter: every plan)",
        "",
        *network_table(data),
        "",
        f"### Every query at {scale.label(largest)}, slowest first",
        "",
        *queries_table(data, largest),
        "",
        END,
    ]
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{DOC} lacks the markers {START} … {END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + "\n".join(block) + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-run", action="store_true", help="only redraw from bench/out")
    args = scale.parse_args(__doc__ or "", parser)
    if not args.no_run:
        run(["--scales", ",".join(args.scale_list)])
    data = load()
    write_doc(data)
    chart(data)
    print(f"wrote {DOC.relative_to(scale.ROOT)} and {CHART.relative_to(scale.ROOT)}")


if __name__ == "__main__":
    main()
