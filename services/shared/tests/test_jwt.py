"""Token verification against a JWKS served over real HTTP, including key rotation."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import orjson
import pytest
from movieweb_shared.errors import Problem
from movieweb_shared.jwt import JWKSVerifier, SigningKey, jwks_document
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class JwksHost:
    def __init__(self) -> None:
        self.keys: list[SigningKey] = []
        self.fetches = 0

        async def jwks(request: Request) -> JSONResponse:
            self.fetches += 1
            return JSONResponse(jwks_document(*self.keys))

        self.app = Starlette(routes=[Route("/jwks.json", jwks)])


@pytest.fixture
def host(serve: Callable[[Any], str]) -> tuple[JwksHost, str]:
    h = JwksHost()
    h.keys.append(SigningKey.generate())
    return h, serve(h.app) + "/jwks.json"


def _verifier(url: str, **kw: Any) -> JWKSVerifier:
    return JWKSVerifier(issuer="movieweb-users", audience="movieweb", jwks_url=url, **kw)


def _sign(key: SigningKey, **kw: Any) -> str:
    return key.sign(uuid.uuid4(), issuer="movieweb-users", audience="movieweb", **kw)


async def _rejects(verifier: JWKSVerifier, token: str, needle: str) -> None:
    with pytest.raises(Problem) as err:
        await verifier.verify(token)
    assert err.value.status == 401 and needle in (err.value.detail or "")


async def test_valid_token_and_cached_keys(host: tuple[JwksHost, str]) -> None:
    h, url = host
    v = _verifier(url)
    key = h.keys[0]
    sub = uuid.uuid4()
    p = await v.verify(key.sign(sub, issuer="movieweb-users", audience="movieweb"))
    assert p.id == sub and p.claims["iss"] == "movieweb-users"
    for _ in range(5):
        await v.verify(_sign(key))
    assert h.fetches == 1  # the JWKS is cached
    await v.aclose()


async def test_rotation_refetches_on_unknown_kid_but_rate_limited(
    host: tuple[JwksHost, str],
) -> None:
    h, url = host
    v = _verifier(url, min_refresh_s=0.0)
    await v.verify(_sign(h.keys[0]))
    new = SigningKey.generate()
    h.keys.append(new)
    await v.verify(_sign(new))  # unknown kid → one refetch finds it
    assert h.fetches == 2
    v.min_refresh_s = 60
    for _ in range(3):
        await _rejects(v, _sign(SigningKey.generate()), "unknown key")
    assert h.fetches == 2  # garbage kids within the refresh interval do not hammer the host
    await v.aclose()


async def test_rejects_expired_wrong_audience_alg_none_and_hmac(host: tuple[JwksHost, str]) -> None:
    h, url = host
    v = _verifier(url)
    key = h.keys[0]
    now = int(time.time())
    expired = pyjwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "iss": "movieweb-users",
            "aud": "movieweb",
            "iat": now - 4000,
            "exp": now - 400,
        },
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid},
    )
    await _rejects(v, expired, "expired")
    await _rejects(v, key.sign(uuid.uuid4(), issuer="x", audience="movieweb"), "invalid token")
    await _rejects(
        v, key.sign(uuid.uuid4(), issuer="movieweb-users", audience="x"), "invalid token"
    )
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": "movieweb-users",
        "aud": "movieweb",
        "iat": now,
        "exp": now + 60,
    }

    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")

    none_token = f"{b64({'alg': 'none', 'kid': key.kid})}.{b64(claims)}."
    await _rejects(v, none_token, "algorithm")
    # HS256 "signed" with the public key bytes: the classic key-confusion attack.
    hmac_token = pyjwt.encode(
        claims, key.jwk["x"].encode() * 2, algorithm="HS256", headers={"kid": key.kid}
    )
    await _rejects(v, hmac_token, "algorithm")
    await _rejects(v, "not.a.token", "malformed")
    with pytest.raises(ValueError, match="lifetime"):
        key.sign(uuid.uuid4(), issuer="i", audience="a", ttl_s=7200)
    await v.aclose()


async def test_jwks_host_down_rejects_without_crashing() -> None:
    v = _verifier("http://127.0.0.1:9/jwks.json", timeout_s=0.5)
    await _rejects(v, _sign(SigningKey.generate()), "unknown key")
    await v.aclose()


def test_signing_key_persists(tmp_path: Any) -> None:
    path = tmp_path / "keys" / "signing.pem"
    first = SigningKey.load_or_create(path)
    again = SigningKey.load_or_create(path)
    assert first.kid == again.kid
    assert oct(path.stat().st_mode & 0o777) == "0o600"
