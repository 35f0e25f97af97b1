"""Relay pairing from the CLI: ``peerup relay pair`` (the relay's admin) and the join of a code.

``relay pair`` talks to the running relay (``peerup relay serve``) through its local API: the same
Unix socket (0600, in a 0700 runtime directory) and cookie bearer token as every other command,
so only the relay's own user can open groups. :func:`join_with_pairing_code` is what ``peerup
join`` runs for pairing codes (ours and the Go peer-up's).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import msgspec

from app.api import models
from app.api.transport import ApiEndpoint
from app.cli import render
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
from app.cli.standalone import wait_for_socket
from app.core.codes.paircode import PairingCode, parse_pairing_code
from app.core.config import ConfigEditor, init_config_dir, parse_duration
from app.core.errors import AlreadyExistsError, ConfigError, PeerupError
from app.util.ports import pick_listen_port

__all__ = ["join_with_pairing_code", "pair"]

_SOURCE_ROOT = Path(__file__).resolve().parents[3]
DAEMON_START_TIMEOUT = 30.0


def _duration(text: str, what: str) -> int:
    if text.strip() in ("0", ""):
        return 0
    try:
        return round(parse_duration(text))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: {exc}", param_hint=what) from None


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


async def _create(endpoint: ApiEndpoint, req: models.RelayPairRequest) -> models.RelayPairCreated:
    async with open_daemon_client(endpoint) as client:
        return await client.relay_pair(req)


async def _groups(endpoint: ApiEndpoint) -> list[models.RelayPairGroup]:
    async with open_daemon_client(endpoint) as client:
        return await client.relay_pair_groups()


async def _revoke(endpoint: ApiEndpoint, gid: str) -> None:
    async with open_daemon_client(endpoint) as client:
        await client.relay_pair_revoke(gid)


def _not_running_hint() -> None:
    if not daemon_running():
        raise PeerupError(
            "the relay is not running",
            hint="start it with: peerup relay serve (pairing codes are kept by the running relay)",
        )


@click.command("pair")
@click.option("--count", type=click.IntRange(1, 100), default=1, show_default=True)
@click.option("--ttl", default="1h", show_default=True, help="How long the codes stay valid.")
@click.option("--namespace", default=None, help="Private network for the group.")
@click.option(
    "--expires",
    default="0",
    help="Members' authorization on the relay ends after this (0 = never).",
)
@click.option("--list", "list_groups", is_flag=True, help="List the groups.")
@click.option("--revoke", "revoke_id", metavar="GROUP", help="Close a group.")
@json_option
@config_option()
def pair(
    count: int,
    ttl: str,
    namespace: str | None,
    expires: str,
    list_groups: bool,
    revoke_id: str | None,
    as_json: bool,
) -> int:
    """Issue pairing codes on this relay (one per device), list or revoke groups.

    Each device runs `peerup join <code>`; the relay authorizes it and introduces the members
    of the group to each other. Every member starts [UNVERIFIED]: verify with `peerup verify`.
    """
    _not_running_hint()
    endpoint = daemon_endpoint()
    if revoke_id is not None:
        run_async(_revoke(endpoint, revoke_id))
        click.echo(f"Group {revoke_id} revoked: its unused codes no longer work.")
        click.echo("Members that joined stay authorized (peerup auth remove <peer> to drop one).")
        return 0
    if list_groups:
        groups = run_async(_groups(endpoint))
        if as_json:
            click.echo(render.dumps(msgspec.to_builtins(groups)))
            return 0
        if not groups:
            click.echo("No pairing groups.")
        for g in groups:
            ns = f"  network {g.namespace}" if g.namespace else ""
            click.echo(
                f"{g.id}  {g.state:<8} {g.used}/{g.total} joined  failed attempts "
                f"{g.failed_attempts}/3  expires {_when(g.expires_at)}{ns}"
            )
            for m in g.members:
                click.echo(f"    {m.peer_id}  {m.name or '-'}")
        return 0
    req = models.RelayPairRequest(
        count=count,
        ttl_seconds=max(1, _duration(ttl, "--ttl")),
        namespace=namespace or None,
        expires_seconds=_duration(expires, "--expires"),
    )
    created = run_async(_create(endpoint, req))
    if as_json:
        click.echo(render.dumps(msgspec.to_builtins(created)))
        return 0
    click.echo(f"=== Pairing group {created.group_id}: {len(created.codes)} code(s) ===")
    click.echo(f"Valid until {_when(created.expires_at)}; each code works once.")
    for i, code in enumerate(created.codes, 1):
        click.echo()
        click.echo(f"Code {i}:  peerup join {code}")
    if created.reference_codes:
        click.echo()
        click.echo("For devices with the Go peer-up (same groups, older code format):")
        for i, code in enumerate(created.reference_codes, 1):
            click.echo(f"  {i}: {code}")
    click.echo()
    click.echo("Send each device one code. Members are introduced to each other as they join;")
    click.echo("each starts [UNVERIFIED]: verify each other with `peerup verify <name>`.")
    return 0


# ---- join ----------------------------------------------------------------------------------------


def _ensure_config(config_path: Path, code: PairingCode) -> bool:
    """Create the config for a fresh device with the code's relay and network; True if created."""
    if config_path.exists():
        return False
    created = init_config_dir(
        config_path.parent, listen_port=pick_listen_port(), network=code.namespace
    )
    if created != config_path:  # --config names another file than config.yaml
        created.rename(config_path)
    editor = ConfigEditor.open(config_path)
    with contextlib.suppress(AlreadyExistsError):
        editor.add_relay(code.relay_addresses[0])
    editor.save()
    return True


def _start_daemon(config_path: Path) -> tuple[ApiEndpoint, int]:
    """Start ``peerup daemon`` in the background (it outlives this command, as in the reference)."""
    log_path = config_path.parent / "daemon.log"
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_SOURCE_ROOT) + (os.pathsep + old if old else "")
    argv = [sys.executable, "-m", "app", "--config", str(config_path), "daemon"]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    endpoint = daemon_endpoint(config_path)
    try:
        run_async(wait_for_socket(endpoint, proc, log_path, limit=DAEMON_START_TIMEOUT))
    except PeerupError as exc:
        raise PeerupError(
            f"the daemon did not start: {exc.message}",
            hint=f"start it by hand with: peerup daemon --config {config_path} (log: {log_path})",
        ) from None
    return endpoint, proc.pid


async def _join(endpoint: ApiEndpoint, text: str, name: str) -> models.PairingJoinReply:
    async with open_daemon_client(endpoint) as client:
        return await client.pairing_join(text, name)


def join_with_pairing_code(
    text: str, *, name: str = "", config_path: Path | None = None, start_daemon: bool = True
) -> int:
    """Join a relay pairing group with ``text`` (a code or link: kind PAIRING or REFERENCE_PAIRING).

    On a fresh device this creates the config (with the code's relay and network) first. The
    redemption runs in the daemon, which must keep running to receive the introductions of the
    members that join later: one is started in the background when none runs (``start_daemon``),
    else the user is told.

    Returns:
        The exit code (0).

    Raises:
        PeerupError: A bad code, a refusal by the relay, a failed daemon start.
    """
    code = parse_pairing_code(text)
    path = config_path if config_path is not None else state().resolved_config_path
    try:
        created = _ensure_config(path, code)
    except AlreadyExistsError:
        created = False
    except ConfigError:
        raise
    if created:
        click.echo(f"Created a new config at {path} (relay and network from the code).")
    elif code.namespace and load_cli_config(path).network != code.namespace:
        click.echo(
            f"Note: the group uses the private network {code.namespace!r}, this device's config "
            "another one; peers are still reached through the relay."
        )
    endpoint = daemon_endpoint(path)
    if not daemon_running(path):
        if not start_daemon:
            raise PeerupError(
                "the peer-up daemon is not running",
                hint=f"start it first: peerup daemon --config {path}",
            )
        endpoint, pid = _start_daemon(path)
        click.echo(f"Started the daemon in the background (pid {pid}); it receives introductions.")
    # An empty name: the daemon announces its device name (identity.name, else the host name).
    reply = run_async(_join(endpoint, text, name))
    click.echo(f"Joined group {reply.group_id} on relay {reply.relay}.")
    if reply.relay_added:
        click.echo("The relay was added to relay.addresses in the config.")
    if not reply.members:
        click.echo("Authorized on relay. No other peers in this group yet.")
        click.echo("Members who join later are introduced to this device while its daemon runs.")
    for m in reply.members:
        if m.warning:
            click.secho(m.warning, fg="red", bold=True, err=True)
        renamed = (
            f" (named {m.renamed_from!r} by itself; that name was taken)" if m.renamed_from else ""
        )
        click.echo(f"  {m.name}  {m.peer_id}  [UNVERIFIED]{renamed}")
    if reply.members:
        click.echo("Every member starts [UNVERIFIED]. Compare emoji with each of them:")
        for m in reply.members:
            click.echo(f"  peerup verify {m.name}")
        click.echo(f"To rename a member, edit its line under names: in {path}.")
    if not reply.proofs_verified:
        click.echo(
            "Note: this relay runs the Go peer-up; its introductions carry no proof this device "
            "can check (they are accepted from that relay only)."
        )
    return 0
