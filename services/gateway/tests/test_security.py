"""Auth and abuse: the browser session (cookies, CSRF), rate limits, acting only as oneself, and
bad tokens."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt as pyjwt
import orjson
import pytest
from movieweb_gateway.settings import GatewaySettings
from movieweb_shared.jwt import SigningKey

from .conftest import ALLOWED_ORIGIN, PASSWORD, Api, Backends, Server, bearer, unique


def _log_in(api: Api, login: str, **headers: str) -> httpx.Response:
    return api.http.post(
        "/v1/auth/log-in", json={"login": login, "password": PASSWORD}, headers=headers
    )


def _browser(api: Api) -> tuple[dict[str, Any], str]:
    """A registered user logged in with cookies on ``api.http``; returns (user, csrf token)."""
    user = api.register()
    r = _log_in(api, user["login"], Origin=ALLOWED_ORIGIN)
    assert r.status_code == 200, r.text
    assert r.json()["csrf_token"] == api.http.cookies["mw_csrf"]
    return user, r.json()["csrf_token"]


def _cookie_header(response: httpx.Response, name: str) -> str:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{name}="):
            return value
    raise AssertionError(f"no {name} cookie set")


def test_log_in_sets_session_and_csrf_cookies(api: Api) -> None:
    user = api.register()
    r = _log_in(api, user["login"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["id"] == user["id"]
    session = _cookie_header(r, "mw_session").lower()
    csrf = _cookie_header(r, "mw_csrf").lower()
    for cookie in (session, csrf):
        assert "path=/" in cookie
        assert "samesite=lax" in cookie
        assert f"max-age={body['expires_in']}" in cookie
    assert "httponly" in session
    assert "httponly" not in csrf  # the page reads it to send X-CSRF-Token
    assert "secure" not in session  # these tests' gateway runs with cookie_secure=false
    me = api.http.get("/v1/users/me")  # the cookie alone authenticates reads
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]


def test_cookies_are_secure_unless_turned_off(
    start_gateway: Callable[..., Server], connect: Callable[[str], Api], scratch_redis: str
) -> None:
    assert GatewaySettings().cookie_secure is True
    gateway = start_gateway(scratch_redis, cookie_secure=True)
    api = connect(gateway.url)
    user = api.register()
    r = _log_in(api, user["login"])
    assert "secure" in _cookie_header(r, "mw_session").lower()
    assert "secure" in _cookie_header(r, "mw_csrf").lower()


def test_log_out_clears_both_cookies(api: Api) -> None:
    _browser(api)
    r = api.http.post("/v1/auth/log-out", headers={"Origin": ALLOWED_ORIGIN})
    assert r.status_code == 204
    assert "max-age=0" in _cookie_header(r, "mw_session").lower()
    assert "max-age=0" in _cookie_header(r, "mw_csrf").lower()
    assert api.http.get("/v1/users/me").status_code == 401


def test_cookie_writes_need_the_csrf_token_and_an_allowed_origin(api: Api) -> None:
    _, csrf = _browser(api)
    body = {"title": "CSRF target", "year": 2001}

    no_token = api.http.post("/v1/movies", json=body, headers={"Origin": ALLOWED_ORIGIN})
    assert no_token.status_code == 403
    assert "X-CSRF-Token" in no_token.json()["detail"]

    wrong = api.http.post(
        "/v1/movies", json=body, headers={"Origin": ALLOWED_ORIGIN, "X-CSRF-Token": "guess"}
    )
    assert wrong.status_code == 403

    evil = api.http.post(
        "/v1/movies", json=body, headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf}
    )
    assert evil.status_code == 403
    assert "evil.example" in evil.json()["detail"]

    no_origin = api.http.post("/v1/movies", json=body, headers={"X-CSRF-Token": csrf})
    assert no_origin.status_code == 403

    by_referer = api.http.post(
        "/v1/movies",
        json=body,
        headers={"Referer": f"{ALLOWED_ORIGIN}/movies/new", "X-CSRF-Token": csrf},
    )
    assert by_referer.status_code == 201, by_referer.text

    ok = api.http.post(
        "/v1/movies", json=body, headers={"Origin": ALLOWED_ORIGIN, "X-CSRF-Token": csrf}
    )
    assert ok.status_code == 201, ok.text


def test_bearer_writes_need_no_csrf_token(api: Api) -> None:
    _, auth = api.user()
    r = api.http.post("/v1/movies", json={"title": "Bearer", "year": 2001}, headers=auth)
    assert r.status_code == 201


def test_log_in_from_a_foreign_origin_is_refused(api: Api) -> None:
    user = api.register()
    r = _log_in(api, user["login"], Origin="https://evil.example")
    assert r.status_code == 403
    assert "mw_session" not in r.headers.get("set-cookie", "")


def test_cors_lets_the_web_host_call_with_credentials(api: Api) -> None:
    r = api.http.options(
        "/v1/movies",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-csrf-token",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "x-csrf-token" in r.headers["access-control-allow-headers"].lower()
    foreign = api.http.get("/v1/movies", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_login_attempts_are_limited_per_login(api: Api) -> None:
    user = api.register()
    wrong = {"login": user["login"], "password": "not the password"}
    statuses = [api.http.post("/v1/auth/authorize", json=wrong).status_code for _ in range(5)]
    assert statuses == [401] * 5
    refused = api.http.post(
        "/v1/auth/authorize", json={"login": user["login"], "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The limit is per login: someone else still logs in.
    other = api.register()
    assert _log_in(api, other["login"]).status_code == 200


def test_log_in_and_register_are_limited_per_ip(
    start_gateway: Callable[..., Server], connect: Callable[[str], Api], scratch_redis: str
) -> None:
    gateway = start_gateway(
        scratch_redis, rate_login_per_ip=3, rate_register_per_ip=2, rate_window_s=30
    )
    api = connect(gateway.url)
    users = [api.register(), api.register()]
    third = api.http.post(
        "/v1/auth/register",
        json={"login": unique(), "email": f"{unique()}@example.org", "password": PASSWORD},
    )
    assert third.status_code == 429
    assert 1 <= int(third.headers["retry-after"]) <= 30

    for user in [*users, users[0]]:
        assert _log_in(api, user["login"]).status_code == 200
    fourth = api.http.post(
        "/v1/auth/authorize", json={"login": users[1]["login"], "password": PASSWORD}
    )
    assert fourth.status_code == 429  # log-in and authorize share the per-IP window
    assert "log-in:ip" in fourth.json()["detail"]


def test_no_one_acts_as_someone_else(api: Api, backends: Backends) -> None:
    alice, alice_auth = api.user()
    bob, bob_auth = api.user()
    carol = api.register()
    movie = api.movie(alice_auth)
    review = api.review(alice_auth, movie["id"])

    follow_as_bob = api.http.put(
        f"/v1/users/{carol['id']}/followers/{bob['id']}", headers=alice_auth
    )
    assert follow_as_bob.status_code == 403
    assert api.http.get(f"/v1/users/{carol['id']}/followers").json()["items"] == []

    api.http.put(f"/v1/users/{carol['id']}/followers/{bob['id']}", headers=bob_auth)
    unfollow_as_bob = api.http.delete(
        f"/v1/users/{carol['id']}/followers/{bob['id']}", headers=alice_auth
    )
    assert unfollow_as_bob.status_code == 403
    assert len(api.http.get(f"/v1/users/{carol['id']}/followers").json()["items"]) == 1

    delete_alices = api.http.delete(f"/v1/reviews/{review['id']}", headers=bob_auth)
    assert delete_alices.status_code == 403
    assert api.http.get(f"/v1/movies/{movie['id']}/reviews").json()["info"]["total"] == 1

    feed = api.http.get(f"/v1/users/{alice['id']}/review-feed", headers=bob_auth)
    assert feed.status_code == 403

    own = api.http.delete(f"/v1/reviews/{review['id']}", headers=alice_auth)
    assert own.status_code == 204
    assert api.http.get(f"/v1/movies/{movie['id']}").json()["rating"]["count"] == 0
    assert api.http.delete(f"/v1/reviews/{review['id']}", headers=alice_auth).status_code == 404


def test_writes_need_authentication(api: Api) -> None:
    for method, path, body in [
        ("POST", "/v1/movies", {"title": "x", "year": 2000}),
        ("POST", "/v1/reviews", {"movie_id": str(uuid.uuid4()), "rating": 5}),
        ("DELETE", f"/v1/reviews/{uuid.uuid4()}", None),
        ("PUT", f"/v1/users/{uuid.uuid4()}/followers/{uuid.uuid4()}", None),
        ("GET", "/v1/users/me", None),
    ]:
        r = api.http.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def forge(backends: Backends) -> Callable[..., str]:
    def make(user_id: str, **claims: Any) -> str:
        key = backends.signing_key()
        now = int(time.time())
        payload = {
            "sub": user_id,
            "iss": "movieweb-users",
            "aud": "movieweb",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            **claims,
        }
        return pyjwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})

    return make


def test_bad_tokens_are_rejected(api: Api, forge: Callable[..., str]) -> None:
    user = api.register()
    good = forge(user["id"])
    assert (
        api.http.get("/v1/users/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )

    head, payload, sig = good.split(".")
    other_sub = orjson.loads(base64.urlsafe_b64decode(payload + "=="))
    other_sub["sub"] = str(uuid.uuid4())
    tampered = f"{head}.{_b64(orjson.dumps(other_sub))}.{sig}"
    flipped = f"{head}.{payload}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    expired = forge(user["id"], iat=int(time.time()) - 1200, exp=int(time.time()) - 600)
    none_alg = f"{_b64(orjson.dumps({'alg': 'none', 'typ': 'JWT'}))}.{payload}."
    hs256 = pyjwt.encode(
        {
            "sub": user["id"],
            "iss": "movieweb-users",
            "aud": "movieweb",
            "exp": time.time() + 60,
            "iat": time.time(),
        },
        "a-shared-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    stranger = SigningKey.generate().sign(user["id"], issuer="movieweb-users", audience="movieweb")
    wrong_audience = forge(user["id"], aud="someone-else")

    for name, token in [
        ("tampered", tampered),
        ("bad signature", flipped),
        ("expired", expired),
        ("alg none", none_alg),
        ("hs256", hs256),
        ("unknown key", stranger),
        ("wrong audience", wrong_audience),
        ("garbage", "not-a-token"),
    ]:
        r = api.http.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (name, r.text)
        cookie = httpx.Client(base_url=api.url, cookies={"mw_session": token})
        with cookie:
            assert cookie.get("/v1/users/me").status_code == 401, name
    # The API writes with a forged token do nothing either.
    r = api.http.post(
        "/v1/movies",
        json={"title": "x", "year": 2000},
        headers={"Authorization": f"Bearer {none_alg}"},
    )
    assert r.status_code == 401


def test_a_valid_token_for_another_user_cannot_delete_via_backend(
    api: Api, backends: Backends
) -> None:
    _, alice_auth = api.user()
    movie = api.movie(alice_auth)
    review = api.review(alice_auth, movie["id"])
    mallory = str(uuid.uuid4())
    r = api.http.delete(f"/v1/reviews/{review['id']}", headers=bearer(backends, mallory))
    assert r.status_code == 403


def test_every_cookie_write_method_is_guarded(api: Api, backends: Backends) -> None:
    me, csrf = _browser(api)
    other = api.register()
    movie = api.movie(bearer(backends, other["id"]))
    good = {"Origin": ALLOWED_ORIGIN, "X-CSRF-Token": csrf}
    bad = {"Origin": ALLOWED_ORIGIN}
    follow = f"/v1/users/{other['id']}/followers/{me['id']}"
    review = {"movie_id": movie["id"], "rating": 6}

    assert api.http.put(follow, headers=bad).status_code == 403
    assert api.http.post("/v1/reviews", json=review, headers=bad).status_code == 403
    assert api.http.put(follow, headers=good).status_code == 201
    created = api.http.post("/v1/reviews", json=review, headers=good)
    assert created.status_code == 201, created.text

    path = f"/v1/reviews/{created.json()['id']}"
    assert api.http.delete(path, headers=bad).status_code == 403
    assert api.http.delete(follow, headers=bad).status_code == 403
    assert api.http.delete(path, headers=good).status_code == 204
    assert api.http.delete(follow, headers=good).status_code == 204
