"""``peerup daemon <subcommand>``: talk to the running daemon (daemon-only; exit 3 without one).

``peerup daemon`` and ``peerup daemon start`` *run* the daemon; :mod:`app.launcher` handles those
before the CLI is reached, so reaching them here means the CLI was called some other way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from app.api.client import LocalClient
from app.cli import render
from app.cli.commands.net import listen_address
from app.cli.context import (
    config_option,
    daemon_endpoint,
    emit,
    json_option,
    load_cli_config,
    open_daemon_client,
    resolve_peer,
    run_async,
)
from app.core.config import Config
from app.core.errors import PeerupError
from app.core.ids.names import validate_service_name

T = TypeVar("T")

_RUN_HINT = "run the daemon with the `peerup` command: peerup [--config PATH] daemon"


def _call(fn: Callable[[LocalClient], Awaitable[T]]) -> T:
    """Run one request against the running daemon (exit 3 when none runs)."""
    endpoint = daemon_endpoint()

    async def go() -> T:
        async with open_daemon_client(endpoint) as client:
            return await fn(client)

    return run_async(go())


def _names() -> dict[str, str]:
    """Peer ID → name from the config, or nothing when the config cannot be read."""
    try:
        return render.names_by_peer(load_cli_config().names)
    except PeerupError:
        return {}


@click.group(invoke_without_command=True)
@config_option()
@click.pass_context
def daemon(ctx: click.Context) -> None:
    """Query or control the running daemon (see `peerup daemon --help`)."""
    if ctx.invoked_subcommand is None:
        raise click.UsageError(f"this program cannot start the daemon; {_RUN_HINT}", ctx=ctx)


@daemon.command("start")
@click.pass_context
def daemon_start(ctx: click.Context) -> None:
    """Run the daemon in the foreground (handled by the `peerup` entry point)."""
    raise click.UsageError(f"this program cannot start the daemon; {_RUN_HINT}", ctx=ctx)


@daemon.command("status")
@json_option
@config_option()
def daemon_status(as_json: bool) -> int:
    """Show the daemon's node status."""
    node = _call(lambda c: c.status())
    return emit(node, as_json, lambda: render.render_node_status(node))


@daemon.command("stop")
@config_option()
def daemon_stop() -> int:
    """Ask the daemon to shut down."""
    _call(lambda c: c.shutdown())
    click.echo("The daemon is shutting down.")
    return 0


@daemon.command("peers")
@click.option("--all", "include_all", is_flag=True, help="Include peers that are not authorized.")
@json_option
@config_option()
def daemon_peers(include_all: bool, as_json: bool) -> int:
    """List peers the daemon knows, each with its badge."""
    peers = _call(lambda c: c.peers(include_unauthorized=include_all))
    return emit(peers, as_json, lambda: [f"Peers ({len(peers)}):", *render.render_peers(peers)])


@daemon.command("services")
@json_option
@config_option()
def daemon_services(as_json: bool) -> int:
    """List the daemon's services: those it exposes, and the configured ones disabled."""
    services = _call(lambda c: c.services())
    return emit(
        services,
        as_json,
        lambda: [f"Services ({len(services)}):", *render.render_services(services, names=_names())],
    )


@daemon.command("forwards")
@json_option
@config_option()
def daemon_forwards(as_json: bool) -> int:
    """List the daemon's open forwards with their counters."""
    forwards = _call(lambda c: c.forwards())
    return emit(
        forwards,
        as_json,
        lambda: [f"Forwards ({len(forwards)}):", *render.render_forwards(forwards)],
    )


@daemon.command("paths")
@json_option
@config_option()
def daemon_paths(as_json: bool) -> int:
    """Show the path (direct or relayed) to each connected peer."""
    paths = _call(lambda c: c.paths())
    return emit(
        paths, as_json, lambda: [f"Paths ({len(paths)}):", *render.render_paths(paths, _names())]
    )


def _config_or_none() -> Config | None:
    try:
        return load_cli_config()
    except PeerupError:
        return None


@daemon.command("connect")
@click.option("--peer", required=True, help="Peer name or ID.")
@click.option("--service", "service_name", required=True, help="The peer's service, e.g. ssh.")
@click.option(
    "--listen",
    default="127.0.0.1:0",
    show_default=True,
    metavar="HOST:PORT|PORT",
    help="Local address to listen on (port 0: any free port).",
)
@json_option
@config_option()
def daemon_connect(peer: str, service_name: str, listen: str, as_json: bool) -> int:
    """Open a forward in the daemon; it stays open after this command exits."""
    validate_service_name(service_name)
    address = listen_address(listen)
    peer_id = resolve_peer(_config_or_none(), peer).peer_id
    forward = _call(lambda c: c.open_forward(peer_id, service_name, address))
    if as_json:
        click.echo(render.dumps(forward))
        return 0
    click.echo(f"{forward.id}  {render.render_forward_line(forward)}")
    click.echo(f"Close it with: peerup daemon disconnect {forward.id}")
    return 0


@daemon.command("disconnect")
@click.argument("forward_id", metavar="FORWARD-ID")
@config_option()
def daemon_disconnect(forward_id: str) -> int:
    """Close the daemon's forward FORWARD-ID (see `peerup daemon forwards`)."""
    _call(lambda c: c.close_forward(forward_id))
    click.echo(f"Closed {forward_id}.")
    return 0
