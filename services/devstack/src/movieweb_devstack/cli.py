"""``movieweb up`` and ``movieweb seed``: added to the root ``movieweb`` command through the
``movieweb.commands`` entry point."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from .layout import Layout
from .stack import Stack, StackOptions

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Where the stack keeps its state (kept across runs)")
]
PortBase = Annotated[
    int,
    typer.Option(
        min=1024, max=65000, help="Gateway port; services on +1..+4, posters +10, redis +9"
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(seed)


def up(
    data_dir: DataDir = Path(".data"),
    shards: Annotated[int, typer.Option(min=1, max=16, help="Shards (databases) per service")] = 1,
    gateway_processes: Annotated[
        int, typer.Option(min=1, max=16, help="Gateway processes (consecutive ports)")
    ] = 1,
    seed: Annotated[bool, typer.Option(help="Seed demo data on first start")] = True,
    port_base: PortBase = 8000,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (turn off for benchmarks)")
    ] = True,
) -> None:
    """Run the whole site locally: embedded Postgres and Redis, every service, the gateway."""
    options = StackOptions(
        data_dir=data_dir,
        shards=shards,
        gateway_processes=gateway_processes,
        port_base=port_base,
        seed=seed,
        access_log=access_log,
    )
    raise typer.Exit(asyncio.run(_up(options)))


async def _up(options: StackOptions) -> int:
    console = Console(highlight=False)
    stack = Stack(options, console)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        starting = asyncio.create_task(stack.start())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            stack_error = starting.exception()
            if stack_error is not None:
                stack.supervisor.note(f"[start failed] {stack_error}")
                code = 1
            else:
                console.print(urls_table(stack))
                stack.supervisor.note("running; press Ctrl-C to stop")
                await stopping
        else:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        stopping.cancel()
    finally:
        stack.supervisor.note("stopping")
        await stack.stop()
        stack.supervisor.note("stopped")
    return code


def urls_table(stack: Stack) -> Table:
    table = Table(title="Movieweb is up", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for label, url in stack.urls():
        table.add_row(label, url)
    return table


def seed(
    data_dir: DataDir = Path(".data"),
    port_base: PortBase = 8000,
    movies: Annotated[int | None, typer.Option(min=0, help="Movies to create")] = None,
    users: Annotated[int | None, typer.Option(min=0, help="Users to register")] = None,
    reviews: Annotated[int | None, typer.Option(min=0, help="Reviews (ratings) to write")] = None,
    follows: Annotated[int | None, typer.Option(min=0, help="Follow edges to create")] = None,
    bulk: Annotated[
        bool,
        typer.Option(help="Write straight into the shard databases with COPY (benchmark volume)"),
    ] = False,
    force: Annotated[bool, typer.Option(help="Bulk: load even if the tables hold rows")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Demo: requests in flight")] = 8,
    random_seed: Annotated[
        int, typer.Option("--random-seed", help="RNG seed (same seed, same data)")
    ] = 42,
) -> None:
    """Load synthetic data: demo volume through the public API, or the bulk volume with COPY.

    Defaults: 200 movies, 50 users, 2000 reviews, 300 follows (demo); 10 000 movies, 100 000
    users, 1 000 000 reviews, 1 000 000 follows (--bulk).
    """
    layout = Layout(data_dir.resolve(), port_base)
    console = Console(highlight=False)
    if bulk:
        from .seed_bulk import BulkVolume, NoStack, NotEmpty, seed_bulk

        bulk_volume = BulkVolume().with_overrides(
            movies=movies, users=users, reviews=reviews, follows=follows, random_seed=random_seed
        )
        try:
            asyncio.run(seed_bulk(layout, bulk_volume, force=force, console=console))
        except (NotEmpty, NoStack) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        return
    from .seed_demo import DemoVolume, SeedError, seed_demo

    demo_volume = DemoVolume().with_overrides(
        movies=movies,
        users=users,
        reviews=reviews,
        follows=follows,
        random_seed=random_seed,
        concurrency=concurrency,
    )
    try:
        asyncio.run(seed_demo(layout.gateway_url, layout, demo_volume, console=console))
    except (SeedError, httpx.TransportError) as exc:
        console.print(
            f"[red]seeding failed: {exc}[/red] (is `movieweb up` running on {layout.gateway_url}?)"
        )
        raise typer.Exit(1) from exc
