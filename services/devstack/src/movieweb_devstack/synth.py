"""Deterministic synthetic data: movie titles, people, review texts and skewed popularity.

Everything is drawn from a ``random.Random`` seeded by the caller, so the same seed gives the
same site. Popularity follows a Zipf-like law (weight of rank r ∝ 1 / r^s), as real catalogues
do: a few movies get most of the reviews and a few users most of the followers.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, replace
from typing import Self

# The demo users' password, and the bulk users' (one argon2 hash reused for all): documented in
# the README so that anyone can log in as any synthetic user.
DEMO_PASSWORD = "movieweb-demo"  # noqa: S105 - a published demo credential, not a secret

_ADJECTIVES = (
    "Silent",
    "Crimson",
    "Last",
    "Hidden",
    "Broken",
    "Golden",
    "Distant",
    "Burning",
    "Frozen",
    "Electric",
    "Forgotten",
    "Wild",
    "Midnight",
    "Paper",
    "Iron",
    "Velvet",
    "Lonely",
    "Bright",
    "Secret",
    "Endless",
    "Quiet",
    "Savage",
    "Northern",
    "Little",
    "Glass",
    "Dark",
    "Scarlet",
    "Restless",
    "Shallow",
    "Hollow",
    "Fading",
    "Bitter",
    "Sweet",
    "Lost",
    "Eternal",
    "Falling",
)
_NOUNS = (
    "Harbor",
    "River",
    "Empire",
    "Garden",
    "Station",
    "Horizon",
    "Mirror",
    "Kingdom",
    "Orchard",
    "Frontier",
    "Island",
    "Summer",
    "Winter",
    "Signal",
    "Letter",
    "Carnival",
    "Lighthouse",
    "Highway",
    "Witness",
    "Machine",
    "Orchestra",
    "Desert",
    "Hotel",
    "Voyage",
    "Promise",
    "Shadow",
    "Storm",
    "Citadel",
    "Comet",
    "Labyrinth",
    "Passenger",
    "Requiem",
    "Valley",
)
_PATTERNS = (
    "The {a} {n}",
    "{a} {n}",
    "A {n} of {n2}",
    "The {n} and the {n2}",
    "{n} of the {a} {n2}",
    "Return to the {a} {n}",
    "{a} {n} II",
)
FIRST_NAMES = (
    "Ada",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Inès",
    "Jonas",
    "Kaya",
    "Luca",
    "Mina",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoé",
    "Amara",
    "Björn",
    "Camille",
    "Diego",
    "Emeka",
    "Fatima",
    "Goran",
    "Hana",
    "Ivan",
    "Jia",
    "Kofi",
    "Lena",
    "Mateo",
    "Noor",
)
LAST_NAMES = (
    "Almeida",
    "Berg",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ulloa",
    "Varga",
    "Wójcik",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Novak",
)
COUNTRIES = (
    "France",
    "Japan",
    "United States",
    "Italy",
    "India",
    "Brazil",
    "Nigeria",
    "South Korea",
    "Germany",
    "Mexico",
    "Sweden",
    "Iran",
    "Spain",
    "Poland",
)
CATEGORIES = (
    "Drama",
    "Comedy",
    "Thriller",
    "Science Fiction",
    "Romance",
    "Documentary",
    "Animation",
    "Horror",
    "Western",
    "Crime",
    "Adventure",
    "Musical",
)
_OPENERS = (
    "A quiet triumph.",
    "Not for everyone.",
    "I did not expect to cry.",
    "Overlong but memorable.",
    "The score alone is worth it.",
    "A mess, beautifully shot.",
    "Better on a second viewing.",
    "Pure fun from start to end.",
    "Slow, then devastating.",
    "The lead performance carries it.",
    "Lost me in the third act.",
    "A minor classic.",
)
_CLOSERS = (
    "Recommended.",
    "Watch it on a big screen.",
    "Skip the sequel.",
    "Bring tissues.",
    "Great with friends.",
    "I keep thinking about it.",
    "",
    "",
    "",
)


@dataclass(frozen=True)
class MovieDraft:
    title: str
    year: int
    director: str
    country: str
    category: str
    quality: float  # mean rating this movie tends to get (1..10)


@dataclass(frozen=True)
class UserDraft:
    login: str
    email: str
    name: str


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def movies(rng: random.Random, count: int) -> list[MovieDraft]:
    out = []
    seen: set[tuple[str, int]] = set()
    for _ in range(count):
        while True:
            pattern = rng.choice(_PATTERNS)
            title = pattern.format(
                a=rng.choice(_ADJECTIVES), n=rng.choice(_NOUNS), n2=rng.choice(_NOUNS)
            )
            year = rng.randint(1925, 2025)
            if (title, year) not in seen or len(seen) > count * 4:
                break
        seen.add((title, year))
        out.append(
            MovieDraft(
                title=title,
                year=year,
                director=person(rng),
                country=rng.choice(COUNTRIES),
                category=rng.choice(CATEGORIES),
                quality=min(9.5, max(2.0, rng.gauss(6.5, 1.5))),
            )
        )
    return out


def users(rng: random.Random, count: int, *, prefix: str = "") -> list[UserDraft]:
    """Logins are ``[a-z0-9_.]``, 3-32 chars, unique by their numeric suffix."""
    out = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        stem = "".join(
            ch for ch in ascii_fold(f"{first}.{last}").lower() if ch.isalnum() or ch == "."
        )
        login = f"{prefix}{stem[:22]}{i}"
        out.append(UserDraft(login=login, email=f"{login}@example.com", name=f"{first} {last}"))
    return out


def ascii_fold(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def rating(rng: random.Random, quality: float) -> int:
    return int(min(10, max(1, round(rng.gauss(quality, 1.6)))))


def comment(rng: random.Random) -> str | None:
    if rng.random() < 0.25:
        return None  # a bare rating
    return f"{rng.choice(_OPENERS)} {rng.choice(_CLOSERS)}".strip()


class Zipf:
    """Draw indexes 0..n-1 with weight 1/(rank+1)^s, rank order shuffled by ``rng``
    (so popularity is not tied to creation order)."""

    def __init__(self, rng: random.Random, n: int, s: float = 1.05) -> None:
        self.n = n
        self.order = list(range(n))
        rng.shuffle(self.order)
        self.cumulative = list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))
        self.total = self.cumulative[-1] if n else 0.0

    def draw(self, rng: random.Random) -> int:
        rank = bisect.bisect_left(self.cumulative, rng.random() * self.total)
        return self.order[min(rank, self.n - 1)]


def distinct_pairs(
    rng: random.Random,
    count: int,
    left: int,
    right: Zipf,
    *,
    forbid_same: bool = False,
) -> list[tuple[int, int]]:
    """``count`` distinct (l, r) pairs: l uniform over ``left``, r drawn from ``right``.

    Capped at what exists; when a popular right side saturates, draws fall back to uniform so
    the loop always ends.
    """
    capacity = left * right.n - (min(left, right.n) if forbid_same else 0)
    count = max(0, min(count, capacity))
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    misses = 0
    while len(out) < count:
        a = rng.randrange(left)
        b = right.draw(rng) if misses < 20 else rng.randrange(right.n)
        if (forbid_same and a == b) or (a, b) in seen:
            misses += 1
            continue
        misses = 0
        seen.add((a, b))
        out.append((a, b))
    return out


@dataclass(frozen=True)
class Volume:
    """How much synthetic data to make; subclasses set the defaults for their mode."""

    movies: int = 0
    users: int = 0
    reviews: int = 0
    follows: int = 0
    random_seed: int = 42

    def with_overrides(self, **overrides: int | None) -> Self:
        """These defaults with every option the user actually gave (None = not given)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
