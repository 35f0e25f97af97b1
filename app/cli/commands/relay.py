"""``peerup relay …``: use relays (``add``, ``list``, ``remove``) and run one (``setup``, ``serve``,
``info``).

A relay is a peer-up node with ``relay_service: {enabled: true}``: nodes that cannot accept inbound
connections reserve a slot on it, and their peers reach them through it (circuit relay v2) until
hole punching finds a direct path.

``add`` and ``remove`` change ``relay.addresses`` in config.yaml (comments survive): through the
running daemon when there is one (it is the file's only writer while it runs, and it reserves on an
added relay, or stops using a removed one, at once), else in the file itself. ``list`` shows the
configured relays, with each reservation's state when a daemon runs. ``setup`` creates a config
directory for a dedicated relay, ``serve`` runs the daemon with the relay service forced on
(:mod:`app.launcher` dispatches it to the daemon), and ``info`` prints the relay's addresses, to
be given to ``peerup relay add`` on each node.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.commands.setup import init_directory
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
from app.cli.qr import render_qr
from app.core.config import ConfigEditor, init_config_dir
from app.core.errors import AlreadyExistsError
from app.core.ids.identity import load_identity
from app.core.ids.relayaddr import DEFAULT_RELAY_PORT, relay_address, relay_peer
from app.core.status import NodeStatus, RelayInfo
from app.util.paths import default_config_path

# The directory that holds the ``app`` package, so ``-m app`` works from any working directory.
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


@click.group()
@config_option()
def relay() -> None:
    """Use relays (add, list, remove) and run one (setup, serve, info)."""


async def _add_via_daemon(endpoint: ApiEndpoint, address: str) -> None:
    async with open_daemon_client(endpoint) as client:
        await client.add_relay(address)


async def _remove_via_daemon(endpoint: ApiEndpoint, relay: str) -> str:
    async with open_daemon_client(endpoint) as client:
        return await client.remove_relay(relay)


# ---- add, list, remove ---------------------------------------------------------------------------


@relay.command("add")
@click.argument("address", metavar="MULTIADDR|IP[:PORT]")
@click.option(
    "--peer-id",
    "peer_id",
    metavar="ID",
    help="The relay's peer ID, when ADDRESS is IP[:PORT] (default port 7777).",
)
@config_option()
def add(address: str, peer_id: str | None) -> int:
    """Use a relay: add it to relay.addresses in the config.

    ADDRESS is the relay's full multiaddr (/ip4/203.0.113.7/tcp/7777/p2p/12D3KooW…), or its
    IP[:PORT] together with --peer-id. IPv6 goes in brackets: [2001:db8::7]:7777.
    """
    path = state().resolved_config_path
    load_cli_config(path)
    addr = relay_address(address, peer_id)
    if daemon_running():
        run_async(_add_via_daemon(daemon_endpoint(), addr))
        click.echo(f"Added relay {addr}")
        click.echo("The running daemon reserves a slot on it now (see: peerup relay list).")
        return 0
    editor = ConfigEditor.open(path)
    editor.add_relay(addr)
    editor.save()
    click.echo(f"Added relay {addr}")
    return 0


@relay.command("remove")
@click.argument("relay_ref", metavar="MULTIADDR|PEER-ID")
@config_option()
def remove(relay_ref: str) -> int:
    """Stop using a relay: remove it from relay.addresses (by multiaddr or peer ID)."""
    path = state().resolved_config_path
    config = load_cli_config(path)
    wanted = relay_ref.strip()
    if daemon_running():
        removed = run_async(_remove_via_daemon(daemon_endpoint(), wanted))
        click.echo(f"Removed relay {removed}")
        click.echo("The running daemon no longer uses it.")
        return 0
    match = next(
        (a for a in config.relay_addresses if a == wanted or relay_peer(a) == wanted), wanted
    )
    editor = ConfigEditor.open(path)
    editor.remove_relay(wanted)
    editor.save()
    click.echo(f"Removed relay {match}")
    return 0


async def _fetch_status(endpoint: ApiEndpoint) -> NodeStatus:
    async with open_daemon_client(endpoint) as client:
        return await client.status()


def relay_rows(
    configured: tuple[str, ...], live: tuple[RelayInfo, ...] | None
) -> list[dict[str, object]]:
    """Join the configured relays with the daemon's reservations (None: no daemon runs).

    Returns:
        One dict per relay: ``address``, ``peer_id``, ``in_config``, ``in_daemon`` (None without a
        daemon), ``reserved``, ``expires_at``, ``error`` (None when unknown).
    """
    rows: list[dict[str, object]] = []
    used: set[int] = set()
    for addr in configured:
        peer = relay_peer(addr)
        info = None
        for i, item in enumerate(live or ()):
            if i not in used and (item.address == addr or (peer and item.peer_id == peer)):
                info = item
                used.add(i)
                break
        rows.append(_relay_row(addr, peer, info, in_config=True, daemon=live is not None))
    for i, item in enumerate(live or ()):
        if i not in used:
            rows.append(_relay_row(item.address, item.peer_id, item, in_config=False, daemon=True))
    return rows


def _relay_row(
    address: str, peer: str, info: RelayInfo | None, *, in_config: bool, daemon: bool
) -> dict[str, object]:
    return {
        "address": address,
        "peer_id": peer,
        "in_config": in_config,
        "in_daemon": (info is not None) if daemon else None,
        "reserved": info.reserved if info is not None else None,
        "expires_at": info.expires_at if info is not None else None,
        "error": info.error if info is not None else None,
        "limit_data": info.limit_data if info is not None else None,
        "limit_duration": info.limit_duration if info is not None else None,
    }


def _row_state(row: dict[str, object], info: RelayInfo | None) -> str:
    if row["in_daemon"] is None:
        return ""
    if info is None:
        return "not used by the running daemon yet (restart it to apply)"
    state_text = render.relay_state(info)
    if not row["in_config"]:
        state_text += "  (removed from the config; used until the daemon restarts)"
    return state_text


@relay.command("list")
@json_option
@config_option()
def list_relays(as_json: bool) -> int:
    """List the configured relays, with each reservation's state when the daemon runs."""
    config = load_cli_config()
    live: tuple[RelayInfo, ...] | None = None
    if daemon_running():
        live = run_async(_fetch_status(daemon_endpoint())).relays
    rows = relay_rows(config.relay_addresses, live)
    if as_json:
        click.echo(render.dumps({"daemon": live is not None, "relays": rows}))
        return 0
    click.echo(f"Relays ({len(rows)}):")
    if not rows:
        click.echo("  (none; add one with: peerup relay add <multiaddr>)")
    by_address = {r.address: r for r in live or ()}
    by_peer = {r.peer_id: r for r in live or ()}
    table = []
    for row in rows:
        address, peer = str(row["address"]), str(row["peer_id"])
        info = (by_address.get(address) or by_peer.get(peer)) if row["in_daemon"] else None
        table.append([address, _row_state(row, info)])
    for line in render.table(table):
        click.echo(line)
    if live is None:
        click.echo()
        click.echo("daemon: not running (reservations are shown while it runs)")
    return 0


# ---- setup, serve, info --------------------------------------------------------------------------


@relay.command("setup")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the relay's config.yaml, identity key and authorized_keys "
    "(default: the per-user config directory).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_RELAY_PORT,
    show_default=True,
    help="TCP port the relay listens on.",
)
@click.option("--network", help="Private network namespace (isolates the DHT), e.g. my-crew.")
@config_option()
def setup(directory: Path | None, port: int, network: str | None) -> int:
    """Create the config of a dedicated relay (relay_service enabled)."""
    directory = init_directory(directory)
    config_path = directory / "config.yaml"
    if config_path.exists():
        raise AlreadyExistsError(
            f"{config_path} already exists",
            hint=f"To relay with that config as it is: peerup relay serve --config {config_path}. "
            "Or choose another directory with --dir.",
        )
    config_path = init_config_dir(directory, listen_port=port, network=network)
    editor = ConfigEditor.open(config_path)
    editor.set_relay_service_enabled(True)
    config = editor.save()
    peer_id = str(load_identity(config.key_file).peer_id)
    flag = f"--config {config_path}"
    template = f"/ip4/<public IP>/tcp/{port}/p2p/{peer_id}"

    click.echo("The relay is set up.")
    click.echo()
    click.echo(f"  Peer ID:  {peer_id}")
    click.echo(f"  Config:   {config_path}")
    click.echo(f"  Network:  {render.network_label(config.network)}")
    click.echo(f"  Port:     {port} (TCP)")
    click.echo()
    click.echo("Next steps:")
    click.echo(
        f"  1. Let TCP port {port} in: open it in the firewall (and forward it on the router, "
        "if there is one)."
    )
    click.echo("  2. Authorize each node that may use the relay:")
    click.echo(f"       peerup auth add <node peer ID> --comment laptop {flag}")
    click.echo("  3. Start the relay:")
    click.echo(f"       peerup relay serve {flag}")
    click.echo("  4. On each node, add the relay:")
    click.echo(f"       peerup relay add <public IP>:{port} --peer-id {peer_id}")
    click.echo()
    click.echo(
        "The relay's address (put this machine's public IP in; `peerup relay info` shows it):"
    )
    click.echo(f"  {template}")
    return 0


def _daemon_argv(config_path: Path) -> list[str]:
    return [sys.executable, "-m", "app", "relay", "serve", "--config", str(config_path)]


@relay.command("serve")
@config_option()
def serve() -> int:  # pragma: no cover - replaced by the daemon process
    """Run this node as a relay in the foreground (the daemon with relay_service forced on).

    Nodes that cannot accept inbound connections reserve a slot here and are reached through it.
    Stop it with Ctrl+C.
    """
    # `peerup relay serve` is dispatched to the daemon by app.launcher before the CLI runs; this
    # command only shows up in `peerup relay --help` and is reached when the CLI is entered some
    # other way. Become the daemon the same way.
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_SOURCE_ROOT) + (os.pathsep + old if old else "")
    argv = _daemon_argv(state().resolved_config_path)
    os.execve(sys.executable, argv, env)


def info_notes(
    addresses: tuple[str, ...], *, running: bool, relaying: bool, config_flag: str
) -> list[str]:
    """Return the advice ``relay info`` prints under the addresses."""
    notes = []
    if any(a.startswith(("/ip4/0.0.0.0/", "/ip6/::/")) for a in addresses):
        notes.append(
            "0.0.0.0 and :: stand for every interface: give nodes this machine's public IP "
            "address instead."
        )
    if any("/tcp/0/" in a or a.endswith("/tcp/0") for a in addresses):
        notes.append(
            "Port 0 means a different port at every start: give the relay a fixed port in "
            "network.listen_addresses."
        )
    if not running:
        notes.append(f"The relay is not running; start it with: peerup relay serve{config_flag}")
    elif not relaying:
        notes.append(
            "The running daemon does not relay for others; restart it with: "
            f"peerup relay serve{config_flag}"
        )
    return notes


@relay.command("info")
@json_option
@click.option("--no-qr", is_flag=True, help="Do not print the first address as a QR code.")
@config_option()
def info(as_json: bool, no_qr: bool) -> int:
    """Show this relay's peer ID and addresses, for `peerup relay add` on each node."""
    config_path = state().resolved_config_path
    running = daemon_running()
    if running:
        status = run_async(_fetch_status(daemon_endpoint()))
        peer_id, listen, relaying = status.peer_id, status.listen_addresses, status.relay_service
    else:
        config = load_cli_config(config_path)
        peer_id = str(load_identity(config.key_file).peer_id)
        listen, relaying = config.listen_addresses, config.relay_service.enabled
    addresses = tuple(
        sorted(
            (render.with_peer_id(a, peer_id) for a in listen if "/p2p-circuit" not in a),
            key=lambda a: (render.address_rank(a), not a.startswith("/ip4/")),
        )
    )
    is_default = config_path.expanduser().resolve() == default_config_path().expanduser().resolve()
    flag = "" if is_default else f" --config {config_path}"
    notes = info_notes(listen, running=running, relaying=relaying, config_flag=flag)
    if as_json:
        data = {
            "peer_id": peer_id,
            "addresses": addresses,
            "source": "daemon" if running else "config",
            "running": running,
            "relay_service": relaying,
            "notes": notes,
        }
        click.echo(render.dumps(data))
        return 0
    click.echo(f"Relay peer ID: {peer_id}")
    click.echo("Addresses" + (":" if running else " (from the config):"))
    for addr in addresses or ("(none)",):
        click.echo(f"  {addr}")
    if addresses and not no_qr:
        click.echo()
        click.echo(render_qr(addresses[0]))
        click.echo("  (the first address)")
    for note in notes:
        click.echo(f"Note: {note}")
    if addresses:
        click.echo()
        click.echo(f"On each node: peerup relay add {add_argument(addresses[0], peer_id)}")
    return 0


def add_argument(address: str, peer_id: str) -> str:
    """What to pass to ``peerup relay add`` for ``address``; a wildcard IP becomes a template."""
    parts = address.split("/")
    if len(parts) > 4 and parts[1] in ("ip4", "ip6") and parts[2] in ("0.0.0.0", "::"):
        return f"<public IP>:{parts[4]} --peer-id {peer_id}"
    return address
