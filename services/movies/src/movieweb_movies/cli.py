"""``movieweb import``: registered on the root CLI through the ``movieweb.commands`` entry point."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
