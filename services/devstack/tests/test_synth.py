"""Synthetic data: deterministic, valid for the services' rules, and skewed like real traffic."""

from __future__ import annotations

import random
import re
from collections import Counter

from movieweb_devstack import synth


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = synth.movies(random.Random(1), 50), synth.users(random.Random(1), 50)
    again = synth.movies(random.Random(1), 50), synth.users(random.Random(1), 50)
    other = synth.movies(random.Random(2), 50), synth.users(random.Random(2), 50)
    assert first == again
    assert first != other


def test_users_satisfy_the_users_service_rules() -> None:
    users = synth.users(random.Random(3), 2000)
    assert len({u.login for u in users}) == 2000
    assert len({u.email for u in users}) == 2000
    for user in users:
        assert re.fullmatch(r"[a-z0-9_.]{3,32}", user.login), user.login
    assert len(synth.DEMO_PASSWORD) >= 10


def test_movies_satisfy_the_movies_service_rules() -> None:
    for movie in synth.movies(random.Random(4), 500):
        assert 1 <= len(movie.title) <= 300
        assert 1870 <= movie.year <= 2026
        assert 2.0 <= movie.quality <= 9.5


def test_ratings_and_comments_are_in_range() -> None:
    rng = random.Random(5)
    ratings = [synth.rating(rng, q) for q in (1.0, 5.0, 9.9) for _ in range(300)]
    assert set(ratings) <= set(range(1, 11))
    comments = [synth.comment(rng) for _ in range(200)]
    assert None in comments
    assert all(c is None or 1 <= len(c) <= 4000 for c in comments)


def test_zipf_is_skewed_the_top_tenth_gets_most_draws() -> None:
    rng = random.Random(6)
    zipf = synth.Zipf(rng, 1000, 1.05)
    counts = Counter(zipf.draw(rng) for _ in range(50_000))
    top = sum(n for _, n in counts.most_common(100))
    assert top > 0.5 * 50_000
    # Popularity is not tied to creation order: the favourite is not simply index 0.
    assert set(zipf.order) == set(range(1000))


def test_distinct_pairs_are_distinct_capped_and_never_self() -> None:
    rng = random.Random(7)
    pairs = synth.distinct_pairs(rng, 500, 30, synth.Zipf(rng, 30), forbid_same=True)
    assert len(pairs) == len(set(pairs)) == 500
    assert all(a != b for a, b in pairs)
    # More than exist: capped at every possible pair (30 * 30 minus the 30 self-pairs).
    everything = synth.distinct_pairs(rng, 10_000, 30, synth.Zipf(rng, 30), forbid_same=True)
    assert len(set(everything)) == 870
