"""Settings of the reviews service (environment prefix ``MOVIEWEB_REVIEWS_``)."""

from __future__ import annotations

from movieweb_shared.settings import ServiceSettings, settings_config
from pydantic import Field


class ReviewsSettings(ServiceSettings):
    model_config = settings_config("reviews")

    port: int = 8003
    # The site-wide mean rating (the prior of every Bayesian average) is an aggregate over every
    # shard's movie_stats; it moves slowly, so an instance reuses it for this long. 0 = always fresh.
    site_mean_ttl_s: float = Field(default=30.0, ge=0)
    # C of the Bayesian average when a request does not name `min_votes`.
    default_min_votes: int = Field(default=5, ge=1)
