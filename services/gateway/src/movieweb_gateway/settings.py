"""Gateway settings (``MOVIEWEB_GATEWAY_*``): where the backends and Redis are, and the budgets."""

from __future__ import annotations

from movieweb_shared.settings import ServiceSettings, settings_config
from pydantic import Field


class GatewaySettings(ServiceSettings):
    model_config = settings_config("gateway")

    port: int = 8000
    redis_url: str | None = "redis://127.0.0.1:6379/0"
    movies_url: str = "http://127.0.0.1:8001"
    users_url: str = "http://127.0.0.1:8002"
    reviews_url: str = "http://127.0.0.1:8003"
    relations_url: str = "http://127.0.0.1:8004"

    # Browser session: the cookie is Secure unless explicitly turned off (plain-http laptops).
    cookie_secure: bool = True
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:5173", "https://movieweb.local"]
    )

    # Backend calls: a timeout on every call, pooled keep-alive connections, retry budget.
    backend_timeout_s: float = Field(default=3.0, gt=0, le=60)
    backend_connect_timeout_s: float = Field(default=1.0, gt=0, le=30)
    backend_max_connections: int = Field(default=100, ge=1, le=1000)
    # Kept for existing deployments' environment; the aiohttp pool keeps every idle connection
    # (up to ``backend_max_connections``) alive for 30 s, so it no longer caps anything.
    backend_max_keepalive: int = Field(default=50, ge=1, le=1000)
    # Retries: at most ``retry_max`` per call, and in total at most ``retry_ratio`` of calls
    # (plus a small burst): a token bucket so that retries cannot multiply an outage's load.
    retry_max: int = Field(default=1, ge=0, le=3)
    retry_ratio: float = Field(default=0.1, ge=0, le=1)
    retry_burst: float = Field(default=10.0, ge=0, le=1000)

    # Cache.
    cache_ttl_s: int = Field(default=300, ge=1, le=86400)
    negative_ttl_s: int = Field(default=10, ge=1, le=3600)
    l1_ttl_s: float = Field(default=5.0, ge=0, le=300)
    l1_max_items: int = Field(default=10_000, ge=0, le=1_000_000)
    stats_ttl_s: float = Field(default=2.0, ge=0, le=60)
    # Verified bearer/session tokens are reused this long (never past their expiry); 0 = off.
    token_cache_ttl_s: float = Field(default=30.0, ge=0, le=300)
    redis_timeout_s: float = Field(default=0.1, gt=0, le=5)
    redis_breaker_failures: int = Field(default=3, ge=1, le=100)
    redis_breaker_cooldown_s: float = Field(default=2.0, gt=0, le=300)

    # Abuse: fixed windows per client IP and per login.
    rate_window_s: int = Field(default=60, ge=1, le=3600)
    rate_login_per_ip: int = Field(default=30, ge=1)
    rate_login_per_login: int = Field(default=10, ge=1)
    rate_register_per_ip: int = Field(default=10, ge=1)
