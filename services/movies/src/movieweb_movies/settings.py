"""Settings of the movies service (environment prefix ``MOVIEWEB_MOVIES_``)."""

from __future__ import annotations

from movieweb_shared.settings import ServiceSettings, settings_config


class MoviesSettings(ServiceSettings):
    model_config = settings_config("movies")

    port: int = 8001
