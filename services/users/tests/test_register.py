"""Registration over HTTP: the happy path, every validation rule, and uniqueness."""

from __future__ import annotations

import json
from typing import Any

import pytest


async def test_register_answers_the_public_user(api: Any) -> None:
    login = api.unique("Reg")  # upper case in: stored and answered lowercase
    response = await api.http.post(
        "/users",
        json={
            "login": login,
            "email": f"{login}@Example.ORG",
            "password": "correct horse battery",
            "name": "  Ada   Lovelace ",
            "avatar_url": "https://img.example.org/ada.png",
        },
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert set(user) == {"id", "login", "name", "avatar_url", "created_at"}
    assert user["login"] == login.lower()
    assert user["name"] == "Ada Lovelace"
    assert user["avatar_url"] == "https://img.example.org/ada.png"
    assert response.headers["location"] == f"/users/{user['id']}"
    got = await api.http.get(f"/users/{user['id']}")
    assert got.status_code == 200
    assert got.json() == user


async def test_optional_fields_may_be_absent_or_null(api: Any) -> None:
    user = await api.register(name=None, avatar_url=None)
    assert user["name"] is None
    assert user["avatar_url"] is None


_DROP = object()  # marks a field to leave out of the body


def _body(**overrides: Any) -> dict[str, Any]:
    login = overrides.pop("login", "valid_login")
    body = {
        "login": login,
        "email": "valid@example.org",
        "password": "correct horse battery",
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not _DROP}


INVALID = [
    # login: 3-32 of [a-z0-9_.] (ASCII capitals are lowercased, anything else refused)
    ("login", {"login": "ab"}),
    ("login", {"login": "a" * 33}),
    ("login", {"login": "bad login"}),
    ("login", {"login": "bad-login"}),
    ("login", {"login": "bob@home"}),
    ("login", {"login": "zoë"}),
    ("login", {"login": "\u212aelvin"}),  # Kelvin sign: .lower() would make it "kelvin"
    ("login", {"login": ""}),
    ("login", {"login": 12345}),
    ("login", {"login": None}),
    ("login", {"login": _DROP}),
    # email: syntax (no DNS), bounded
    ("email", {"email": "not-an-email"}),
    ("email", {"email": "two@@example.org"}),
    ("email", {"email": "nobody@localhost"}),
    ("email", {"email": "a@b"}),
    ("email", {"email": "x" * 250 + "@example.org"}),
    ("email", {"email": _DROP}),
    # password: 10-256 characters
    ("password", {"password": "123456789"}),
    ("password", {"password": "p" * 257}),
    ("password", {"password": _DROP}),
    # name: 1-100 characters after trimming, no control characters
    ("name", {"name": ""}),
    ("name", {"name": "    "}),
    ("name", {"name": "n" * 101}),
    ("name", {"name": "line\nbreak"}),
    ("name", {"name": "nul\u0000byte"}),
    # avatar_url: absolute http(s), at most 2048 characters
    ("avatar_url", {"avatar_url": "ftp://example.org/a.png"}),
    ("avatar_url", {"avatar_url": "javascript:alert(1)"}),
    ("avatar_url", {"avatar_url": "/relative/a.png"}),
    ("avatar_url", {"avatar_url": "https://example.org/" + "a" * 2030}),
    ("avatar_url", {"avatar_url": ""}),
    # unknown fields are refused, not ignored
    ("password_hash", {"password_hash": "$2b$10$whatever"}),
]


@pytest.mark.parametrize(
    ("field", "overrides"), INVALID, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID)]
)
async def test_invalid_input_is_422_naming_the_field(
    api: Any, field: str, overrides: dict[str, Any]
) -> None:
    response = await api.http.post("/users", json=_body(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == [f"body.{field}"]


async def test_lone_surrogates_are_422_not_500(api: Any) -> None:
    # Valid JSON, valid Python str, but not text argon2 or Postgres can take.
    for field in ("password", "name", "email"):
        raw = _body().copy()
        raw[field] = "PLACEHOLDER"
        payload = json.dumps(raw).replace("PLACEHOLDER", "surrogate\\ud800passwordxx")
        response = await api.http.post(
            "/users", content=payload, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == f"body.{field}"


async def test_malformed_json_is_422(api: Any) -> None:
    response = await api.http.post(
        "/users", content=b'{"login": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body")


async def test_login_taken_is_409_on_login_case_insensitively(api: Any) -> None:
    first = await api.register()
    response = await api.http.post(
        "/users",
        json=_body(login=first["login"].upper(), email=f"other.{first['login']}@example.org"),
    )
    assert response.status_code == 409, response.text
    assert response.json()["errors"][0]["field"] == "body.login"


async def test_email_taken_is_409_on_email_ignoring_case(api: Any) -> None:
    first = await api.register(email=f"{api.unique('Mail')}@example.org")
    response = await api.http.post(
        "/users", json=_body(login=api.unique(), email=first["email"].upper())
    )
    assert response.status_code == 409, response.text
    assert response.json()["errors"][0]["field"] == "body.email"


async def test_email_is_normalized_domain_lowercase(api: Any) -> None:
    local = api.unique("Mixed")
    user = await api.register(email=f"{local}@ExAmple.ORG")
    token = (await api.log_in(user["login"], user["password"]))["access_token"]
    me = (await api.me(token)).json()
    assert me["email"] == f"{local}@example.org"  # local part kept, domain lowercased


async def test_a_refused_registration_frees_the_names_it_claimed(api: Any) -> None:
    taken = await api.register()
    login = api.unique()
    # The login is claimed first, then the email conflicts: the login must be released.
    refused = await api.http.post("/users", json=_body(login=login, email=taken["email"]))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "body.email"
    await api.register(login=login)
