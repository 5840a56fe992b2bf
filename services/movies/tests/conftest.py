"""Fixtures: the real movies app on real Postgres (1 and 2 shards), spoken to over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from movieweb_shared.testing import PostgresForTests

from .helpers import USER_ID, LiveMovies, live_movies


@pytest.fixture(scope="module", params=[1, 2], ids=["1shard", "2shards"])
def movies(
    request: pytest.FixtureRequest,
    postgres: PostgresForTests,
    jwks_file: Path,
    mint_token: Callable[..., str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveMovies]:
    """One app per module and shard count; tests keep to their own rows (unique markers)."""
    directory = tmp_path_factory.mktemp("movies")
    token = mint_token(USER_ID, ttl_s=3600)
    with live_movies(postgres, request.param, directory, jwks_file, token) as live:
        yield live


@pytest.fixture
def fresh_movies(
    postgres: PostgresForTests,
    jwks_file: Path,
    mint_token: Callable[..., str],
    tmp_path: Path,
) -> Iterator[Callable[[int], LiveMovies]]:
    """A factory of apps on fresh, empty databases (for tests that need to see every row)."""
    with ExitStack() as stack:

        def start(shards: int) -> LiveMovies:
            directory = tmp_path / f"app{len(stack._exit_callbacks)}"
            directory.mkdir()
            token = mint_token(USER_ID)
            return stack.enter_context(live_movies(postgres, shards, directory, jwks_file, token))

        yield start
