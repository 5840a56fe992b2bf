"""Settings read from the environment, one prefix per service (``MOVIEWEB_<SERVICE>_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``model_config`` with their own prefix."""

    model_config = SettingsConfigDict(env_prefix="MOVIEWEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # One shard: a DSN. Several shards: a shard map file (see ``sharding.ShardMap``).
    database_url: str | None = None
    shard_map_file: Path | None = None
    migrate_on_start: bool = False
    # How often to look for a new version of SHARD_MAP_FILE (0 turns live reload off).
    shard_map_poll_s: float = Field(default=2.0, ge=0)

    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_connect_timeout_s: float = Field(default=5.0, gt=0)
    db_statement_timeout_s: float = Field(default=10.0, gt=0)
    db_pool_timeout_s: float = Field(default=5.0, gt=0)
    # Off by default: with asyncpg a pre-ping is BEGIN + SELECT 1 + ROLLBACK on every checkout
    # (~40% of a simple read's database CPU, measured). Without it, a connection broken by a
    # database restart fails one request with a 503, and SQLAlchemy then invalidates the whole
    # pool so the next requests reconnect.
    db_pool_pre_ping: bool = False

    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True

    # Token verification (every service): the users service publishes the JWKS.
    jwks_url: str | None = "http://127.0.0.1:8002/.well-known/jwks.json"
    jwks_file: Path | None = None
    jwt_issuer: str = "movieweb-users"
    jwt_audience: str = "movieweb"
    http_timeout_s: float = Field(default=3.0, gt=0)


def settings_config(service: str) -> SettingsConfigDict:
    """The model_config for a service's settings class: ``MOVIEWEB_<SERVICE>_`` prefix."""
    return SettingsConfigDict(env_prefix=f"MOVIEWEB_{service.upper()}_", extra="ignore")
