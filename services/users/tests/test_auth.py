"""Log-in, the tokens it issues, the JWKS that verifies them, and ``/users/me``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import time
import uuid
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from movieweb_shared.jwt import SigningKey


async def _served_jwks(api: Any) -> dict[str, Any]:
    response = await api.http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age=" in response.headers["cache-control"]
    assert "public" in response.headers["cache-control"]
    return response.json()


def _signing_key(deployment: Any) -> SigningKey:
    return SigningKey.from_pem(deployment.settings.signing_key_file.read_bytes())


async def test_log_in_token_verifies_against_the_served_jwks(api: Any, deployment: Any) -> None:
    user = await api.register()
    before = int(time.time())
    response = await api.http.post(
        "/auth/token", json={"login": user["login"], "password": user["password"]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == deployment.settings.token_ttl_s == 900
    assert body["user"] == {k: user[k] for k in ("id", "login", "name", "avatar_url", "created_at")}

    token = body["access_token"]
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    jwks = await _served_jwks(api)
    by_kid = {k["kid"]: k for k in jwks["keys"]}
    assert header["kid"] in by_kid
    claims = pyjwt.decode(
        token,
        pyjwt.PyJWK(by_kid[header["kid"]]).key,
        algorithms=["EdDSA"],
        audience="movieweb",
        issuer="movieweb-users",
    )
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] <= 3600
    assert before + 900 - 5 <= claims["exp"] <= int(time.time()) + 900 + 5


async def test_log_in_is_case_insensitive_on_the_login(api: Any) -> None:
    user = await api.register()
    token = await api.log_in(user["login"].upper(), user["password"])
    assert token["user"]["id"] == user["id"]


async def test_wrong_password_and_unknown_login_answer_the_same_401(api: Any) -> None:
    user = await api.register()
    wrong = await api.http.post(
        "/auth/token", json={"login": user["login"], "password": "not the password"}
    )
    unknown = await api.http.post(
        "/auth/token", json={"login": api.unique(), "password": "not the password"}
    )
    impossible = await api.http.post(
        "/auth/token", json={"login": "no such\u0000login", "password": "not the password"}
    )
    for response in (wrong, unknown, impossible):
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
    shape = [
        {k: v for k, v in r.json().items() if k != "request_id"}
        for r in (wrong, unknown, impossible)
    ]
    assert shape[0] == shape[1] == shape[2]
    assert shape[0]["detail"] == "wrong login or password"


async def test_unknown_login_costs_a_password_verification(api: Any) -> None:
    # Without the dummy-hash verification an unknown login answers in a fraction of the time
    # of a wrong password (no argon2 at all); with it, both cost one verification.
    user = await api.register()
    wrong_times, unknown_times = [], []
    for _ in range(9):
        for login, times in ((user["login"], wrong_times), (api.unique(), unknown_times)):
            start = time.perf_counter()
            response = await api.http.post(
                "/auth/token", json={"login": login, "password": "not the password"}
            )
            times.append(time.perf_counter() - start)
            assert response.status_code == 401
    assert statistics.median(unknown_times) > 0.5 * statistics.median(wrong_times)


async def test_token_request_validation_is_422_naming_the_field(api: Any) -> None:
    cases = [
        ({"password": "whatever password"}, "body.login"),
        ({"login": "", "password": "whatever password"}, "body.login"),
        ({"login": "a" * 33, "password": "whatever password"}, "body.login"),
        ({"login": "alice"}, "body.password"),
        ({"login": "alice", "password": ""}, "body.password"),
        ({"login": "alice", "password": "p" * 257}, "body.password"),
    ]
    for body, field in cases:
        response = await api.http.post("/auth/token", json=body)
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_me_answers_the_user_with_email(api: Any) -> None:
    user = await api.register(name="Me Myself")
    token = (await api.log_in(user["login"], user["password"]))["access_token"]
    response = await api.me(token)
    assert response.status_code == 200, response.text
    me = response.json()
    assert me == {
        **{k: user[k] for k in ("id", "login", "name", "avatar_url", "created_at")},
        "email": user["email"],
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        (
            _b64url(json.dumps(header).encode()),
            _b64url(json.dumps(claims).encode()),
            _b64url(signature),
        )
    )


def _hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    signing_input = ".".join(
        (
            _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()),
            _b64url(json.dumps(claims).encode()),
        )
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(mac)}"


async def test_me_refuses_missing_and_bad_tokens(api: Any, deployment: Any) -> None:
    user = await api.register()
    good = (await api.log_in(user["login"], user["password"]))["access_token"]
    key = _signing_key(deployment)
    now = int(time.time())
    claims = {
        "sub": user["id"],
        "iss": "movieweb-users",
        "aud": "movieweb",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    header_b64, payload_b64, signature_b64 = good.split(".")
    tampered_payload = _b64url(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode())
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_raw = key.private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    # HS256 "signed" with the public key: the classic algorithm-confusion attack (made by hand,
    # since pyjwt itself refuses to HMAC with an asymmetric key).
    hs256 = _hs256(claims, public_raw, key.kid)
    hs256_pem = _hs256(claims, public_pem, key.kid)
    expired = pyjwt.encode(
        {**claims, "iat": now - 1200, "nbf": now - 1200, "exp": now - 600},
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": key.kid},
    )
    too_long = pyjwt.encode(
        {**claims, "exp": now + 7200}, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
    )
    bad_tokens = {
        "tampered payload": f"{header_b64}.{tampered_payload}.{signature_b64}",
        "tampered signature": f"{header_b64}.{payload_b64}.{signature_b64[::-1]}",
        "alg none": _forge({"alg": "none", "typ": "JWT", "kid": key.kid}, claims),
        "alg none, no kid": _forge({"alg": "none"}, claims),
        "HS256 with the public key (raw)": hs256,
        "HS256 with the public key (PEM)": hs256_pem,
        "expired": expired,
        "lifetime over an hour": too_long,
        "unknown key": SigningKey.generate().sign(
            user["id"], issuer="movieweb-users", audience="movieweb"
        ),
        "wrong audience": key.sign(user["id"], issuer="movieweb-users", audience="elsewhere"),
        "wrong issuer": key.sign(user["id"], issuer="someone-else", audience="movieweb"),
        "garbage": "not.a.token",
    }
    for what, token in bad_tokens.items():
        response = await api.me(token)
        assert response.status_code == 401, (what, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = await api.http.get("/users/me")
    assert missing.status_code == 401
    not_bearer = await api.http.get("/users/me", headers={"Authorization": f"Basic {good}"})
    assert not_bearer.status_code == 401
    # And the good token still works: the refusals above are about the tokens.
    assert (await api.me(good)).status_code == 200


async def test_me_for_a_valid_token_of_a_missing_account_is_404(api: Any, deployment: Any) -> None:
    token = _signing_key(deployment).sign(
        uuid.uuid4(), issuer="movieweb-users", audience="movieweb"
    )
    response = await api.me(token)
    assert response.status_code == 404
