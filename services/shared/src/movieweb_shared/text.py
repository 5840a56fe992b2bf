"""Text folding shared by search and sort keys.

``fold`` turns text into a case- and accent-insensitive form: NFKD-decompose, drop combining
marks, casefold. "Amélie" and "AMELIE" fold to the same string, and so do "Straße" and
"strasse". Sort keys are stored folded and compared with the "C" collation so that Postgres and
Python order them identically (the fan-out merge relies on it).
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_words(text: str) -> list[str]:
    """Folded words of ``text`` (letters and digits only), for full-text indexing and queries."""
    return [w for w in _NON_WORD.split(fold(text).replace("_", " ")) if w]


def clean(text: str) -> str:
    """Trim and collapse internal whitespace (user-facing text keeps its case and accents)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
