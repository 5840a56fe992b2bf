"""Service-level behaviour: readiness over every shard, and settings that refuse to be unsafe."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from movieweb_users.settings import UsersSettings


async def test_readiness_checks_every_shard(api: Any, deployment: Any) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert sorted(checks) == [f"db:{s.name}" for s in deployment.shard_map.shards]
    assert all(checks.values())


def test_defaults_are_safe() -> None:
    settings = UsersSettings(database_url="postgresql://unused/x")
    assert settings.token_ttl_s == 900
    assert (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism) == (
        2,
        19 * 1024,
        1,
    )


@pytest.mark.parametrize(
    "values",
    [
        {"token_ttl_s": 3601},  # tokens live at most an hour
        {"token_ttl_s": 0},
        {"argon2_memory_kib": 1024},  # below any sane argon2id cost
        # A registration must finish well before its claims may be taken over as orphans.
        {"registration_deadline_s": 55, "orphan_claim_after_s": 60},
    ],
)
def test_unsafe_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        UsersSettings(database_url="postgresql://unused/x", **values)
