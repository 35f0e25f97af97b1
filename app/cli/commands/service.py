"""``peerup service …``: the local TCP services this node exposes to its peers.

While a daemon runs, it is the only writer of config.yaml: ``add``, ``remove``, ``enable`` and
``disable`` ask it through the API, and it writes the file (round-trip, so comments survive) and
exposes or unexposes the service at once. Without a daemon they edit config.yaml themselves, and
the next daemon start applies it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import click

from app.api.client import LocalClient
from app.cli import render
from app.cli.context import (
    config_option,
    daemon_endpoint,
    daemon_running,
    json_option,
    load_cli_config,
    open_daemon_client,
    resolve_peer,
    run_async,
    state,
)
from app.core.config import Config, ConfigEditor, ServiceConfig
from app.core.errors import NotFoundError
from app.core.ids.names import service_protocol_id, validate_service_name
from app.core.ids.netaddr import parse_host_port
from app.core.status import ServiceInfo

T = TypeVar("T")


@click.group()
@config_option()
def service() -> None:
    """Manage the local services exposed to peers (the services: section of the config)."""


def _find(config: Config, name: str) -> ServiceConfig:
    for svc in config.services:
        if svc.name == name:
            return svc
    known = ", ".join(s.name for s in config.services) or "none"
    raise NotFoundError(f"no service named {name!r}", hint=f"Configured services: {known}.")


def _via_daemon(call: Callable[[LocalClient], Awaitable[T]]) -> T:
    """Run one API call on the running daemon (which writes config.yaml and applies it)."""

    async def run() -> T:
        async with open_daemon_client(daemon_endpoint()) as client:
            return await call(client)

    return run_async(run())


def _edit_offline(edit: Callable[[ConfigEditor], None]) -> Config:
    """No daemon runs: edit config.yaml here; the next daemon start applies it."""
    editor = ConfigEditor.open(state().resolved_config_path)
    edit(editor)
    return editor.save()


_OFFLINE_NOTE = "No daemon is running; it will apply this when it starts."


@service.command("add")
@click.argument("name")
@click.argument("address")
@click.option(
    "--allow",
    "allow",
    multiple=True,
    metavar="PEER",
    help="Only this peer (name or ID) may use it; repeat for more. Default: every authorized peer.",
)
@click.option(
    "--verified-only",
    is_flag=True,
    help="Admit only peers whose key you verified (peerup verify); others get a clear refusal.",
)
@config_option()
def service_add(name: str, address: str, allow: Sequence[str], verified_only: bool) -> int:
    """Expose the local TCP service at ADDRESS (host:port) to peers as NAME."""
    validate_service_name(name)
    parse_host_port(address)
    config = load_cli_config()
    allowed = tuple(resolve_peer(config, p).peer_id for p in allow)
    running = daemon_running()
    if running:
        _via_daemon(
            lambda client: client.expose_service(
                name, address, allowed_peers=allowed, persist=True, verified_only=verified_only
            )
        )
        saved = load_cli_config()
    else:
        saved = _edit_offline(
            lambda editor: editor.add_service(
                name, address, allowed_peers=allowed, enabled=True, verified_only=verified_only
            )
        )
    svc = _find(saved, name)
    who = render.allowed_text(svc.allowed_peers, render.names_by_peer(saved.names))
    if svc.verified_only:
        who += " (verified peers only)"
    click.echo(f"Added service {name} → {address} ({service_protocol_id(name)}), allowed: {who}.")
    click.echo("The running daemon exposes it now." if running else _OFFLINE_NOTE)
    return 0


@service.command("list")
@json_option
@config_option()
def service_list(as_json: bool) -> int:
    """List configured services (and, with a daemon running, whether each is exposed)."""
    config = load_cli_config()
    infos = [s.info() for s in config.services]
    live: dict[str, ServiceInfo] | None = None
    if daemon_running():
        # The daemon lists the disabled ones too (enabled False): only the others are exposed.
        listed = _via_daemon(lambda client: client.services())
        live = {s.name: s for s in listed if s.enabled}
    if as_json:
        data = []
        for info in infos:
            item = render.to_jsonable(info)
            assert isinstance(item, dict)
            item["exposed"] = None if live is None else info.name in live
            data.append(item)
        click.echo(render.dumps(data))
        return 0
    click.echo(f"Services ({len(infos)}):")
    for line in render.render_services(infos, names=render.names_by_peer(config.names), live=live):
        click.echo(line)
    if live is None:
        click.echo("(daemon not running: nothing is exposed right now)")
    return 0


@service.command("remove")
@click.argument("name")
@config_option()
def service_remove(name: str) -> int:
    """Stop exposing NAME and delete it from the config."""
    _find(load_cli_config(), name)
    running = daemon_running()
    if running:
        _via_daemon(lambda client: client.unexpose_service(name, persist=True))
    else:
        _edit_offline(lambda editor: editor.remove_service(name))
    click.echo(f"Removed service {name}.")
    click.echo("The running daemon no longer exposes it." if running else _OFFLINE_NOTE)
    return 0


def _set_enabled(name: str, enabled: bool) -> int:
    _find(load_cli_config(), name)
    running = daemon_running()
    if running:
        _via_daemon(lambda client: client.set_service_enabled(name, enabled))
    else:
        _edit_offline(lambda editor: editor.set_service_enabled(name, enabled))
    click.echo(f"Service {name} {'enabled' if enabled else 'disabled'}.")
    if running:
        click.echo(f"The running daemon {'exposes' if enabled else 'no longer exposes'} it now.")
    else:
        click.echo(_OFFLINE_NOTE)
    return 0


@service.command("enable")
@click.argument("name")
@config_option()
def service_enable(name: str) -> int:
    """Expose NAME again (set enabled: true)."""
    return _set_enabled(name, True)


@service.command("disable")
@click.argument("name")
@config_option()
def service_disable(name: str) -> int:
    """Stop exposing NAME but keep it in the config (set enabled: false)."""
    return _set_enabled(name, False)
