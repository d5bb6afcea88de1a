"""Command line: `python -m ipdash <command>`. Thin over the library; every command
prints what it did and exits non-zero with a plain message when it cannot."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ipdash import __version__, paths

if TYPE_CHECKING:
    from ipdash.corpus.document import DocumentReport
from ipdash.errors import IpdashError
from ipdash.fileio import write_atomic
from ipdash.settings import Settings, current


def _cmd_build(args: argparse.Namespace) -> int:
    from ipdash.store.build import build_database

    result = build_database(raw_dir=args.raw, db=args.db, db_dir=args.db_dir)
    print(f"built {result.path} in {result.seconds:.2f} s (data version {result.data_version})")
    print(
        f"{'plan':<6} {'period':<11} {'measures':>8} {'present':>7} {'omitted':>7} "
        f"{'attributed':>10} {'agencies':>8} {'renderings':>10} {'warnings':>8}"
    )
    for p in result.plans:
        print(
            f"{p.plan_year:<6} {p.period_label:<11} {p.n_measures:>8} {p.n_present:>7} "
            f"{p.n_omitted:>7} {p.n_attributed:>10} {p.n_agencies:>8} {p.n_renderings:>10} "
            f"{p.n_warnings:>8}"
        )
    if result.n_disagreements:
        print(f"{result.n_disagreements} rendering disagreement(s): see `python -m ipdash check`")
    return 0


def _parse_payload(file: Path, year: int | None) -> dict:
    from ipdash.corpus import rows
    from ipdash.corpus.agencies import load_registry
    from ipdash.corpus.document import parse_bytes
    from ipdash.corpus.parse import guess_metadata
    from ipdash.corpus.sources import check_readable
    from ipdash.errors import ParseError

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ParseError(str(file), f"cannot be read ({exc.strerror})") from exc
    # Read, parsed and resolved exactly as the build and Add a plan do it (the same
    # file types, limits and messages as `ipdash add`).
    check_readable(str(file), data)
    document = parse_bytes(data, str(file), plan_year=year)
    decoded, parsed, registry = document.decoded, document.parsed, load_registry()
    guessed = guess_metadata(parsed)
    mentions = rows.mentions_by_measure(document)

    def of_kind(number: int, kind: str) -> list[dict]:
        return [x for x in mentions[number] if x["mention_kind"] == kind]

    measures = [
        {
            "number": m["measure_no"],
            "status": m["status"],
            "section_path": m["section_labels"],
            "text": m["text"],
            "attribution_raw": m["attribution_raw"],
            "phrasing": m["attribution_phrasing"],
            "agencies": [
                {
                    "name": x["raw_name"],
                    "agency_id": x["agency_id"],
                    "registry_name": registry.agencies[x["agency_id"]].name,
                    "role": x["role"],
                    "resolution": x["resolution"],
                    "role_basis": x["role_basis"],
                }
                for x in of_kind(m["measure_no"], "agency")
            ],
            "generic_groups": [
                {"name": x["raw_name"], "group_id": x["group_id"], "role": x["role"]}
                for x in of_kind(m["measure_no"], "generic_group")
            ],
            "unresolved": [x["raw_name"] for x in of_kind(m["measure_no"], "unresolved")],
            "start_offset": m["start_offset"],
            "end_offset": m["end_offset"],
            "number_label": m["number_label"],
            "role_basis": m["role_basis"],
            "open_list": m["open_list"],
        }
        for m in rows.measure_rows(document)
    ]
    report = document.report()
    return {
        "source": str(file),
        "decoding": decoded.decoding,
        "plan_year": year or guessed.plan_year,
        "plan_year_stated": guessed.plan_year,
        "title_stated": guessed.title,
        "levels": list(parsed.level_names),
        "n_measures": len(parsed.measures),
        "n_present": len(parsed.present),
        "role_note": parsed.role_note,
        "measures": measures,
        "warnings": [
            {"kind": w.kind, "line": w.line, "message": w.message} for w in parsed.warnings
        ],
        "decisions": _decisions_payload(report),
        "report": report.lines(),
    }


def _decisions_payload(report: DocumentReport) -> dict:
    """What the parser decided and doubts, for `parse --json`."""
    d = report.decisions
    return {
        "language": d.language,
        "numbering": d.numbering,
        "numbering_style": d.numbering_style,
        "numbers_run_on": d.numbers_run_on,
        "measure_level": d.measure_level,
        "heading_styles": list(d.heading_styles),
        "families_tried": [
            {"family": t.family, "items": t.items, "closed": t.closed, "restarts": t.restarts}
            for t in d.tried
        ],
        "role_note_found": d.role_note_found,
        "lead_basis": d.lead_basis,
        "open_lists": list(d.open_lists),
        "unattributed": list(d.unattributed),
        "stated_count": d.stated_count,
        "count_far": d.count_far,
        "unresolved": {name: list(numbers) for name, numbers in report.unresolved},
        "name_notes": dict(report.name_notes),
    }


def _cmd_parse(args: argparse.Namespace) -> int:
    payload = _parse_payload(args.file, args.year)
    if args.json:
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(
        f"{payload['source']}: {payload['n_measures']} measures "
        f"({payload['n_present']} present), levels {', '.join(payload['levels']) or 'none'}, "
        f"decoded as {payload['decoding']}"
    )
    for m in payload["measures"]:
        names = ", ".join(f"{a['name']} [{a['role']}]" for a in m["agencies"])
        extra = "".join(f"; UNRESOLVED {u}" for u in m["unresolved"])
        print(f"{m['number']:>4}. {m['text'][:70]}{'…' if len(m['text']) > 70 else ''}")
        if names or extra:
            print(f"       {names}{extra}")
    for w in payload["warnings"]:
        print(f"warning (line {w['line']}): {w['message']}")
    print("what the parser decided:")
    for line in payload["report"]:
        print(f"  {line}")
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from ipdash.present.stories import ready_made_plans
    from ipdash.store import edits, intake

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise IpdashError(f"{args.file}: cannot be read ({exc.strerror})") from exc
    extracted = intake.extract_text(args.file.name, data)
    guessed = intake.guess(extracted)
    year = args.year
    period = args.period or (
        guessed.period_label if guessed.plan_year == year and guessed.period_label else str(year)
    )
    title = args.title or guessed.title
    if not title:
        raise IpdashError("the text states no title: give one with --title")
    metadata = intake.PlanMetadata(
        year, period, title, args.issuing_body or "", args.issue_date or None
    )
    intake.check_metadata(metadata)
    preview = intake.preview(extracted, metadata, raw_dir=args.raw)
    mode = args.mode or "new"
    published = intake.read_published_plans(args.db_dir)
    advice = intake.advice(preview, published, mode, ready_made_plans())
    print(intake.format_preview(preview, advice=advice))
    print()
    if preview.existing and args.mode is None:
        raise IpdashError(
            f"the corpus already has a {preview.existing[0].period_label} plan (year {year}): "
            "pass --mode rendering to add this document as another rendering of it, or "
            "--mode replace to replace it"
        )
    if args.dry_run:
        print("dry run: nothing was written")
        return 0
    result = edits.logged_change(
        args.settings,
        "add",
        str(year),
        lambda: intake.add_plan(extracted, metadata, mode, raw_dir=args.raw, db_dir=args.db_dir),
        edits.edit_permission(args.settings, "add", via="cli"),
        via="cli",
    )
    print(
        f"added {args.file.name} as {result.file} (document {result.doc_id}, {result.mode})"
        + (f"; replaced {', '.join(result.replaced)}" if result.replaced else "")
    )
    print(f"built {result.build.path} in {result.build.seconds:.1f} s")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from ipdash.present.stories import ready_made_plans
    from ipdash.store import edits, intake

    published = intake.read_published_plans(args.db_dir)
    label = next((p.period_label for p in published if p.plan_year == args.year), args.year)
    print(f"remove the {label} plan (year {args.year})")
    print()
    advice = intake.removal_advice(args.year, published, ready_made_plans())
    print("\n".join(intake.format_advice(advice)))
    if args.dry_run:
        print("dry run: nothing was changed")
        return 0
    result = edits.logged_change(
        args.settings,
        "remove",
        str(args.year),
        lambda: intake.remove_plan(args.year, raw_dir=args.raw, db_dir=args.db_dir),
        edits.edit_permission(args.settings, "remove", via="cli"),
        via="cli",
    )
    print(
        f"removed the {result.period_label} plan: {', '.join(result.files)} and its manifest "
        f"rows moved to {result.aside}"
    )
    print(f"built {result.build.path} in {result.build.seconds:.1f} s")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from ipdash.store.checks import failed, format_report, run_checks
    from ipdash.store.db import connect_read_only, resolve_db

    path = resolve_db(args.db, args.db_dir)
    con = connect_read_only(path)
    try:
        results = run_checks(con, args.raw)
    finally:
        con.close()
    print(f"checking {path}")
    print(format_report(results))
    return 1 if failed(results) else 0


def _cmd_evaluate_themes(args: argparse.Namespace) -> int:
    import csv

    from ipdash.corpus.agencies import load_registry
    from ipdash.corpus.patterns import load_patterns
    from ipdash.corpus.themes import agreement, classify_texts, confusion_markdown, load_taxonomy
    from ipdash.store.build import parse_all
    from ipdash.store.tables import classify_corpus

    with args.labels.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    taxonomy = load_taxonomy()
    if rows and "text" in rows[0]:  # a sample given by its texts (e.g. Chinese measures)
        gold = {r["sample_id"]: r["theme_id"] for r in rows}
        predicted = classify_texts(rows, taxonomy)
    else:
        gold = {r["measure_id"]: r["theme_id"] for r in rows}
        _, docs = parse_all(args.settings.raw_dir, load_patterns(), load_registry())
        classified = classify_corpus(docs, taxonomy, use_manual=False)
        predicted = {k: v.primary for k, v in classified.items()}
    result = agreement(gold, predicted)
    print(
        f"primary-theme agreement with {args.labels.name} (rules only, no manual table): "
        f"{result.agreed} of {result.n} = {result.share:.1%}"
    )
    if args.markdown:
        print()
        print(confusion_markdown(result, list(taxonomy.themes)))
    print()
    for measure, hand, rules in result.disagreements:
        print(f"- {measure}: hand {hand}, classifier {rules}")
    return 0


def _cmd_evaluate_lineage(args: argparse.Namespace) -> int:
    from ipdash.corpus import lineage
    from ipdash.corpus.sources import load_manifest
    from ipdash.store.build import corpus_tables
    from ipdash.store.tables import lineage_input

    decisions = lineage.load_decisions(args.labels)
    held = sum(d.held_out for d in decisions)
    split = 0 < held < len(decisions)  # double- and single-coded apart only when both are
    raw = args.settings.raw_dir
    rows = lineage.link_measures(
        lineage_input(corpus_tables(load_manifest(raw), raw)), lineage.load_config()
    )
    predicted = lineage.predicted_links(rows)
    parts = (
        ("double-coded", [d for d in decisions if d.held_out] if split else []),
        ("single-coded", [d for d in decisions if not d.held_out] if split else []),
        ("all", decisions),
    )
    print(
        f"lineage agreement with {args.labels.name} (exact: the same measure or both none; "
        "lenient: or the method's link is one of the label's alternatives)"
    )
    for name, part in parts:
        if not part:
            continue
        result = lineage.agreement(part, predicted)
        print(
            f"  {name}: exact {result.exact} of {result.n} = {result.share:.1%}, "
            f"lenient {result.lenient} = {result.lenient_share:.1%}"
        )
        if args.markdown:
            print()
            print(lineage.confusion_markdown(result))
            print()
    print()
    for decision, link in lineage.agreement(decisions, predicted).disagreements:
        tag = " (double-coded)" if split and decision.held_out else ""
        print(
            f"- {decision.decision_id} {decision.measure_id} vs {decision.earlier_plan_year}{tag}: "
            f"label {decision.earlier_measure_id or 'none'}, method {link or 'none'}"
        )
    return 0


def _cmd_lineage(args: argparse.Namespace) -> int:
    import polars as pl

    from ipdash.present import export
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only, resolve_db
    from ipdash.store.filters import MeasureFilter

    path = resolve_db(args.db, args.db_dir)
    con = connect_read_only(path)
    try:
        pairs = queries.lineage_plan_pairs(con).filter(pl.col("compared"))
        known = set(zip(pairs["earlier_plan_year"], pairs["plan_year"], strict=True))
        if (args.from_year, args.to_year) not in known:
            listed = ", ".join(f"--from {a} --to {b}" for a, b in sorted(known)) or "none"
            raise IpdashError(
                f"the lineage does not compare {args.from_year} with {args.to_year}; "
                f"compared: {listed}"
            )
        rows = queries.lineage_changes(con, args.from_year, args.to_year, MeasureFilter())
        rows = rows.select(queries.LINEAGE_COLUMNS)
        info = queries.build_info(con).row(0, named=True)
    finally:
        con.close()
    what = (
        f"Measures of the {args.to_year} plan carried over from {args.from_year} or new, "
        f"and measures of {args.from_year} dropped"
    )
    if args.format == "csv":
        data = export.to_csv_bytes(rows)
    else:
        about = export.about_rows(
            what, "all measures", info["data_version"], info["build_id"], rows.height
        )
        data = export.to_xlsx_bytes(rows, about, column_notes=export.LINEAGE_COLUMN_NOTES)
    out = args.out or Path(f"ipdash-lineage-{args.from_year}-{args.to_year}.{args.format}")
    write_file(out, data)
    counts = {
        c: rows.filter(pl.col("change") == c).height for c in ("carried over", "new", "dropped")
    }
    print(
        f"wrote {rows.height} rows to {out}: {counts['carried over']} carried over, "
        f"{counts['new']} new, {counts['dropped']} dropped"
    )
    return 0


def resolve_agency_arguments(con: object, names: list[str], successor: bool) -> tuple[str, ...]:
    """Agency ids for --agency values: id, short name, full name or alias, any case.
    With --successor each is replaced by the body carrying its work today. Raises an
    IpdashError naming the value when it matches nothing or several bodies."""
    from ipdash.store import queries

    ids: list[str] = []
    for name in names:
        found = queries.find_agencies(con, name)
        if found.height == 0:
            raise IpdashError(
                f"--agency {name!r} matches no registered body; give an id, a short "
                "name (e.g. CNIPA) or a full name (see `python -m ipdash agencies`)"
            )
        if found.height > 1:
            options = ", ".join(
                f"{r['short_name']} ({r['agency_id']})" for r in found.iter_rows(named=True)
            )
            raise IpdashError(f"--agency {name!r} matches several bodies: {options}; use an id")
        row = found.row(0, named=True)
        agency_id = row["successor_id"] if successor else row["agency_id"]
        if agency_id not in ids:
            ids.append(agency_id)
    return tuple(ids)


def write_file(out: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed over it."""
    out = out.expanduser()
    if out.is_dir():
        raise IpdashError(f"{out} is a folder: give a file name")
    if not out.parent.is_dir():
        raise IpdashError(f"{out.parent} does not exist: create it or choose another folder")
    try:
        write_atomic(out, data)
    except OSError as exc:
        raise IpdashError(f"cannot write {out}: {exc.strerror}") from exc


# What the Measures page calls its downloads (the same words give the same README).
MEASURES_WHAT = "Measures of China's national IP-strategy promotion plans"
# The file each export format writes: CSV comes in a zip with its dictionary and README.
_SUFFIXES = {"csv": "zip", "xlsx": "xlsx"}


def _cmd_export(args: argparse.Namespace) -> int:
    from ipdash.present import export
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only, resolve_db
    from ipdash.store.filters import MeasureFilter, clean_query, describe, file_stem, labels_from

    wanted = _SUFFIXES[args.format]
    if args.out and args.out.suffix.lower() != f".{wanted}":
        raise IpdashError(
            f"--format {args.format} writes a .{wanted} file"
            + (" (the CSV, its data dictionary and a README)" if args.format == "csv" else "")
            + f": give --out a name ending in .{wanted}"
        )
    path = resolve_db(args.db, args.db_dir)
    con = connect_read_only(path)
    try:
        themes = queries.themes(con)
        known = set(themes["theme_id"])
        for theme in args.theme or []:
            if theme not in known:
                raise IpdashError(
                    f"--theme {theme!r} is not a theme id; choose from {', '.join(sorted(known))}"
                )
        f = MeasureFilter(
            years=tuple(sorted(set(args.year or []))),
            themes=tuple(dict.fromkeys(args.theme or [])),
            agencies=resolve_agency_arguments(con, args.agency or [], args.successor),
            role=args.role,
            successor=args.successor,
            query=clean_query(args.query or ""),
        )
        rows = queries.measure_export(con, f)
        if args.names != "en":
            from ipdash.present.names import load_names, relabel

            rows = relabel(rows, load_names(lambda query, *a: query(con, *a), args.names))
        rows = export.readable_measures(rows)
        info = queries.build_info(con).row(0, named=True)
        described = describe(f, labels_from(themes, queries.agency_labels(con), queries.plans(con)))
    finally:
        con.close()
    what, stem = MEASURES_WHAT, file_stem(f)
    if args.format == "csv":
        data = export.csv_zip_bytes(
            rows, stem, what, described, info, column_notes=export.MEASURE_COLUMN_NOTES
        )
    else:
        about = export.about_rows(
            what, described, info["data_version"], info["build_id"], rows.height
        )
        data = export.to_xlsx_bytes(rows, about, column_notes=export.MEASURE_COLUMN_NOTES)
    out = args.out if args.out else Path(f"{stem}.{_SUFFIXES[args.format]}")
    write_file(out, data)
    print(f"wrote {rows.height} measures to {out} ({described})")
    return 0


def _cmd_export_all(args: argparse.Namespace) -> int:
    from ipdash.present import bulk, views
    from ipdash.store import queries
    from ipdash.store.db import connect_read_only, resolve_db

    if args.out and args.out.suffix.lower() != ".zip":
        raise IpdashError("export-all writes a .zip file: give --out a name ending in .zip")
    path = resolve_db(args.db, args.db_dir)
    con = connect_read_only(path)
    try:
        q = views.query_on(con)
        data = bulk.all_data_zip(q)
        version = str(q(queries.build_info)["data_version"][0])
        tables = q(queries.database_tables).height
    finally:
        con.close()
    out = args.out or Path(f"{bulk.folder_name(version)}.zip")
    write_file(out, data)
    print(
        f"wrote {out}: {tables} tables and views as CSV and Parquet, with the data "
        f"dictionary (data version {version})"
    )
    return 0


def _cmd_deck(args: argparse.Namespace) -> int:
    from ipdash.present import deck, stories, views
    from ipdash.store.db import connect_read_only, resolve_db

    saved = args.settings.stories_file
    all_stories = stories.load_stories(saved)
    path = resolve_db(args.db, args.db_dir)
    con = connect_read_only(path)
    try:
        q = views.query_on(con)
        story = deck.find_story(all_stories, args.story, saved, q)
        data = deck.build_deck(story, q, browser=args.settings.browser_path)
        title = stories.title_of(story, stories.facts_for(story, q))
    finally:
        con.close()
    out = args.out or Path(f"ipdash-deck-{story.story_id}.pptx")
    write_file(out, data)
    print(f"wrote {out}: {len(story.views) + 2} slides ({title})")
    return 0


def _cmd_agencies(args: argparse.Namespace) -> int:
    from ipdash.corpus.agencies import load_registry

    registry = load_registry()
    print(f"{'id':<9} {'short':<9} {'from':<10} {'until':<10} {'successor':<10} name")
    for a in sorted(registry.agencies.values(), key=lambda a: a.agency_id):
        print(
            f"{a.agency_id:<9} {a.short_name:<9} {a.valid_from or ''!s:<10} "
            f"{a.valid_to or ''!s:<10} {a.successor_id or '':<10} {a.name}"
        )
    return 0


def _cmd_path(args: argparse.Namespace) -> int:
    from ipdash.store.db import resolve_db

    print(resolve_db(None, args.db_dir))
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from ipdash.corpus import synth
    from ipdash.corpus.agencies import load_registry
    from ipdash.corpus.patterns import load_patterns
    from ipdash.store.build import parse_all
    from ipdash.store.tables import build_tables

    out = args.out.resolve()
    if out == args.settings.raw_dir.resolve():
        raise synth.SynthError("--out must not be data/raw: that is the real corpus")
    years = None
    if args.years:
        first, _, last = args.years.partition("-")
        if not (first.isdigit() and last.isdigit()):
            raise synth.SynthError(f"--years must be FIRST-LAST, e.g. 2008-2022: {args.years!r}")
        years = (int(first), int(last))
    patterns, registry = load_patterns(), load_registry()
    _, docs = parse_all(args.settings.raw_dir, patterns, registry)
    profile = synth.learn_profile(build_tables(docs, registry), patterns)
    corpus = synth.generate_corpus(
        args.measures, args.seed, profile, synth.load_templates(), registry, patterns, years
    )
    out.mkdir(parents=True, exist_ok=True)
    for name, text in corpus.files.items():
        (out / name).write_text(text, encoding="utf-8", newline="")
    documents = len(corpus.files) - 1
    print(f"wrote {len(corpus.measures):,} measures in {documents} plan documents to {out}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ipdash.serve import ServeOptions, serve

    options = ServeOptions(
        workers=args.workers,
        port=args.port,
        address=args.address,
        run_dir=args.run_dir,
        log_dir=args.log_dir or args.settings.log_dir,
        allow_edits=args.allow_edits,
    )
    return serve(options, args.settings)


def _db_options(p: argparse.ArgumentParser, settings: Settings, raw: bool = True) -> None:
    if raw:
        p.add_argument(
            "--raw",
            type=Path,
            default=settings.raw_dir,
            help="folder with the source documents and manifest.csv (default: data/raw)",
        )
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="a single database file to use instead of the current generation in data/db",
    )
    p.add_argument("--db-dir", type=Path, default=settings.db_dir, help=argparse.SUPPRESS)


def _command_build(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "build",
        help="build the database from data/raw",
        description="Parse every document in the manifest, resolve agencies and "
        "write a new database (atomically: a failure leaves the old "
        "one in place). Prints a per-plan summary.",
    )
    _db_options(p, settings)
    p.set_defaults(func=_cmd_build)


def _command_parse(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "parse",
        help="parse one document and print its measures",
        description="Parse a plan document without adding it, to check it first.",
    )
    p.add_argument("file", type=Path, help="the document (.txt or .md)")
    p.add_argument(
        "--year",
        type=int,
        help="plan year, for resolving agency names (default: the year the text states)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.set_defaults(func=_cmd_parse)


def _command_add(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "add",
        help="add a plan document to the corpus and rebuild",
        description="Read a plan (.txt, .md, .pdf or .docx), print what the parser finds, "
        "then store it in data/raw with its manifest entry and build a new database "
        "generation. On any error nothing is changed and the exit status is non-zero.",
    )
    p.add_argument("file", type=Path, help="the document (.txt, .md, .pdf or .docx, ≤ 10 MB)")
    p.add_argument("--year", type=int, required=True, help="plan year, e.g. 2023")
    p.add_argument("--title", help="the plan's title (default: the title line the text states)")
    p.add_argument(
        "--period", help="period label, e.g. 2023 or 2023–2024 (default: what the text states)"
    )
    p.add_argument("--issuing-body", help="who issued the plan")
    p.add_argument("--issue-date", type=date.fromisoformat, help="issue date, YYYY-MM-DD")
    p.add_argument(
        "--mode",
        choices=("new", "rendering", "replace"),
        help="for a plan year already in the corpus: add another rendering of it, or "
        "replace it (default: new)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the preview only; write nothing")
    p.add_argument("--raw", type=Path, default=settings.raw_dir, help=argparse.SUPPRESS)
    p.add_argument("--db-dir", type=Path, default=settings.db_dir, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_add)


def _command_remove(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "remove",
        help="remove a plan from the corpus and rebuild",
        description="Move a plan's documents and manifest rows to data/raw/removed/<year>-<time>/ "
        "(to restore them, move them back and append the rows to manifest.csv) and build a "
        "new database generation. Refuses the last plan; on any error nothing is changed.",
    )
    p.add_argument("--year", type=int, required=True, help="plan year, e.g. 2030")
    p.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    p.add_argument("--raw", type=Path, default=settings.raw_dir, help=argparse.SUPPRESS)
    p.add_argument("--db-dir", type=Path, default=settings.db_dir, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_remove)


def _command_check(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "check",
        help="run the data checks; exit 1 if one fails",
        description="Counts, unique ids, unresolved names, roles, lineage, "
        "rendering disagreements and traceability of offsets.",
    )
    _db_options(p, settings)
    p.set_defaults(func=_cmd_check)


def _command_evaluate_themes(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "evaluate-themes",
        help="compare the theme classifier with hand labels",
        description="Primary-theme agreement of the rules (without the manual "
        "table) with a hand-labelled sample, its confusion matrix "
        "and the measures where they disagree.",
    )
    p.add_argument(
        "--labels",
        type=Path,
        default=paths.ROOT / "tests" / "data" / "theme_labels.csv",
        help="CSV with measure_id,theme_id, or sample_id,text,theme_id[,section] for measures "
        "given by their text (default: tests/data/theme_labels.csv)",
    )
    p.add_argument("--markdown", action="store_true", help="also print the confusion matrix")
    p.set_defaults(func=_cmd_evaluate_themes)


def _command_evaluate_lineage(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "evaluate-lineage",
        help="compare the measure lineage with hand labels",
        description="Agreement of the lineage links with a file of labelled decisions "
        "(all of them, and the double-coded and single-coded ones apart when the file has a "
        "double_coded column; exact and lenient), the confusion matrix and every "
        "disagreement. The test sets: --labels tests/data/lineage/test_labels_gold.csv (90 "
        "decisions of the plan pairs the model was calibrated on) and "
        "tests/data/lineage/fourth_labels_gold.csv (120 of other plan pairs).",
    )
    p.add_argument(
        "--labels",
        type=Path,
        default=paths.ROOT / "tests" / "data" / "lineage" / "labels_gold.csv",
        help="CSV of decisions (default: tests/data/lineage/labels_gold.csv)",
    )
    p.add_argument("--markdown", action="store_true", help="also print the confusion matrices")
    p.set_defaults(func=_cmd_evaluate_lineage)


def _command_lineage(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "lineage",
        help="write what changed between two plans to CSV or Excel",
        description="The measures of the later plan with the measure of the earlier plan "
        "each carries over (score and evidence) or none (new), and the measures of the "
        "earlier plan no later measure continues (dropped): what the Theme shifts page "
        "lists and downloads.",
    )
    p.add_argument(
        "--from", dest="from_year", type=int, required=True, metavar="YEAR", help="the earlier plan"
    )
    p.add_argument(
        "--to", dest="to_year", type=int, required=True, metavar="YEAR", help="the later plan"
    )
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="default: csv")
    p.add_argument("--out", type=Path, help="output file (default: ipdash-lineage-FROM-TO.FORMAT)")
    _db_options(p, settings, raw=False)
    p.set_defaults(func=_cmd_lineage)


def _command_export(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "export",
        help="write filtered measures to CSV or Excel",
        description="Writes exactly what the Measures page downloads for the same "
        "filters. Filters combine: measures in any of the years AND any "
        "of the themes AND naming any of the agencies in the role.",
    )
    p.add_argument("--year", type=int, action="append", metavar="Y", help="plan year (repeatable)")
    p.add_argument(
        "--theme", action="append", metavar="T", help="theme id, e.g. judicial (repeatable)"
    )
    p.add_argument(
        "--agency",
        action="append",
        metavar="A",
        help="agency id, short name (CNIPA) or full name, any case (repeatable)",
    )
    from ipdash.store.filters import ROLE_HELP, ROLES

    p.add_argument(
        "--role",
        choices=ROLES,
        default="any",
        help="the role the agencies must have (default: any): "
        + "; ".join(f"{role}: {ROLE_HELP[role]}" for role in ROLES),
    )
    p.add_argument(
        "--successor",
        action="store_true",
        help="map agencies to today's successor (SIPO counts as CNIPA)",
    )
    p.add_argument("--query", metavar="TEXT", help="text search, ignoring case")
    p.add_argument(
        "--names",
        choices=["en", "zh"],
        default="en",
        help="name the bodies by their English short names (default) or the Chinese short "
        "forms the plans write (the app's names switch)",
    )
    p.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        required=True,
        help="csv: a .zip of the CSV, its data dictionary and a README (what, filters, data "
        "version); xlsx: an Excel workbook with the same on its about and dictionary sheets",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="output file, .zip for csv, .xlsx for xlsx (default: a name that says what was "
        "filtered)",
    )
    _db_options(p, settings, raw=False)
    p.set_defaults(func=_cmd_export)


def _command_export_all(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "export-all",
        help="write every table of the database as CSV and Parquet in one zip",
        description='The app\'s "Download all data": every table and view as CSV and as '
        "Parquet, the data dictionary (every column's type and meaning, from "
        "docs/schema.md), the documentation and a README with the data version.",
    )
    p.add_argument("--out", type=Path, help="output .zip (default: ipdash-data-<data version>.zip)")
    _db_options(p, settings, raw=False)
    p.set_defaults(func=_cmd_export_all)


def _command_deck(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "deck",
        help="build a PowerPoint deck of a story",
        description="A title slide, one slide per view of the story (title, chart, "
        "caption, filters) and a closing slide with sources and data "
        "version. Needs Chromium for the chart images.",
    )
    p.add_argument("--story", help="story id or title (default: the ready-made story)")
    p.add_argument("--out", type=Path, help="output .pptx (default: ipdash-deck-<story>.pptx)")
    _db_options(p, settings, raw=False)
    p.set_defaults(func=_cmd_deck)


def _command_agencies(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser("agencies", help="list the registered bodies (ids for --agency)")
    p.set_defaults(func=_cmd_agencies)


def _command_path(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser("path", help="print the path of the current database file")
    p.add_argument("--db-dir", type=Path, default=settings.db_dir, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_path)


def _command_synth(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "synth",
        help="write a synthetic corpus of N measures for benchmarks",
        description="Write plan documents and a manifest.csv in the formats of the real "
        "plans, with bodies, roles and phrasings at the real corpus's frequencies, for "
        "`build --raw DIR`. The same seed gives byte-identical files.",
    )
    p.add_argument("--measures", type=int, required=True, metavar="N", help="how many measures")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, required=True, help="folder to write (not data/raw)")
    p.add_argument(
        "--years",
        help="plan years FIRST-LAST (default: 2008-2022, more when a plan per year would "
        "exceed 2,000 measures)",
    )
    p.set_defaults(func=_cmd_synth)


def _command_serve(sub: argparse._SubParsersAction, settings: Settings) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the dashboard to a room: several workers behind nginx",
        description="Start N Streamlit workers on loopback ports behind nginx (sticky "
        "sessions by a cookie), restart a worker that dies, stop everything on SIGTERM or "
        "Ctrl-C. Visitors cannot add or remove plans without the admin token "
        "(IPDASH_ADMIN_TOKEN) unless --allow-edits is given. Needs nginx.",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: the number of cores)",
    )
    p.add_argument("--port", type=int, default=8501, help="the port to listen on (default 8501)")
    p.add_argument(
        "--address",
        default="0.0.0.0",  # noqa: S104 - reached by a room of people
        help="the address to listen on (default: every address of this machine)",
    )
    p.add_argument(
        "--allow-edits",
        action="store_true",
        help="let every visitor add and remove plans (default: only with the admin token)",
    )
    p.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        help="the folder for every log (default: data/logs, or IPDASH_LOG_DIR)",
    )
    p.add_argument("--run-dir", type=Path, default=paths.DEFAULT_RUN_DIR, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_serve)


def make_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The argument parser; defaults of --raw and the database folder come from the
    settings (the environment's, unless given)."""
    settings = settings or current()
    parser = argparse.ArgumentParser(
        prog="python -m ipdash",
        description="China's national IP-strategy promotion plans as data.",
    )
    parser.set_defaults(settings=settings)
    parser.add_argument("--version", action="version", version=f"ipdash {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (
        _command_build,
        _command_parse,
        _command_add,
        _command_remove,
        _command_check,
        _command_evaluate_themes,
        _command_evaluate_lineage,
        _command_export,
        _command_export_all,
        _command_lineage,
        _command_deck,
        _command_agencies,
        _command_path,
        _command_synth,
        _command_serve,
    ):
        add_command(sub, settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except IpdashError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
