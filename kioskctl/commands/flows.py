"""``kioskctl flows``: check service-item definitions, draw them, list the shipped ones and their translations."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from flows.catalog import load_catalog, summaries
from flows.diagram import mermaid
from flows.loader import DEFINITIONS_DIR, check_file, definition_files
from flows.translations import LANGUAGES, coverage
from flows.validate import DefinitionError
from kioskctl.output import FAILED, NOTHING, USAGE, emit, fail

NAME = "flows"
app = typer.Typer(help="Service-item definitions: validate, diagram, list, translations.", no_args_is_help=True)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += definition_files(path) if path.is_dir() else [path]
    return files


@app.command()
def validate(
    paths: list[Path] = typer.Argument(None, help="definition files or folders; the shipped ones when omitted"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Check definitions; exit 0 when all are valid, else 1 with one ``FILE:LINE: message`` per problem."""
    files = _expand(paths or [DEFINITIONS_DIR])
    if not files:
        fail("no definition files found; pass .yaml files or a folder holding them", USAGE)
    problems = []
    for file in files:
        problems += check_file(file)[1]
    if as_json:
        emit({"files": len(files), "problems": [{"file": p.file, "line": p.line, "message": p.message}
                                                for p in problems]}, as_json=True)
    else:
        for problem in problems:
            sys.stdout.write(f"{problem}\n")
        if not problems:
            sys.stdout.write(f"{len(files)} definition(s) valid\n")
    if problems:
        raise typer.Exit(FAILED)


def _catalog(directory: Path | None):
    try:
        return load_catalog(directory)
    except DefinitionError as exc:
        command = f"kioskctl flows validate {directory}" if directory else "kioskctl flows validate"
        fail(f"definitions are invalid; run '{command}' to see why ({exc.problems[0]})", FAILED)


@app.command()
def diagram(
    code: str = typer.Argument(..., help="item code (e.g. residence_permit) or a definition file"),
    directory: Path | None = typer.Option(None, "--dir", help="definitions folder (the shipped ones by default)"),
) -> None:
    """Print a Mermaid flowchart of one service item."""
    if code.endswith((".yaml", ".yml")):
        item, problems = check_file(code)
        if item is None:
            fail(f"{problems[0]}; run 'kioskctl flows validate {code}' for every problem", FAILED)
    else:
        catalog = _catalog(directory)
        if code not in catalog:
            fail(f"no item '{code}'; known: {', '.join(catalog)}", NOTHING)
        item = catalog[code]
    sys.stdout.write(mermaid(item))


@app.command("list")
def list_items(
    directory: Path | None = typer.Option(None, "--dir", help="definitions folder (the shipped ones by default)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """List the service items with their theme and whether they finish at the kiosk."""
    rows = summaries(_catalog(directory))
    if as_json:
        emit(rows, as_json=True)
        return
    for row in rows:
        where = "终端办结" if row["kiosk_complete"] else "需到窗口"
        sys.stdout.write(f"{row['code']:<30} {row['theme']:<8} {where}  {row['name']}\n")


@app.command()
def translations(
    directory: Path | None = typer.Option(None, "--dir", help="definitions folder (the shipped ones by default)"),
    language: list[str] = typer.Option(None, "--language", help="only these languages (bo_CN, ug_CN, mn_CN)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """List, per minority language, the item texts still in Chinese only and the items no native speaker
    has reviewed yet (their ``reviewed_by`` is empty)."""
    wanted = language or list(LANGUAGES)
    unknown = [code for code in wanted if code not in LANGUAGES]
    if unknown:
        fail(f"no language {', '.join(unknown)}; use some of {', '.join(LANGUAGES)}", USAGE)
    report = coverage(_catalog(directory).values(), wanted)
    if as_json:
        emit({"languages": report}, as_json=True)
        return
    for code, row in report.items():
        sys.stdout.write(f"{code}: {row['translated']}/{row['texts']} texts translated, "
                         f"{len(row['unreviewed'])} item(s) awaiting a native speaker's review\n")
        for gap in row["missing"]:
            sys.stdout.write(f"  missing  {gap['item']}  {gap['key']}  {gap['chinese']}\n")
        if row["unreviewed"]:
            sys.stdout.write(f"  unreviewed  {', '.join(row['unreviewed'])}\n")
