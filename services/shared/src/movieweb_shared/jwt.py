"""Ed25519 (EdDSA) JSON Web Tokens: signing keys, the JWKS, and verification.

The users service signs short-lived tokens with its private key and publishes the public half
at ``/.well-known/jwks.json``. Every other service verifies tokens locally against that JWKS,
cached in memory and refetched when a token names an unknown ``kid`` (key rotation), at most
once every ``min_refresh_s`` so that garbage tokens cannot hammer the users service.

Only ``EdDSA`` is accepted: ``alg: none``, HMAC tricks and anything else are rejected.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt as pyjwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, Request

from .errors import Problem

log = logging.getLogger("movieweb.jwt")

ALGORITHM = "EdDSA"
MAX_TOKEN_TTL_S = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
    # RFC 7638 thumbprint as the key id: stable for a key, different for the next one.
    thumb = hashlib.sha256(orjson.dumps(jwk, option=orjson.OPT_SORT_KEYS)).digest()
    return {**jwk, "kid": _b64(thumb)[:22], "use": "sig", "alg": ALGORITHM}


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key.public_key())

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    def pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(
        self,
        subject: uuid.UUID | str,
        *,
        issuer: str,
        audience: str,
        ttl_s: int = 900,
        extra: dict[str, Any] | None = None,
    ) -> str:
        if not 0 < ttl_s <= MAX_TOKEN_TTL_S:
            raise ValueError(f"token lifetime must be 1..{MAX_TOKEN_TTL_S} s")
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(subject),
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            **(extra or {}),
        }
        return pyjwt.encode(
            claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid}
        )

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key (PEM, PKCS#8)")
        return cls(key)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Load the key (a mounted Secret), or create and persist one at first local start."""
        if path.exists():
            return cls.from_pem(path.read_bytes())
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.pem())
        log.info("generated a new signing key %s at %s", key.kid, path)
        return key


def jwks_document(*keys: SigningKey) -> dict[str, list[dict[str, str]]]:
    return {"keys": [k.jwk for k in keys]}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: ``id`` is the token's subject (a user id)."""

    id: uuid.UUID
    claims: dict[str, Any]


class JWKSVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks_file: Path | None = None,
        timeout_s: float = 3.0,
        min_refresh_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self.jwks_file = jwks_file
        self.timeout_s = timeout_s
        self.min_refresh_s = min_refresh_s
        self._client = client
        self._keys: dict[str, pyjwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self) -> dict[str, Any]:
        if self.jwks_file is not None:
            data: dict[str, Any] = orjson.loads(self.jwks_file.read_bytes())
            return data
        if self.jwks_url is None:
            raise RuntimeError("no JWKS configured")
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        resp = await self._client.get(self.jwks_url, timeout=self.timeout_s)
        resp.raise_for_status()
        data = resp.json()
        return data

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._fetched_at < self.min_refresh_s:
                return
            self._fetched_at = time.monotonic()
            try:
                doc = await self._fetch()
            except Exception as exc:
                log.warning("could not fetch the JWKS: %s", exc)
                return
            keys = {}
            for entry in doc.get("keys", []):
                try:
                    jwk = pyjwt.PyJWK(entry)
                except pyjwt.PyJWTError:
                    continue
                if entry.get("kid"):
                    keys[entry["kid"]] = jwk
            self._keys = keys

    async def key_for(self, kid: str) -> pyjwt.PyJWK | None:
        key = self._keys.get(kid)
        if key is None:
            await self.refresh()
            key = self._keys.get(kid)
        return key

    async def verify(self, token: str) -> Principal:
        try:
            header = pyjwt.get_unverified_header(token)
        except pyjwt.PyJWTError as exc:
            raise _unauthorized("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise _unauthorized(f"token algorithm must be {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise _unauthorized("token has no key id")
        key = await self.key_for(kid)
        if key is None:
            raise _unauthorized("token signed by an unknown key")
        try:
            claims = pyjwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=5,
            )
        except pyjwt.ExpiredSignatureError as exc:
            raise _unauthorized("token expired") from exc
        except pyjwt.PyJWTError as exc:
            raise _unauthorized(f"invalid token: {exc}") from exc
        if claims["exp"] - claims["iat"] > MAX_TOKEN_TTL_S + 5:
            raise _unauthorized("token lifetime too long")
        try:
            subject = uuid.UUID(claims["sub"])
        except (ValueError, TypeError) as exc:
            raise _unauthorized("token subject is not a user id") from exc
        return Principal(id=subject, claims=claims)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "Authorization header must be 'Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


async def require_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, from ``Authorization: Bearer``; 401 without one."""
    token = bearer_token(request)
    if token is None:
        raise Problem(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    verifier: JWKSVerifier = request.app.state.verifier
    return await verifier.verify(token)


async def optional_principal(request: Request) -> Principal | None:
    token = bearer_token(request)
    if token is None:
        return None
    verifier: JWKSVerifier = request.app.state.verifier
    return await verifier.verify(token)


CurrentUser = Annotated[Principal, Depends(require_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
