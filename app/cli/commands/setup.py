"""``peerup init``, ``peerup whoami`` and ``peerup version``."""

from __future__ import annotations

import platform
from pathlib import Path

import click

from app import __version__
from app.cli import render
from app.cli.context import config_option, load_cli_config, state
from app.cli.qr import render_qr
from app.core.config import init_config_dir, load_config
from app.core.ids.identity import load_identity
from app.util.paths import default_config_path
from app.util.ports import pick_listen_port


def version_text() -> str:
    """Return ``peerup <version> (python <x.y.z>)``."""
    return f"peerup {__version__} (python {platform.python_version()})"


@click.command()
def version() -> int:
    """Print the version of peerup and of Python."""
    click.echo(version_text())
    return 0


@click.command()
@config_option()
def whoami() -> int:
    """Print this node's peer ID."""
    config = load_cli_config()
    click.echo(str(load_identity(config.key_file).peer_id))
    return 0


def init_directory(explicit: Path | None) -> Path:
    """Where `init` and `relay setup` write: --dir, else beside --config, else the default."""
    if explicit is not None:
        return explicit
    config_path = state().config_path
    if config_path is not None:
        return config_path.parent
    return default_config_path().parent


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for config.yaml, the identity key and authorized_keys.",
)
@click.option("--network", help="Private network namespace (isolates the DHT), e.g. my-crew.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="TCP/UDP port to listen on [default: a free port, picked now and kept; "
    "0: a new one at every start].",
)
@click.option("--no-qr", is_flag=True, help="Do not print the peer ID as a QR code.")
@config_option()
def init(directory: Path | None, network: str | None, port: int | None, no_qr: bool) -> int:
    """Create a config, an identity key and authorized_keys."""
    directory = init_directory(directory)
    if port is None:
        port = pick_listen_port()
    config_path = init_config_dir(directory, listen_port=port, network=network)
    config = load_config(config_path)
    peer_id = str(load_identity(config.key_file).peer_id)
    needs_config = (
        config_path.expanduser().resolve() != default_config_path().expanduser().resolve()
    )
    with_config = f" --config {config_path}" if needs_config else ""

    click.echo("peer-up is set up.")
    click.echo()
    click.echo(f"  Peer ID:  {peer_id}")
    click.echo(f"  Config:   {config_path}")
    click.echo(f"  Network:  {render.network_label(config.network)}")
    if port:
        click.echo(f"  Port:     {port} (kept, so that your peers find you again)")
    if not no_qr:
        click.echo()
        click.echo(render_qr(peer_id))
        click.echo("  (your peer ID; scan it on the other device)")
    click.echo()
    click.echo("Next steps:")
    click.echo(f"  1. Start the node:          peerup{with_config} daemon")
    click.echo(
        f"  2. Pair a device:           peerup{with_config} invite   "
        "(then peerup join <code> on the other device)"
    )
    click.echo(f"  3. Expose a local service:  peerup{with_config} service add ssh localhost:22")
    click.echo(f"  4. Reach a peer's service:  peerup{with_config} proxy <peer> ssh 2222")
    return 0
