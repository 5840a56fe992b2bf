"""``movieweb gateway-schema export|refresh|check`` (registered through ``movieweb.commands``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import contracts
from .backends import ENDPOINTS


def register(app: typer.Typer) -> None:
    group = typer.Typer(no_args_is_help=True, help="The gateway's public and backend schemas.")

    @group.command("export")
    def export(
        out: Annotated[Path, typer.Option(help="Where to write")] = contracts.PUBLIC_SCHEMA,
    ) -> None:
        """Write the gateway's public OpenAPI schema (the web app's copy is made from it)."""
        print(contracts.export_public(out))

    @group.command("refresh")
    def refresh(
        directory: Annotated[Path, typer.Option(help="Folder of copies")] = contracts.APIS_DIR,
    ) -> None:
        """Rewrite apis/<service>.json from the installed backend apps, then check the calls."""
        for path in contracts.refresh_backends(directory):
            print(path)
        problems = contracts.check_endpoints(directory)
        for line in problems:
            print(f"contract: {line}")
        if problems:
            raise typer.Exit(1)

    @group.command("check")
    def check(
        directory: Annotated[Path, typer.Option(help="Folder of copies")] = contracts.APIS_DIR,
    ) -> None:
        """Check every backend call the gateway makes against the stored copies."""
        problems = contracts.check_endpoints(directory)
        for line in problems:
            print(f"contract: {line}")
        if problems:
            raise typer.Exit(1)
        print(f"{len(ENDPOINTS)} backend calls fit their schemas")

    app.add_typer(group, name="gateway-schema")
