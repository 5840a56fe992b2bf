"""Slugs: ``<words of the folded title>-<year>-<the movie id in 26 lowercase base32 chars>``.

The id inside makes a slug unique by construction (no uniqueness check across shards needed)
and lets a slug be routed to its shard: decode the id, then look the movie up by id.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from movieweb_shared.text import fold

ID_CHARS = 26  # 128 bits in base32 (5 bits a char), padding dropped
MAX_WORDS_CHARS = 80
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
_ID_PART = re.compile(r"^[a-z2-7]{26}$")


def encode_id(movie_id: uuid.UUID) -> str:
    return base64.b32encode(movie_id.bytes).decode("ascii").rstrip("=").lower()


def decode_id(text: str) -> uuid.UUID | None:
    if not _ID_PART.match(text):
        return None
    try:
        raw = base64.b32decode(text.upper() + "======")
    except binascii.Error:
        return None
    if len(raw) != 16 or encode_id(uuid.UUID(bytes=raw)) != text:
        return None  # non-canonical spelling (stray bits in the last char)
    return uuid.UUID(bytes=raw)


def title_words(title: str) -> str:
    """ASCII words of the folded title joined by dashes, cut at a word boundary."""
    words = _NOT_ASCII_WORD.sub("-", fold(title)).strip("-")
    if len(words) > MAX_WORDS_CHARS:
        cut = words[:MAX_WORDS_CHARS]
        words = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return words or "movie"


def make_slug(title: str, year: int, movie_id: uuid.UUID) -> str:
    return f"{title_words(title)}-{year}-{encode_id(movie_id)}"


def id_of_slug(slug: str) -> uuid.UUID | None:
    """The movie id a slug carries, or None when the slug is not one of ours."""
    _, sep, tail = slug.rpartition("-")
    if not sep:
        return None
    return decode_id(tail)
