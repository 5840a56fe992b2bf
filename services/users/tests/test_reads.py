"""Reading users: by id, in batches, and listed by login prefix with cursor paging."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest


async def test_get_by_id(api: Any) -> None:
    user = await api.register()
    response = await api.http.get(f"/users/{user['id']}")
    assert response.status_code == 200
    assert response.json()["login"] == user["login"]
    missing = await api.http.get(f"/users/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await api.http.get("/users/not-a-uuid")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "path.user_id"


async def test_batch_answers_in_request_order_without_unknowns(api: Any) -> None:
    users = [await api.register() for _ in range(5)]
    ids = [users[3]["id"], str(uuid.uuid4()), users[0]["id"], users[4]["id"], users[0]["id"]]
    response = await api.http.get("/users/batch", params={"ids": ids})
    assert response.status_code == 200, response.text
    assert [u["id"] for u in response.json()["items"]] == [
        users[3]["id"],
        users[0]["id"],
        users[4]["id"],
    ]


async def test_batch_bounds_are_422(api: Any) -> None:
    too_many = await api.http.get(
        "/users/batch", params={"ids": [str(uuid.uuid4()) for _ in range(101)]}
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "query.ids"
    assert (await api.http.get("/users/batch")).status_code == 422
    bad = await api.http.get("/users/batch", params={"ids": ["nope"]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].startswith("query.ids")
    hundred = await api.http.get(
        "/users/batch", params={"ids": [str(uuid.uuid4()) for _ in range(100)]}
    )
    assert hundred.status_code == 200
    assert hundred.json() == {"items": []}


async def test_list_by_prefix_pages_with_a_cursor_in_login_order(api: Any) -> None:
    prefix = api.unique("p")[:20] + "_"
    logins = [f"{prefix}{suffix}" for suffix in ("b", "a", "c.1", "c", "0", "z_z", "m")]
    for login in logins:
        await api.register(login=login)
    # '_' is not a wildcard: this login differs from the prefix exactly at the '_'.
    await api.register(login=prefix[:-1] + "x" + "a")

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"login_prefix": prefix.upper(), "limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = await api.http.get("/users", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["info"]["total"] == len(logins)
        assert page["info"]["limit"] == 3
        seen += [u["login"] for u in page["items"]]
        pages += 1
        cursor = page["info"]["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(logins)
    assert pages == 3


async def test_list_with_skip(api: Any) -> None:
    prefix = api.unique("s")[:20] + "."
    logins = sorted(f"{prefix}{i}" for i in range(4))
    for login in logins:
        await api.register(login=login)
    response = await api.http.get("/users", params={"login_prefix": prefix, "skip": 1, "limit": 2})
    assert [u["login"] for u in response.json()["items"]] == logins[1:3]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"login_prefix": "has space"}, "query.login_prefix"),
        ({"login_prefix": "dash-"}, "query.login_prefix"),
        ({"login_prefix": "x" * 33}, "query.login_prefix"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"skip": -1}, "query.skip"),
        ({"cursor": "garbage"}, "query.cursor"),
    ],
)
async def test_list_parameters_are_validated(api: Any, params: dict[str, Any], field: str) -> None:
    response = await api.http.get("/users", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_forged_cursor_is_422_not_500(api: Any) -> None:
    def cursor(values: list[Any]) -> str:
        raw = json.dumps({"s": "login:asc", "k": values}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    forged = [
        [["i", 5], ["u", str(uuid.uuid4())]],
        [["s", "a"], ["s", "not-a-uuid"]],
        [["s", "nul\u0000"], ["u", str(uuid.uuid4())]],
    ]
    for values in forged:
        response = await api.http.get("/users", params={"cursor": cursor(values)})
        assert response.status_code == 422, (values, response.text)
