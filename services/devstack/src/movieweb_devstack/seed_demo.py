"""Demo data through the running stack's public API (the gateway), so that seeding exercises the
real code paths: registration (argon2), log-in (JWT), movie creation (validation, slugs), reviews
(stats in the same transaction) and follows.

Each synthetic user comes from an address of its own (``X-Forwarded-For``, which the gateway
honours from loopback), as real users would: the per-IP rate limits on register and log-in stay
switched on and are not tripped by a seeder that is one process. Deterministic: the same seed
gives the same users, titles, ratings and edges (the ids are the services' own).

Re-running is safe for users (an existing login is logged in), reviews (one per user and movie,
updated) and follows (idempotent PUT); movies are created again with new slugs.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import synth
from .layout import Layout
from .posters import write_poster

T = TypeVar("T")
POSTER_NAMESPACE = uuid.UUID("6b1f0a52-3f7e-4f0e-9d1c-6d6f7669657a")
MAX_RETRIES = 5


@dataclass(frozen=True)
class DemoVolume(synth.Volume):
    movies: int = 200
    users: int = 50
    reviews: int = 2000
    follows: int = 300
    concurrency: int = 8


class SeedError(RuntimeError):
    pass


@dataclass
class SeedResult:
    users: list[dict[str, Any]]
    movies: list[dict[str, Any]]
    reviews: int
    follows: int


def client_ip(index: int) -> str:
    return f"10.77.{(index >> 8) & 255}.{index & 255}"


class _Api:
    """The few public API calls the seeder makes, with retries on 429/503."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        ok: Sequence[int],
        ip: str,
        token: str | None = None,
        json: Any = None,
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": ip}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(MAX_RETRIES + 1):
            response = await self.client.request(method, path, json=json, headers=headers)
            if response.status_code in ok:
                return response
            if response.status_code in (429, 503) and attempt < MAX_RETRIES:
                retry_after = response.headers.get("retry-after", "")
                delay = float(retry_after) if retry_after.isdigit() else 0.5 * 2**attempt
                await asyncio.sleep(min(delay, 30.0))
                continue
            raise SeedError(
                f"{method} {path} answered {response.status_code}: {response.text[:500]}"
            )
        raise AssertionError("unreachable")


async def _bounded(
    items: Sequence[T],
    work: Callable[[int, T], Awaitable[Any]],
    concurrency: int,
    advance: Callable[[], None],
) -> list[Any]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(index: int, item: T) -> Any:
        async with semaphore:
            result = await work(index, item)
            advance()
            return result

    return list(await asyncio.gather(*(one(i, item) for i, item in enumerate(items))))


async def seed_demo(
    gateway_url: str,
    layout: Layout,
    volume: DemoVolume,
    *,
    console: Console | None = None,
) -> SeedResult:
    rng = random.Random(volume.random_seed)
    user_drafts = synth.users(rng, volume.users)
    movie_drafts = synth.movies(rng, volume.movies)
    console = console or Console(highlight=False)

    progress = Progress(
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    limits = httpx.Limits(max_connections=volume.concurrency * 2)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30.0, limits=limits) as client:
        api = _Api(client)
        with progress:
            # -- users: register (or find), then authorize as an API client ---------------
            task = progress.add_task("users", total=len(user_drafts))

            async def add_user(i: int, draft: synth.UserDraft) -> tuple[dict[str, Any], str]:
                ip = client_ip(i)
                body = {
                    "login": draft.login,
                    "email": draft.email,
                    "password": synth.DEMO_PASSWORD,
                    "name": draft.name,
                }
                await api.call("POST", "/v1/auth/register", ok=(201, 409), ip=ip, json=body)
                token = await api.call(
                    "POST",
                    "/v1/auth/authorize",
                    ok=(200,),
                    ip=ip,
                    json={"login": draft.login, "password": synth.DEMO_PASSWORD},
                )
                data = token.json()
                return data["user"], data["access_token"]

            accounts = await _bounded(
                user_drafts, add_user, volume.concurrency, lambda: progress.advance(task)
            )
            if not accounts and (volume.movies or volume.reviews or volume.follows):
                raise SeedError("movies, reviews and follows need at least one user")

            # -- movies, created by random users, with a locally drawn poster -------------
            task = progress.add_task("movies", total=len(movie_drafts))
            creators = [rng.randrange(len(accounts)) for _ in movie_drafts] if accounts else []

            async def add_movie(i: int, draft: synth.MovieDraft) -> dict[str, Any]:
                key = uuid.uuid5(POSTER_NAMESPACE, f"{volume.random_seed}:{i}:{draft.title}")
                await asyncio.to_thread(
                    write_poster, layout.posters_dir, str(key), draft.title, draft.year
                )
                body = {
                    "title": draft.title,
                    "year": draft.year,
                    "director": draft.director,
                    "country": draft.country,
                    "category": draft.category,
                    "poster_url": f"{layout.posters_url}/{key}.svg",
                }
                creator = creators[i]
                response = await api.call(
                    "POST",
                    "/v1/movies",
                    ok=(201,),
                    ip=client_ip(creator),
                    token=accounts[creator][1],
                    json=body,
                )
                movie: dict[str, Any] = response.json()
                return movie

            created_movies = await _bounded(
                movie_drafts, add_movie, volume.concurrency, lambda: progress.advance(task)
            )

            # -- reviews: popular movies get most of them ---------------------------------
            pairs = (
                synth.distinct_pairs(
                    rng, volume.reviews, len(accounts), synth.Zipf(rng, len(created_movies))
                )
                if accounts and created_movies
                else []
            )
            ratings = [
                (synth.rating(rng, movie_drafts[m].quality), synth.comment(rng)) for _, m in pairs
            ]
            task = progress.add_task("reviews", total=len(pairs))

            async def add_review(i: int, pair: tuple[int, int]) -> None:
                user, movie = pair
                rating, text = ratings[i]
                body = {"movie_id": created_movies[movie]["id"], "rating": rating, "comment": text}
                await api.call(
                    "POST",
                    "/v1/reviews",
                    ok=(200, 201),
                    ip=client_ip(user),
                    token=accounts[user][1],
                    json=body,
                )

            await _bounded(pairs, add_review, volume.concurrency, lambda: progress.advance(task))

            # -- follows: a few users are followed by many --------------------------------
            edges = (
                synth.distinct_pairs(
                    rng,
                    volume.follows,
                    len(accounts),
                    synth.Zipf(rng, len(accounts)),
                    forbid_same=True,
                )
                if len(accounts) > 1
                else []
            )
            task = progress.add_task("follows", total=len(edges))

            async def add_follow(_: int, edge: tuple[int, int]) -> None:
                follower, followee = edge
                path = (
                    f"/v1/users/{accounts[followee][0]['id']}"
                    f"/followers/{accounts[follower][0]['id']}"
                )
                await api.call(
                    "PUT",
                    path,
                    ok=(200, 201, 204),
                    ip=client_ip(follower),
                    token=accounts[follower][1],
                )

            await _bounded(edges, add_follow, volume.concurrency, lambda: progress.advance(task))

    console.print(
        f"[green]seeded {len(accounts)} users, {len(created_movies)} movies, {len(pairs)} reviews, "
        f"{len(edges)} follows[/green] (every demo user's password: {synth.DEMO_PASSWORD!r})"
    )
    return SeedResult(
        users=[a[0] for a in accounts],
        movies=created_movies,
        reviews=len(pairs),
        follows=len(edges),
    )
