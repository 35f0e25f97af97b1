"""``peerup config validate`` and ``peerup config show``."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli import render
from app.cli.context import config_option, emit, json_option, load_cli_config, state
from app.core.config import config_to_dict, load_config
from app.core.errors import ConfigError, PeerupError


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
