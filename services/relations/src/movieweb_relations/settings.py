"""Relations service settings (environment prefix ``MOVIEWEB_RELATIONS_``)."""

from __future__ import annotations

from movieweb_shared.settings import ServiceSettings, settings_config


class RelationsSettings(ServiceSettings):
    model_config = settings_config("relations")

    port: int = 8004
