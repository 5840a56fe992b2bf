"""Importing catalogue rows: validate like the API, give stable ids, insert in batches.

Ids are ``uuid5`` in a fixed namespace, over ``movielens:<movieId>`` for MovieLens rows and over
the folded title and the year for JSON rows, so the same source row always gets the same id:
importing a file twice inserts nothing the second time (``ON CONFLICT DO NOTHING``), and the
summary counts those rows as already present.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from movieweb_shared.db import ShardedDatabase
from movieweb_shared.text import fold
from pydantic import ValidationError

from .catalog import insert_new_movies, row_values
from .import_sources import SourceRow
from .schemas import MovieCreate

# Fixed forever: changing it would give every imported movie a new id on the next import.
IMPORT_NAMESPACE = uuid.UUID("5b2c7f0e-4d1a-5e8b-9c3f-6a7d8e9f0a1b")
BATCH_SIZE = 500
MAX_EXAMPLES = 3


@dataclass
class Outcome:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)


@dataclass
class ImportSummary:
    source_format: str
    dry_run: bool = False
    rows: int = 0
    valid: int = 0
    imported: int = 0
    already_present: int = 0
    skipped: dict[str, Outcome] = field(default_factory=dict)

    def skip(self, reason: str, example: str) -> None:
        self.skipped.setdefault(reason, Outcome()).add(example)

    @property
    def skipped_count(self) -> int:
        return sum(o.count for o in self.skipped.values())


def movie_id(row: SourceRow, movie: MovieCreate) -> uuid.UUID:
    key = row.source_key or f"title-year:{fold(movie.title)}:{movie.year}"
    return uuid.uuid5(IMPORT_NAMESPACE, key)


def _validation_reason(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "row"
    return f"invalid {name}", str(first["msg"]).removeprefix("Value error, ")


class Importer:
    """Validates rows chunk by chunk and (unless a dry run) inserts the valid ones."""

    def __init__(self, db: ShardedDatabase | None, summary: ImportSummary) -> None:
        self.db = db
        self.summary = summary
        self._seen: set[uuid.UUID] = set()

    def validate(self, rows: Sequence[SourceRow]) -> list[dict[str, Any]]:
        """Full table rows of the valid, not yet seen rows; every other row is counted skipped."""
        out: list[dict[str, Any]] = []
        for row in rows:
            self.summary.rows += 1
            example = f"row {row.number}: {row.raw}"
            if row.problem is not None:
                self.summary.skip(row.problem, example)
                continue
            try:
                movie = MovieCreate.model_validate(row.fields)
            except ValidationError as exc:
                reason, message = _validation_reason(exc)
                self.summary.skip(reason, f"{example} ({message})")
                continue
            mid = movie_id(row, movie)
            if mid in self._seen:
                self.summary.skip("duplicate in file", example)
                continue
            self._seen.add(mid)
            out.append(row_values(mid, movie, created_by=None))
        self.summary.valid += len(out)
        return out

    async def run(
        self, rows: Sequence[SourceRow], advance: Callable[[int], None] | None = None
    ) -> ImportSummary:
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            values = self.validate(chunk)
            if values and self.db is not None and not self.summary.dry_run:
                inserted = await insert_new_movies(self.db, values)
                self.summary.imported += inserted
                self.summary.already_present += len(values) - inserted
            if advance is not None:
                advance(len(chunk))
        return self.summary
