"""Text search over title and director, case- and accent-insensitive, with prefix matching.

The folded words of title and director are stored in ``search_text`` and indexed as a
``tsvector`` (GIN). A query is folded the same way in Python and becomes a ``tsquery`` in which
every word must match the start of an indexed word ("ame fab" finds "Amélie ... Fabuleux").

Only folded words (letters and digits) reach the tsquery, each quoted as a lexeme, and the
whole string travels as a bind parameter: raw client text is never interpolated into SQL or
into tsquery syntax.
"""

from __future__ import annotations

from movieweb_shared.text import search_words

MAX_QUERY_WORDS = 10


def search_text(title: str, director: str | None) -> str:
    """What gets indexed for a movie: the folded words of its title and director."""
    return " ".join(search_words(title) + search_words(director or ""))


def prefix_tsquery(query: str) -> str | None:
    """``'word1':* & 'word2':*`` for the folded words of ``query``; None if it has no words."""
    words = search_words(query)[:MAX_QUERY_WORDS]
    if not words:
        return None
    # search_words keeps only \w characters, so no quote or backslash can occur; escape anyway
    # so that this stays safe if the word definition ever widens.
    quoted = ("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in words)
    return " & ".join(quoted)
