"""``peerup config validate``, ``show``, ``set`` and ``unset``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.context import (
    config_option,
    daemon_endpoint,
    daemon_running,
    emit,
    json_option,
    load_cli_config,
    open_daemon_client,
    run_async,
    state,
)
from app.core.config import ConfigEditor, config_to_dict, load_config
from app.core.errors import ConfigError, PeerupError
from app.core.status import Settings, SettingsUpdate


@click.group("config")
@config_option()
def config_group() -> None:
    """Check and show the configuration."""


@config_group.command("validate")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option()
def config_validate(path: Path | None) -> int:
    """Check a config file (default: the one in use); print OK or FAIL with the reason."""
    target = path if path is not None else state().resolved_config_path
    if not target.exists():
        click.echo(f"FAIL: no such file: {target}")
        return 1
    try:
        load_config(target)
    except ConfigError as exc:
        click.echo(f"FAIL: {exc.message}")
        if exc.hint:
            click.echo(f"Hint: {exc.hint}", err=True)
        return 1
    except PeerupError as exc:
        click.echo(f"FAIL: {target}: {exc.message}")
        return 1
    click.echo(f"OK: {target} is valid")
    return 0


@config_group.command("show")
@json_option
@config_option()
def config_show(as_json: bool) -> int:
    """Print the resolved configuration (defaults filled in, paths made absolute)."""
    data = render.to_jsonable(config_to_dict(load_cli_config()))
    return emit(data, as_json, lambda: render.render_mapping(data))


# ---- preferences: set / unset --------------------------------------------------------------------

_FLAGS = {"mdns": "mdns", "port-mapping": "port_mapping", "hole-punching": "hole_punching"}
_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise click.BadParameter(f"{value!r}: use on or off", param_hint="VALUE")


def _describe(settings: Settings, key: str) -> str:
    if key == "name":
        return f"name: {settings.device_name}"
    if key == "network":
        return f"network: {settings.network or 'the global peer-up network'}"
    value = getattr(settings, _FLAGS[key])
    return f"{key}: {'on' if value else 'off'}"


async def _update_via_daemon(endpoint: ApiEndpoint, changes: dict[str, Any]) -> Settings:
    async with open_daemon_client(endpoint) as client:
        return await client.update_settings(SettingsUpdate(**changes))


def _update(key: str, changes: dict[str, Any]) -> int:
    """Change a preference through the running daemon (applied at once), else in the file."""
    path = state().resolved_config_path
    load_cli_config(path)
    if daemon_running():
        settings = run_async(_update_via_daemon(daemon_endpoint(), changes))
        click.echo(_describe(settings, key))
        click.echo("The running daemon applied it.")
        return 0
    editor = ConfigEditor.open(path)
    editor.update_settings(SettingsUpdate(**changes))
    click.echo(_describe(editor.save().settings(), key))
    return 0


@config_group.command("set")
@click.argument("key", type=click.Choice(["name", "network", *_FLAGS]))
@click.argument("value")
@config_option()
def config_set(key: str, value: str) -> int:
    """Set a preference: name, network, mdns, port-mapping or hole-punching.

    name is what this device announces to the devices it pairs with; network the private
    network (DHT namespace); the others are on or off. With a daemon running it applies the
    change at once, without a restart.
    """
    if key == "name":
        changes: dict[str, Any] = {"device_name": value}
    elif key == "network":
        changes = {"network": value, "clear_network": not value.strip()}
    else:
        changes = {_FLAGS[key]: _flag(value)}
    return _update(key, changes)


@config_group.command("unset")
@click.argument("key", type=click.Choice(["name", "network"]))
@config_option()
def config_unset(key: str) -> int:
    """Go back to the default: name (the host name) or network (the global peer-up network)."""
    changes = {"device_name": ""} if key == "name" else {"clear_network": True}
    return _update(key, changes)
