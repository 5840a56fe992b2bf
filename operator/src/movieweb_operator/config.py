"""Operator settings from the environment (prefix ``MOVIEWEB_OPERATOR_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where a service pod finds the password of shard ``<shardset>-<i>``:
# ``<secrets_dir>/<shardset>-<i>/password``. The chart mounts each shard's Secret
# ``<shardset>-<i>-app`` (key ``password``) there through one projected volume.
DEFAULT_SECRETS_DIR = "/var/run/secrets/movieweb/db"


class OperatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEWEB_OPERATOR_", extra="ignore")

    # How often every ShardSet is reconciled even without a change (repairs drift: a deleted
    # child comes back, an edited one is put right).
    reconcile_interval_s: float = Field(default=30.0, gt=0)
    # Prometheus metrics; port 0 turns the endpoint off.
    metrics_host: str = "0.0.0.0"
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    secrets_dir: str = DEFAULT_SECRETS_DIR
    # kopf peering: every replica needs a distinct priority, or all replicas pause (kopf freezes
    # peers of equal priority). None draws a random one at start-up.
    peering_priority: int | None = None
    log_level: str = "INFO"
