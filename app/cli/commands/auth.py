"""``peerup auth …``: manage authorized_keys (the peers allowed to connect).

``add`` and ``remove`` go through the daemon when one runs, so it reloads the file and (on
remove) drops the peer's connections; otherwise they edit the file, and the next daemon start reads
it. ``list`` and ``validate`` read the file itself, the single source of truth: a file that someone
else could have written is still listed, with a warning that the daemon refuses it, and fails
``validate``.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from app.cli import render
from app.cli.context import (
    config_option,
    daemon_endpoint,
    daemon_running,
    emit,
    json_option,
    load_cli_config,
    names_hint,
    open_daemon_client,
    resolve_peer,
    run_async,
    state,
)
from app.core.config import Config
from app.core.errors import (
    AuthorizedKeysError,
    ConfigError,
    InvalidPeerIdError,
    NotFoundError,
    PeerupError,
    UnknownPeerError,
    UnsafeFileError,
)
from app.core.ids.identity import load_identity
from app.core.ids.peerid import PeerId
from app.core.peers.authkeys import AuthorizedKeysFile, parse_authorized_keys
from app.core.peers.peerbook import PeerBookModel
from app.core.peers.trust import bind_name
from app.core.status import AuthEntry, Resolved

_file_option = click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="authorized_keys file to edit directly (default: the config's; skips the daemon).",
)


@click.group()
@config_option()
def auth() -> None:
    """Manage authorized_keys: the peers allowed to connect to this node."""


def _config_or_none(file: Path | None) -> Config | None:
    """Load the config; with an explicit ``--file`` a missing config is fine."""
    if file is not None and not state().resolved_config_path.exists():
        return None
    return load_cli_config()


def _auth_file(config: Config | None, file: Path | None) -> Path:
    if file is not None:
        return file
    if config is None or str(config.authorized_keys_file) in ("", "."):
        raise ConfigError(
            "the config names no authorized_keys file",
            key="security.authorized_keys_file",
            hint="Set security.authorized_keys_file in config.yaml, or pass --file.",
        )
    return config.authorized_keys_file


def _through_daemon(config: Config | None, file: Path | None) -> bool:
    """Whether an edit goes through the running daemon: it is the one writer of its own
    authorized_keys (also when ``--file`` names that very file); other files are edited here."""
    if file is not None and (config is None or not _same_file(file, config.authorized_keys_file)):
        return False
    return daemon_running()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


def local_auth_entries(config: Config | None, path: Path) -> list[AuthEntry]:
    """Read authorized_keys into the same entries the daemon reports (expired lines flagged).

    A file that someone else could have written is read all the same, so that the user sees
    what it says, but a warning on stderr says that a daemon refuses it and how to fix it.

    Args:
        config: For the ``names:`` of each peer (None: no names).
        path: The authorized_keys file.

    Returns:
        One entry per listed peer, in file order.
    """
    keys = AuthorizedKeysFile(path)
    try:
        keys.check_safe()
    except UnsafeFileError as exc:
        click.secho(
            f"Warning: {exc.message}: a daemon refuses to use it.", fg="red", bold=True, err=True
        )
        if exc.hint:
            click.echo(f"Hint: {exc.hint}", err=True)
    model = PeerBookModel.of(
        own_peer_id(config), keys.load(check=False), config.names if config else ()
    )
    return model.auth_entries(now=time.time())


def own_peer_id(config: Config | None) -> PeerId | None:
    """This node's peer ID (verified= values are recomputed with it), None if unknown."""
    if config is None:
        return None
    try:
        return load_identity(config.key_file).peer_id
    except PeerupError:
        return None


@auth.command("add")
@click.argument("peer")
@click.option("--comment", default="", help="A note for the line, usually the device's name.")
@_file_option
@config_option()
def auth_add(peer: str, comment: str, file: Path | None) -> int:
    """Authorize PEER (a peer ID, or a name from the config) to connect.

    A peer whose line has expired (expires=) is authorized again: the expiry is removed.
    """
    config = _config_or_none(file)
    resolved = resolve_peer(config, peer)
    if not comment and resolved.source == "names":
        comment = resolved.name
    if _through_daemon(config, file):
        entry = run_async(_add_via_daemon(resolved.peer_id, comment))
        click.echo(f"Authorized {entry.peer_id}  {render.badge(entry.verified)}")
        if entry.warning:
            click.echo(entry.warning, err=True)
        click.echo("The running daemon reloaded authorized_keys.")
        return 0
    path = _auth_file(config, file)
    keys = AuthorizedKeysFile(path)
    peer_id = PeerId.parse(resolved.peer_id)
    change = None
    if comment:
        change = bind_name(
            comment,
            peer_id,
            names=config.names if config is not None else (),
            entries=keys.load(),
            own=own_peer_id(config),
        )
    key = keys.add(peer_id, comment, now=time.time())  # an expired line is renewed
    click.echo(f"Authorized {key.peer_id}  {render.badge(False)}")
    if change is not None:
        click.echo(change.message(), err=True)
    click.echo(f"Added to {path}; a daemon started later will allow it.")
    return 0


async def _add_via_daemon(peer_id: str, comment: str) -> AuthEntry:
    async with open_daemon_client(daemon_endpoint()) as client:
        return await client.authorize(peer_id, comment)


@auth.command("list")
@json_option
@_file_option
@config_option()
def auth_list(as_json: bool, file: Path | None) -> int:
    """List authorized peers, each with its [VERIFIED]/[UNVERIFIED] badge."""
    config = _config_or_none(file)
    path = _auth_file(config, file)
    entries = local_auth_entries(config, path)
    return emit(
        entries,
        as_json,
        lambda: [
            f"Authorized peers ({len(entries)}) in {path}:",
            *render.render_auth_entries(entries),
        ],
    )


def _resolve_for_removal(config: Config | None, path: Path, text: str) -> Resolved:
    """Resolve a peer by name, by peer ID, or by the comment of its authorized_keys line."""
    try:
        return resolve_peer(config, text)
    except (UnknownPeerError, InvalidPeerIdError) as exc:
        matches = [k for k in AuthorizedKeysFile(path).load() if k.comment == text]
        if len(matches) == 1:
            return Resolved(name=text, peer_id=str(matches[0].peer_id), source="comment")
        if len(matches) > 1:
            raise UnknownPeerError(
                f"{len(matches)} authorized peers have the comment {text!r}",
                hint="Give the full peer ID instead.",
            ) from None
        if isinstance(exc, UnknownPeerError):
            raise UnknownPeerError(exc.message, hint=names_hint(config)) from None
        raise


@auth.command("remove")
@click.argument("peer")
@_file_option
@config_option()
def auth_remove(peer: str, file: Path | None) -> int:
    """Revoke PEER (a peer ID, a name, or the comment of its line)."""
    config = _config_or_none(file)
    path = _auth_file(config, file)
    resolved = _resolve_for_removal(config, path, peer)
    if _through_daemon(config, file):
        run_async(_remove_via_daemon(resolved.peer_id))
        click.echo(f"Removed {resolved.peer_id}.")
        click.echo("The running daemon reloaded authorized_keys and closed its connections.")
        return 0
    AuthorizedKeysFile(path).remove(PeerId.parse(resolved.peer_id))
    click.echo(f"Removed {resolved.peer_id} from {path}.")
    return 0


async def _remove_via_daemon(peer_id: str) -> None:
    async with open_daemon_client(daemon_endpoint()) as client:
        await client.deauthorize(peer_id)


@auth.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option()
def auth_validate(file: Path | None) -> int:
    """Check an authorized_keys FILE (default: the config's) and report every bad line."""
    path = file if file is not None else _auth_file(load_cli_config(), None)
    unsafe = None
    try:
        AuthorizedKeysFile(path).check_safe()
    except UnsafeFileError as exc:
        unsafe = exc
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthorizedKeysError(f"cannot read {path}: {exc}") from None
    entries, errors = parse_authorized_keys(text)
    if unsafe is not None:
        click.echo(f"{unsafe.message}: a daemon refuses to use it ({unsafe.hint})")
    for error in errors:
        click.echo(f"line {error.line}: {error.message}")
    if errors or unsafe is not None:
        count = len(errors) + (unsafe is not None)
        noun = "problem" if count == 1 else "problems"
        click.echo(f"FAIL: {path}: {count} {noun}, {len(entries)} valid peers")
        return 1
    click.echo(f"OK: {path}: {len(entries)} authorized peers")
    return 0
