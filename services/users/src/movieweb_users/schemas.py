"""The HTTP contract of the users service: request and response models.

No model here has a password hash field, so none can ever serialize one.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from movieweb_shared.text import clean
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
)

LOGIN_MIN, LOGIN_MAX = 3, 32
PASSWORD_MIN, PASSWORD_MAX = 10, 256
NAME_MAX = 100
URL_MAX = 2048
EMAIL_MAX = 254  # RFC 5321 path limit; email-validator enforces it too

_LOGIN_CHARS = re.compile(r"[A-Za-z0-9_.]*")
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _text(value: str) -> str:
    # JSON may carry lone surrogates ("\\ud800"): valid Python str, but not Unicode text that
    # argon2 or Postgres accept. Refusing them here keeps them a 422 instead of a 500.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from exc
    return value


def _login(value: object) -> object:
    # ASCII letters only are lowercased: str.lower() would also turn e.g. the Kelvin sign
    # (U+212A) into "k", silently mapping a different string onto someone's login.
    if isinstance(value, str):
        if not _LOGIN_CHARS.fullmatch(value):
            raise ValueError("may contain only letters a-z, digits, '_' and '.'")
        return value.lower()
    return value


def _email(value: str) -> str:
    _text(value)
    try:
        # No DNS lookup: registration must not depend on (or leak timing from) a resolver.
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return result.normalized


def _name(value: str) -> str:
    _text(value)
    cleaned = clean(value)
    if not cleaned:
        raise ValueError("must not be blank")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return cleaned


def _avatar_url(value: str) -> str:
    _text(value)
    try:
        url = _HTTP_URL.validate_python(value)
    except ValidationError as exc:
        raise ValueError("must be an absolute http(s) URL") from exc
    normalized = str(url)
    if len(normalized) > URL_MAX:
        raise ValueError(f"must be at most {URL_MAX} characters")
    return normalized


Login = Annotated[
    str,
    BeforeValidator(_login),
    Field(
        min_length=LOGIN_MIN,
        max_length=LOGIN_MAX,
        pattern=r"^[A-Za-z0-9_.]+$",
        description=(
            "3 to 32 characters: letters, digits, `_` and `.`. Stored lowercase: upper-case ASCII "
            "letters are lowercased on input, so `Alice` registers (and logs in) as `alice`."
        ),
        examples=["alice.b"],
    ),
]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: Login
    email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=EMAIL_MAX,
            description=(
                "An email address (syntax checked, no DNS lookup). Its domain is stored "
                "lowercase; uniqueness ignores case entirely."
            ),
            examples=["alice@example.org"],
            json_schema_extra={"format": "email"},
        ),
        AfterValidator(_email),
    ]
    password: Annotated[
        str,
        Field(
            min_length=PASSWORD_MIN,
            max_length=PASSWORD_MAX,
            description="10 to 256 characters; stored only as a salted, deliberately slow hash.",
            examples=["correct horse battery"],
        ),
        AfterValidator(_text),
    ]
    name: Annotated[
        str | None,
        Field(
            default=None,
            min_length=1,
            max_length=NAME_MAX,
            description="Display name, 1 to 100 characters (trimmed).",
            examples=["Alice Barton"],
        ),
        AfterValidator(lambda v: None if v is None else _name(v)),
    ] = None
    avatar_url: Annotated[
        str | None,
        Field(
            default=None,
            min_length=1,
            max_length=URL_MAX,
            description="Absolute http(s) URL of the avatar image, at most 2048 characters.",
            examples=["https://images.example.org/alice.png"],
        ),
        AfterValidator(lambda v: None if v is None else _avatar_url(v)),
    ] = None


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: Annotated[
        str,
        Field(
            min_length=1,
            max_length=LOGIN_MAX,
            description="The login (case-insensitive).",
            examples=["alice.b"],
        ),
    ]
    password: Annotated[
        str,
        Field(min_length=1, max_length=PASSWORD_MAX, examples=["correct horse battery"]),
        AfterValidator(_text),
    ]


class User(BaseModel):
    id: uuid.UUID = Field(examples=["8a0c5d0e-1c1b-4e5c-9b8e-2f9f6a7d4c3b"])
    login: str = Field(examples=["alice.b"])
    name: str | None = Field(examples=["Alice Barton"])
    avatar_url: str | None = Field(examples=["https://images.example.org/alice.png"])
    created_at: datetime = Field(examples=["2026-11-28T09:00:00Z"])


class Me(User):
    email: str = Field(examples=["alice@example.org"])


class Token(BaseModel):
    access_token: str = Field(description="An EdDSA-signed JWT", examples=["eyJhbGciOiJFZERTQSJ9…"])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires", examples=[900])
    user: User


class UserBatch(BaseModel):
    items: list[User]


class JWK(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    use: Literal["sig"]
    alg: Literal["EdDSA"]


class JWKS(BaseModel):
    keys: list[JWK]
