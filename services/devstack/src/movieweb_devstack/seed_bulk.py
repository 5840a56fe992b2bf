"""Bulk volume for benchmarks: rows written straight into each service's shard databases with
Postgres COPY (``asyncpg.copy_records_to_table``), grouped by shard with the services' own
shard maps and slot hash.

Only the laptop stack may do this (it owns the databases); the rows are exactly what the
services would write, derived columns included (the movies service's own ``row_values``, the
users service's claim keys and argon2id hasher). Every bulk user shares one argon2id hash of
``synth.DEMO_PASSWORD``: hashing 100 000 passwords would take hours by design, and one hash
still lets anyone log in as any bulk user (logins ``bulk<seed>_<n>``).

Speed: each table is loaded in one transaction per shard that drops its secondary indexes,
COPYs, and recreates them (one sort per index instead of a million index insertions); DDL is
transactional in Postgres, so a failure leaves the table as it was. Movie statistics are then
computed in one ``INSERT … SELECT … GROUP BY`` per shard. Popularity is Zipf-like: a few movies
get most reviews, a few users most followers.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from movieweb_shared.embedded import asyncpg_dsn, start_postgres
from movieweb_shared.sharding import ShardMap, slot_of
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Table

from . import synth
from .layout import Layout
from .posters import write_poster

CHUNK = 20_000
# Skew of the Zipf-like popularity: with s = 0.8 the most reviewed of 10 000 movies gets ~4 %
# of all reviews and the most followed of 100 000 users ~2 % of all follows (s ≥ 1 would ask
# for more distinct reviewers than there are users).
ZIPF_S = 0.8
HISTORY_DAYS = 730


class NotEmpty(RuntimeError):
    """The tables already hold rows (and --force was not given)."""


class NoStack(RuntimeError):
    """The data directory has no shard maps: ``movieweb up`` never ran there."""


@dataclass(frozen=True)
class BulkVolume(synth.Volume):
    movies: int = 10_000
    users: int = 100_000
    reviews: int = 1_000_000
    follows: int = 1_000_000


def bulk_login(seed: int, index: int) -> str:
    return f"bulk{seed}_{index}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class ShardWriter:
    """COPY of one service's rows, grouped by the shard that owns each row's key."""

    def __init__(self, service: str, shard_map: ShardMap) -> None:
        self.service = service
        self.map = shard_map
        self.dsns = [asyncpg_dsn(spec.url()) for spec in shard_map.shards]
        self._owner = shard_map._owner

    def shard_of(self, key: uuid.UUID | str) -> int:
        return self._owner[slot_of(key, self.map.slots)]

    async def row_counts(self, tables: Sequence[Table]) -> dict[str, int]:
        totals = dict.fromkeys((t.name for t in tables), 0)
        for dsn in self.dsns:
            conn = await asyncpg.connect(dsn)
            try:
                for table in tables:
                    # EXISTS-style probe: we only need "empty or not", cheaply.
                    # The name is one of our own Table objects, never input.
                    found = await conn.fetchval(
                        f'SELECT count(*) FROM (SELECT 1 FROM "{table.name}" LIMIT 1) t'  # noqa: S608
                    )
                    totals[table.name] += int(found)
            finally:
                await conn.close()
        return totals

    async def load(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        key_of: Callable[[tuple[Any, ...]], uuid.UUID | str],
        advance: Callable[[int], None],
    ) -> None:
        groups: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            groups.setdefault(self.shard_of(key_of(row)), []).append(row)
        await asyncio.gather(
            *(self._load_shard(i, table, columns, group, advance) for i, group in groups.items())
        )

    async def _load_shard(
        self,
        index: int,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        advance: Callable[[int], None],
    ) -> None:
        conn = await asyncpg.connect(self.dsns[index], timeout=30)
        try:
            async with conn.transaction():
                # Secondary indexes (not those backing a primary key or unique constraint) are
                # dropped and rebuilt: one sort each beats a million incremental insertions.
                deferred = await conn.fetch(
                    """
                    SELECT i.indexname, i.indexdef FROM pg_indexes i
                    WHERE i.schemaname = 'public' AND i.tablename = $1
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                      WHERE c.conindid = to_regclass(quote_ident(i.indexname)))
                    """,
                    table.name,
                )
                for record in deferred:
                    await conn.execute(f'DROP INDEX "{record["indexname"]}"')
                for start in range(0, len(rows), CHUNK):
                    chunk = rows[start : start + CHUNK]
                    await conn.copy_records_to_table(
                        table.name, records=chunk, columns=list(columns)
                    )
                    advance(len(chunk))
                await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for record in deferred:
                    await conn.execute(record["indexdef"])
            await conn.execute(f'ANALYZE "{table.name}"')
        finally:
            await conn.close()


def _times(
    rng: random.Random, now: datetime, count: int, after: Sequence[datetime] | None = None
) -> Iterator[datetime]:
    for i in range(count):
        start = after[i] if after is not None else now - timedelta(days=HISTORY_DAYS)
        span = (now - start).total_seconds()
        yield start + timedelta(seconds=rng.random() * span)


# Built from constants only (the ten histogram buckets r1..r10).
_BUCKETS = [f"r{n}" for n in range(1, 11)]
STATS_SQL = " ".join(
    [
        "INSERT INTO movie_stats (movie_id, count, sum,",
        ", ".join(_BUCKETS),
        ", updated_at) SELECT movie_id, count(*), sum(rating),",
        ", ".join(f"count(*) FILTER (WHERE rating = {n})" for n in range(1, 11)),
        ", now() FROM reviews GROUP BY movie_id ON CONFLICT (movie_id) DO UPDATE SET",
        "count = EXCLUDED.count, sum = EXCLUDED.sum,",
        ", ".join(f"{b} = EXCLUDED.{b}" for b in _BUCKETS),
        ", updated_at = EXCLUDED.updated_at",
    ]
)


async def seed_bulk(
    layout: Layout, volume: BulkVolume, *, force: bool = False, console: Console | None = None
) -> None:
    from movieweb_movies.catalog import row_values
    from movieweb_movies.models import movies as movies_table
    from movieweb_movies.schemas import MovieCreate
    from movieweb_relations.models import follows as follows_table
    from movieweb_reviews.models import movie_stats
    from movieweb_reviews.models import reviews as reviews_table
    from movieweb_users.models import email_claims, login_claims
    from movieweb_users.models import users as users_table
    from movieweb_users.passwords import Passwords
    from movieweb_users.registration import email_key
    from movieweb_users.settings import UsersSettings

    console = console or Console(highlight=False)
    missing = [
        s
        for s in ("movies", "users", "reviews", "relations")
        if not layout.shard_map_file(s).exists()
    ]
    if missing:
        raise NoStack(f"no shard maps in {layout.data_dir}: run `movieweb up` there first")
    # Attach to the stack's Postgres (or start it for the duration of the load).
    pg = await asyncio.to_thread(start_postgres, layout.postgres_dir)
    try:
        writers = {
            s: ShardWriter(s, ShardMap.load(layout.shard_map_file(s)))
            for s in ("movies", "users", "reviews", "relations")
        }
        tables = {
            "users": [users_table, login_claims, email_claims],
            "movies": [movies_table],
            "reviews": [reviews_table, movie_stats],
            "relations": [follows_table],
        }
        if not force:
            for service, service_tables in tables.items():
                counts = await writers[service].row_counts(service_tables)
                full = [name for name, n in counts.items() if n]
                if full:
                    raise NotEmpty(
                        f"{service}: table(s) {', '.join(full)} already hold rows; "
                        "pass --force to load anyway (use another --random-seed to avoid "
                        "colliding with an earlier bulk load)"
                    )

        rng = random.Random(volume.random_seed)
        now = datetime.now(UTC)
        settings = UsersSettings()
        passwords = Passwords(settings)
        password_hash = await passwords.hash(synth.DEMO_PASSWORD)
        passwords.close()

        progress = Progress(
            TextColumn("[bold]{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        with progress:
            # -- users (and their login/email claims, on the shards of the names) ----------
            task = progress.add_task("users", total=volume.users * 3)
            user_ids = [_uuid(rng) for _ in range(volume.users)]
            user_created = list(_times(rng, now - timedelta(days=30), volume.users))
            names = [synth.person(rng) for _ in range(volume.users)]
            user_rows = []
            login_rows = []
            email_rows = []
            for i, (uid, created) in enumerate(zip(user_ids, user_created, strict=True)):
                login = bulk_login(volume.random_seed, i)
                email = f"{login}@example.com"
                user_rows.append(
                    (uid, login, email, names[i], None, password_hash, created, created)
                )
                login_rows.append((login, uid, created))
                email_rows.append((email_key(email), uid, created))
            advance = _advancer(progress, task)
            users_w = writers["users"]
            await users_w.load(
                users_table,
                [
                    "id",
                    "login",
                    "email",
                    "name",
                    "avatar_url",
                    "password_hash",
                    "created_at",
                    "updated_at",
                ],
                user_rows,
                lambda r: r[0],
                advance,
            )
            await users_w.load(
                login_claims,
                ["login", "user_id", "created_at"],
                login_rows,
                lambda r: r[0],
                advance,
            )
            await users_w.load(
                email_claims,
                ["email", "user_id", "created_at"],
                email_rows,
                lambda r: r[0],
                advance,
            )
            del user_rows, login_rows, email_rows

            # -- movies, each with its poster drawn locally ------------------------------
            task = progress.add_task("movies", total=volume.movies)
            drafts = synth.movies(rng, volume.movies)
            movie_ids = [_uuid(rng) for _ in drafts]
            movie_created = list(_times(rng, now - timedelta(days=30), len(drafts)))
            columns = [
                "id",
                "slug",
                "title",
                "title_sort",
                "year",
                "director",
                "director_fold",
                "country",
                "country_fold",
                "category",
                "category_fold",
                "poster_url",
                "background_url",
                "search_text",
                "created_by",
                "created_at",
                "updated_at",
            ]
            movie_rows = []
            for draft, mid, created in zip(drafts, movie_ids, movie_created, strict=True):
                data = MovieCreate(
                    title=draft.title,
                    year=draft.year,
                    director=draft.director,
                    country=draft.country,
                    category=draft.category,
                    poster_url=f"{layout.posters_url}/{mid}.svg",
                )
                values = {
                    **row_values(
                        mid, data, user_ids[rng.randrange(len(user_ids))] if user_ids else None
                    ),
                    "created_at": created,
                    "updated_at": created,
                }
                movie_rows.append(tuple(values[c] for c in columns))
            await asyncio.to_thread(_write_posters, layout, drafts, movie_ids)
            await writers["movies"].load(
                movies_table,
                columns,
                movie_rows,
                lambda r: r[0],
                _advancer(progress, task),
            )
            del movie_rows

            # -- reviews: Zipf-skewed over movies, then the stats in bulk -----------------
            pairs = (
                synth.distinct_pairs(
                    rng, volume.reviews, len(user_ids), synth.Zipf(rng, len(movie_ids), ZIPF_S)
                )
                if user_ids and movie_ids
                else []
            )
            task = progress.add_task("reviews", total=len(pairs))
            after = [max(user_created[u], movie_created[m]) for u, m in pairs]
            review_rows = []
            for (u, m), created in zip(pairs, _times(rng, now, len(pairs), after), strict=True):
                review_rows.append(
                    (
                        _uuid(rng),
                        movie_ids[m],
                        user_ids[u],
                        synth.rating(rng, drafts[m].quality),
                        synth.comment(rng),
                        created,
                        created,
                    )
                )
            reviews_loaded = len(review_rows)
            del pairs, after
            await writers["reviews"].load(
                reviews_table,
                ["id", "movie_id", "user_id", "rating", "comment", "created_at", "updated_at"],
                review_rows,
                lambda r: r[1],
                _advancer(progress, task),
            )
            del review_rows
            task = progress.add_task("movie stats", total=len(writers["reviews"].dsns))
            for dsn in writers["reviews"].dsns:
                conn = await asyncpg.connect(dsn, timeout=30)
                try:
                    await conn.execute(STATS_SQL)
                    await conn.execute("ANALYZE movie_stats")
                finally:
                    await conn.close()
                progress.advance(task)

            # -- follows: Zipf-skewed over followees -------------------------------------
            edges = (
                synth.distinct_pairs(
                    rng,
                    volume.follows,
                    len(user_ids),
                    synth.Zipf(rng, len(user_ids), ZIPF_S),
                    forbid_same=True,
                )
                if len(user_ids) > 1
                else []
            )
            task = progress.add_task("follows", total=len(edges))
            after = [max(user_created[a], user_created[b]) for a, b in edges]
            follow_rows = [
                (user_ids[a], user_ids[b], created)
                for (a, b), created in zip(edges, _times(rng, now, len(edges), after), strict=True)
            ]
            del edges, after
            await writers["relations"].load(
                follows_table,
                ["follower_id", "followee_id", "created_at"],
                follow_rows,
                lambda r: r[0],
                _advancer(progress, task),
            )
            follows_loaded = len(follow_rows)
            del follow_rows
        console.print(
            f"[green]bulk-loaded {volume.users} users, {volume.movies} movies, "
            f"{reviews_loaded} reviews, "
            f"{follows_loaded} follows[/green]; log in as {bulk_login(volume.random_seed, 0)} … "
            f"{bulk_login(volume.random_seed, max(volume.users - 1, 0))} with password "
            f"{synth.DEMO_PASSWORD!r}"
        )
    finally:
        await asyncio.to_thread(pg.stop)


def _advancer(progress: Progress, task: TaskID) -> Callable[[int], None]:
    def advance(n: int) -> None:
        progress.advance(task, n)

    return advance


def _write_posters(
    layout: Layout, drafts: Sequence[synth.MovieDraft], ids: Sequence[uuid.UUID]
) -> None:
    for draft, mid in zip(drafts, ids, strict=True):
        write_poster(layout.posters_dir, str(mid), draft.title, draft.year)
