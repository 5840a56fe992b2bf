"""``movieweb import``: registered on the root CLI through the ``movieweb.commands`` entry point.

The command writes straight into the movies database(s) named by the service's settings
(``MOVIEWEB_MOVIES_DATABASE_URL`` or ``MOVIEWEB_MOVIES_SHARD_MAP_FILE``) with the domain
functions, in batches: a catalogue of tens of thousands of movies is not tens of thousands of
HTTP calls. It never crashes: bad rows are skipped and summarised, and a file or database that
cannot be used at all ends with a one-line error and exit code 1.
"""

from __future__ import annotations

import asyncio
import enum
from pathlib import Path
from typing import Annotated

import typer
from movieweb_shared.db import ShardedDatabase, load_shard_map
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .import_run import Importer, ImportSummary
from .import_sources import CatalogueError, SourceRow, read_catalogue
from .settings import MoviesSettings

UNDEFINED_TABLE = "42P01"  # Postgres SQLSTATE


class SourceFormat(enum.StrEnum):
    auto = "auto"
    movielens = "movielens"
    json = "json"


class ImportFailed(Exception):
    """The import cannot go on (database missing, unreachable, not migrated)."""


def register(app: typer.Typer) -> None:
    app.command("import")(import_catalogue)


def import_catalogue(
    file: Annotated[
        Path,
        typer.Argument(help="MovieLens movies.csv, or a JSON array of movie objects"),
    ],
    source_format: Annotated[
        SourceFormat,
        typer.Option("--format", help="File format; auto guesses from the name and contents"),
    ] = SourceFormat.auto,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and validate only; write nothing")
    ] = False,
) -> None:
    """Import a movie catalogue into the movies database (idempotent: re-importing adds nothing)."""
    out = Console()
    err = Console(stderr=True)
    try:
        used, rows = read_catalogue(file, source_format.value)
    except CatalogueError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    summary = ImportSummary(source_format=used, dry_run=dry_run)
    try:
        asyncio.run(_import(rows, summary, err))
    except ImportFailed as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    out.print(summary_table(summary, file))


async def _import(rows: list[SourceRow], summary: ImportSummary, err: Console) -> None:
    db = None if summary.dry_run else _open_database()
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("importing" if db else "validating", total=len(rows))
            await Importer(db, summary).run(rows, lambda n: progress.advance(task, n))
    except DBAPIError as exc:
        raise ImportFailed(_database_problem(exc)) from exc
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        raise ImportFailed(f"cannot use the movies database: {exc}") from exc
    finally:
        if db is not None:
            await db.dispose()


def _open_database() -> ShardedDatabase:
    settings = MoviesSettings(db_pool_size=2, db_max_overflow=2, log_json=False)
    try:
        return ShardedDatabase(load_shard_map(settings), settings, "movies-import")
    except (RuntimeError, ValueError, OSError) as exc:
        raise ImportFailed(f"the movies database is not configured: {exc}") from exc


def _database_problem(exc: DBAPIError) -> str:
    if getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return "the movies table does not exist: run `movieweb migrate movies` first"
    return f"cannot write to the movies database: {type(exc.orig).__name__}: {exc.orig}"


def summary_table(summary: ImportSummary, file: Path) -> Table:
    verb = "would import (dry run)" if summary.dry_run else "imported"
    table = Table(
        title=f"{file.name} ({summary.source_format}): {summary.rows} rows",
        show_lines=False,
    )
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    table.add_column("examples", overflow="fold")
    table.add_row(verb, str(summary.valid if summary.dry_run else summary.imported), "")
    if not summary.dry_run:
        table.add_row("already present", str(summary.already_present), "")
    for reason, outcome in sorted(summary.skipped.items(), key=lambda kv: -kv[1].count):
        # Text, not markup: examples are raw file content ("[1, 2]" must show as is).
        examples = Text("\n".join(outcome.examples))
        table.add_row(Text(f"skipped: {reason}"), str(outcome.count), examples)
    return table
