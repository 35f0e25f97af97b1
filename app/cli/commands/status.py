"""``peerup status``: the daemon's live view when it runs, else what the files say.

With a daemon the view includes this node's reachability grade (``--probe`` measures it again
first), its relays and their reservations, its circuit addresses, whether it relays for others,
and each peer's grade and path (or the path both grades predict, until one is observed).
"""

from __future__ import annotations

import contextlib
import time

import click

from app import __version__
from app.api.errors import DaemonNotRunningError
from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.commands.auth import local_auth_entries
from app.cli.context import (
    config_option,
    daemon_endpoint,
    daemon_running,
    json_option,
    load_cli_config,
    open_daemon_client,
    run_async,
    state,
)
from app.core.config import Config
from app.core.errors import PeerupError
from app.core.ids.identity import load_identity
from app.core.peers import addrbook
from app.core.status import ForwardInfo, NodeStatus, PeerInfo, ServiceInfo

NOT_RUNNING = "daemon: not running (start with: peerup daemon)"


async def _daemon_view(
    endpoint: ApiEndpoint, *, probe: bool = False
) -> tuple[NodeStatus, list[PeerInfo], list[ServiceInfo], list[ForwardInfo]]:
    async with open_daemon_client(endpoint) as client:
        if probe:
            click.echo("probing…", err=True)
            await client.probe_reachability()
        return (
            await client.status(),
            await client.peers(),
            await client.services(),
            await client.forwards(),
        )


def _print_daemon_view(
    status: NodeStatus,
    peers: list[PeerInfo],
    services: list[ServiceInfo],
    forwards: list[ForwardInfo],
    names: dict[str, str],
) -> None:
    for line in render.render_node_status(status):
        click.echo(line)
    for change in status.key_changes:
        click.echo(change.message, err=True)
    click.echo()
    click.echo(f"Peers ({len(peers)}):")
    for line in render.render_peers(peers):
        click.echo(line)
    click.echo()
    click.echo(f"Services ({len(services)}):")
    for line in render.render_services(services, names=names):
        click.echo(line)
    click.echo()
    click.echo(f"Forwards ({len(forwards)}):")
    for line in render.render_forwards(forwards):
        click.echo(line)


def _remembered_addresses(config: Config) -> dict[str, object]:
    """What the node remembers of where its peers were reached (its state file), if readable."""
    path = config.path.parent / addrbook.FILE_NAME
    try:
        with path.open("rb") as fh:
            book = addrbook.AddressBook.from_json(fh.read(addrbook.MAX_FILE_SIZE + 1))
    except (OSError, PeerupError):
        return {}
    now = time.time()
    return {pid: book.entries(pid, now=now) for pid in book.peers() if book.entries(pid, now=now)}


def _local_view(config: Config, *, as_json: bool) -> None:
    try:
        peer_id: str | None = str(load_identity(config.key_file).peer_id)
        identity_error = None
    except PeerupError as exc:
        peer_id, identity_error = None, exc.message
    entries = local_auth_entries(config, config.authorized_keys_file)
    services = [s.info() for s in config.services]
    if as_json:
        click.echo(
            render.dumps(
                {
                    "daemon": False,
                    "peer_id": peer_id,
                    "identity_error": identity_error,
                    "config_path": config.path,
                    "network": config.network,
                    "listen_addresses": config.listen_addresses,
                    "relay_addresses": config.relay_addresses,
                    "authorized_peers": entries,
                    "services": services,
                    "names": dict(config.names),
                    "remembered_addresses": _remembered_addresses(config),
                }
            )
        )
        return
    click.echo(f"peerup {__version__}")
    click.echo(f"Peer ID:   {peer_id or '(unavailable: ' + str(identity_error) + ')'}")
    click.echo(f"Config:    {config.path}")
    click.echo(f"Network:   {render.network_label(config.network)}")
    for line in render.listen_lines(config.listen_addresses):
        click.echo(line)
    if config.relay_addresses:
        for i, addr in enumerate(config.relay_addresses):
            click.echo(("Relays:    " if i == 0 else "           ") + addr)
    click.echo()
    click.echo(f"Authorized peers ({len(entries)}):")
    for line in render.render_auth_entries(entries):
        click.echo(line)
    click.echo()
    click.echo(f"Services ({len(services)}):")
    for line in render.render_services(services, names=render.names_by_peer(config.names)):
        click.echo(line)
    if config.names:
        click.echo()
        click.echo(f"Names ({len(config.names)}):")
        for name, pid in config.names:
            click.echo(f"  {name} → {pid}")
    click.echo()
    click.echo(NOT_RUNNING)


@click.command()
@click.option(
    "--probe",
    is_flag=True,
    help="Measure reachability now (interfaces, STUN) before showing it; needs the daemon.",
)
@json_option
@config_option()
def status(probe: bool, as_json: bool) -> int:
    """Show this node: identity, reachability, relays, peers with badges, services, forwards."""
    if daemon_running():
        node, peers, services, forwards = run_async(_daemon_view(daemon_endpoint(), probe=probe))
        if as_json:
            click.echo(
                render.dumps(
                    {
                        "daemon": True,
                        "status": node,
                        "peers": peers,
                        "services": services,
                        "forwards": forwards,
                    }
                )
            )
            return 0
        names: dict[str, str] = {}
        with contextlib.suppress(PeerupError):
            names = render.names_by_peer(load_cli_config().names)
        _print_daemon_view(node, peers, services, forwards, names)
        return 0
    if probe:
        raise DaemonNotRunningError(
            "`peerup status --probe` measures reachability through the running daemon, "
            "and the peer-up daemon is not running."
        )
    config = load_cli_config(state().resolved_config_path)
    _local_view(config, as_json=as_json)
    return 0
