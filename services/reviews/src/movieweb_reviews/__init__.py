"""Movieweb reviews service: ratings, reviews and per-movie statistics, sharded by movie id."""
