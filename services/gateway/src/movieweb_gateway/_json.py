"""Answering with already-shaped JSON.

Routes declare their response model (for the OpenAPI document) but return the dicts they built,
serialised once by orjson: the objects come from backends whose schemas the contract tests pin,
and the schemathesis suite checks every answer against the declared model, so validating each
response again on the hot path would only cost time.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

# The ``responses=`` mapping of a route (documented status codes).
Responses = dict[int | str, dict[str, Any]]


def respond(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")
