"""``peerup service …``: the local TCP services this node exposes to its peers.

Every change is written to config.yaml first (round-trip, so comments survive); when a daemon runs,
it is then applied live through the API with ``persist=False`` (the file is already written), so
there is no restart to remember.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from app.core.errors import NotFoundError, PeerupError
from app.core.ids.names import service_protocol_id, validate_service_name
from app.core.ids.netaddr import parse_host_port
from app.core.status import ServiceInfo

_NOT_EXPOSED_CODES = frozenset({"not-found", "service-not-found"})


@click.group()
@config_option()
def service() -> None:
    """Manage the local services exposed to peers (the services: section of the config)."""


def service_info(svc: ServiceConfig) -> ServiceInfo:
    """Turn a config entry into the status type used for rendering and JSON."""
    return ServiceInfo(
        name=svc.name,
        protocol_id=service_protocol_id(svc.name),
        local_address=svc.local_address,
        enabled=svc.enabled,
        allowed_peers=tuple(str(p) for p in svc.allowed_peers),
        verified_only=svc.verified_only,
    )


def _find(config: Config, name: str) -> ServiceConfig:
    for svc in config.services:
        if svc.name == name:
            return svc
    known = ", ".join(s.name for s in config.services) or "none"
    raise NotFoundError(f"no service named {name!r}", hint=f"Configured services: {known}.")


async def _live(action: str, name: str, svc: ServiceConfig | None) -> None:
    """Apply a change to the running daemon: expose ``svc`` or unexpose ``name``."""
    async with open_daemon_client(daemon_endpoint()) as client:
        await _apply(client, action, name, svc)


async def _apply(client: LocalClient, action: str, name: str, svc: ServiceConfig | None) -> None:
    if action == "expose" and svc is not None:
        try:
            await client.unexpose_service(name, persist=False)
        except PeerupError as exc:
            if exc.code not in _NOT_EXPOSED_CODES:
                raise
        await client.expose_service(
            name,
            svc.local_address,
            allowed_peers=tuple(str(p) for p in svc.allowed_peers),
            persist=False,
            verified_only=svc.verified_only,
        )
    else:
        try:
            await client.unexpose_service(name, persist=False)
        except PeerupError as exc:
            if exc.code not in _NOT_EXPOSED_CODES:
                raise


def _apply_live(action: str, name: str, svc: ServiceConfig | None) -> int:
    """Apply to the daemon if one runs; report the outcome.

    Returns:
        0, or 1 when the daemon refused (the config file is changed either way).
    """
    if not daemon_running():
        click.echo("No daemon is running; it will apply this when it starts.")
        return 0
    try:
        run_async(_live(action, name, svc))
    except PeerupError as exc:
        click.echo(
            f"Error: saved to the config, but the running daemon refused: {exc.message}", err=True
        )
        if exc.hint:
            click.echo(f"Hint: {exc.hint}", err=True)
        return 1
    click.echo("Applied to the running daemon.")
    return 0


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
    editor = ConfigEditor.open(state().resolved_config_path)
    editor.add_service(
        name, address, allowed_peers=allowed, enabled=True, verified_only=verified_only
    )
    saved = editor.save()
    svc = _find(saved, name)
    who = render.allowed_text(svc.allowed_peers, render.names_by_peer(saved.names))
    if svc.verified_only:
        who += " (verified peers only)"
    click.echo(f"Added service {name} → {address} ({service_protocol_id(name)}), allowed: {who}.")
    return _apply_live("expose", name, svc)


@service.command("list")
@json_option
@config_option()
def service_list(as_json: bool) -> int:
    """List configured services (and, with a daemon running, whether each is exposed)."""
    config = load_cli_config()
    infos = [service_info(s) for s in config.services]
    live: dict[str, ServiceInfo] | None = None
    if daemon_running():
        live = {s.name: s for s in run_async(_daemon_services())}
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


async def _daemon_services() -> list[ServiceInfo]:
    async with open_daemon_client(daemon_endpoint()) as client:
        return await client.services()


@service.command("remove")
@click.argument("name")
@config_option()
def service_remove(name: str) -> int:
    """Stop exposing NAME and delete it from the config."""
    config = load_cli_config()
    _find(config, name)
    editor = ConfigEditor.open(state().resolved_config_path)
    editor.remove_service(name)
    editor.save()
    click.echo(f"Removed service {name}.")
    return _apply_live("unexpose", name, None)


def _set_enabled(name: str, enabled: bool) -> int:
    config = load_cli_config()
    _find(config, name)
    editor = ConfigEditor.open(state().resolved_config_path)
    editor.set_service_enabled(name, enabled)
    saved = editor.save()
    svc = _find(saved, name)
    click.echo(f"Service {name} {'enabled' if enabled else 'disabled'}.")
    if enabled:
        return _apply_live("expose", name, svc)
    return _apply_live("unexpose", name, None)


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
