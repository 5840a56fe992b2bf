"""The ``movieweb`` operator command.

Built-in: ``serve``, ``migrate``, ``services``, ``shard-slot``. Service and tool packages add
commands through the ``movieweb.commands`` entry point group (a callable that receives the root
Typer app), e.g. the movies service adds ``import`` and the local stack adds ``up`` and ``seed``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from importlib.metadata import entry_points
from typing import Annotated

import typer
from rich.console import Console

from .registry import load_service, service_names
from .sharding import DEFAULT_SLOTS, slot_of

app = typer.Typer(
    no_args_is_help=True, help="Movieweb operator command.", pretty_exceptions_show_locals=False
)
console = Console(stderr=True)


@app.command()
def services() -> None:
    """List the services installed in this environment."""
    for name in service_names():
        print(name)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="Service to serve (see `movieweb services`)")],
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code change (development)")] = False,
) -> None:
    """Serve one service over HTTP with uvicorn."""
    import uvicorn

    definition = load_service(service)
    settings = definition.settings_cls()
    os.environ["MOVIEWEB_SERVICE"] = service
    uvicorn.run(
        "movieweb_shared.asgi:make_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=None if reload else workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=10,
    )


@app.command()
def migrate(
    service: Annotated[str, typer.Argument(help="Service whose database to migrate")],
    revision: Annotated[str, typer.Option(help="Alembic revision")] = "head",
) -> None:
    """Apply the service's Alembic migrations to every shard of its map."""
    from . import migrations
    from .db import load_shard_map

    definition = load_service(service)
    if definition.migrations_dir is None:
        console.print(f"{service} has no database")
        return
    shard_map = load_shard_map(definition.settings_cls())
    asyncio.run(migrations.upgrade(definition.migrations_dir, shard_map, revision))
    console.print(f"[green]{service}: {len(shard_map.shards)} shard(s) at {revision}[/green]")


@app.command("shard-slot")
def shard_slot(
    key: Annotated[str, typer.Argument(help="A UUID key or any text key")],
    slots: Annotated[int, typer.Option(help="Number of slots")] = DEFAULT_SLOTS,
) -> None:
    """Print the hash slot of a key (for operators tracing where a row lives)."""
    try:
        print(slot_of(uuid.UUID(key), slots))
    except ValueError:
        print(slot_of(key, slots))


def _load_plugins() -> None:
    for ep in entry_points(group="movieweb.commands"):
        register = ep.load()
        register(app)


def main() -> None:
    _load_plugins()
    try:
        app()
    except LookupError as exc:  # unknown service: a clear message, not a traceback
        console.print(f"[red]error:[/red] {exc.args[0]}")
        raise SystemExit(2) from None
