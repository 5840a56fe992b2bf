"""Fixed-window rate limits in Redis (one atomic Lua call per request for all its rules).

Rules count per client IP and per login (hashed, so Redis holds no logins). When Redis is
unavailable the check fails open — the request goes through, with a log line (from the
store) and ``movieweb_rate_limit_fail_open_total{rule}``: the limits are a brake on abuse,
and refusing every log-in because a cache is down would turn a Redis outage into a site
outage; the users service still pays its full password-hashing cost per attempt, which
bounds what an attacker gains in that window.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from movieweb_shared.errors import Problem

from .metrics import GatewayMetrics
from .redis_store import RedisStore

log = logging.getLogger("movieweb.gateway.ratelimit")

# For each key: INCR, start the window on the first hit (or if a TTL was lost), return
# [count, seconds left] pairs. One round trip, atomic, so concurrent requests cannot race.
_LUA = """
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out
"""


@dataclass(frozen=True)
class Rule:
    name: str  # e.g. "log-in:ip"
    subject: str  # the IP or the login
    limit: int


class RateLimiter:
    def __init__(self, store: RedisStore, metrics: GatewayMetrics, window_s: int) -> None:
        self.store = store
        self.metrics = metrics
        self.window_s = window_s
        self.script = store.client.register_script(_LUA) if store.client is not None else None

    @staticmethod
    def key(rule: Rule) -> str:
        digest = hashlib.sha256(rule.subject.encode()).hexdigest()[:32]
        return f"rl:{rule.name}:{digest}"

    async def check(self, *rules: Rule) -> None:
        """Count this request against every rule; 429 with Retry-After when one is exceeded."""
        result = None
        if self.script is not None:
            result = await self.store.eval(
                "ratelimit", self.script, [self.key(r) for r in rules], [self.window_s]
            )
        if not isinstance(result, list) or len(result) != 2 * len(rules):
            for rule in rules:
                self.metrics.rate_limit_fail_open.labels(rule.name).inc()
            return
        retry_after = 0
        refused: list[str] = []
        for i, rule in enumerate(rules):
            count, ttl = int(result[2 * i]), int(result[2 * i + 1])
            if count > rule.limit:
                refused.append(rule.name)
                retry_after = max(retry_after, ttl, 1)
        if refused:
            for name in refused:
                self.metrics.rate_limited.labels(name).inc()
            raise Problem(
                429,
                f"too many attempts ({', '.join(refused)}); retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
