"""What every command shares: the config location, options, peer names and the API client.

Commands are synchronous click callbacks; the local API client is asynchronous. :func:`run_async`
runs one coroutine per command on a fresh asyncio loop, which also turns Ctrl+C into the
cancellation of that coroutine (so ``finally`` blocks close forwards) and then into
:class:`KeyboardInterrupt` for :func:`app.cli.main.main` to map to exit code 130;
:func:`stop_on_termination` does the same for SIGTERM and SIGHUP where a command needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from app.api.client import LocalClient, open_local_client
from app.api.errors import DaemonNotRunningError
from app.api.transport import ApiEndpoint, daemon_available, endpoint_for_config
from app.cli import render
from app.core.config import Config, load_config
from app.core.errors import ConfigError
from app.core.peers import peerbook
from app.core.status import Resolved
from app.util.paths import default_config_path

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    """Options given to the ``peerup`` group, shared with every subcommand.

    Attributes:
        config_path: The ``--config`` value (or ``$PEERUP_CONFIG``); None for the default.
    """

    config_path: Path | None = None

    @property
    def resolved_config_path(self) -> Path:
        """The config file to use: ``--config``, else ``$PEERUP_CONFIG``, else the default."""
        return self.config_path if self.config_path is not None else default_config_path()


def state() -> CliState:
    """Return the :class:`CliState` of the command being run."""
    return click.get_current_context().ensure_object(CliState)


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(CliState).config_path = value


def config_option(*, envvar: str | None = None) -> Callable[[F], F]:
    """Return the ``--config PATH`` option, accepted by the group and by every command.

    Args:
        envvar: Environment variable read when the option is absent (on the group only).

    Returns:
        A click decorator; the value is stored in :class:`CliState`, not passed to the callback.
    """
    return click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=envvar,
        expose_value=False,
        callback=_remember_config,
        help="Config file (default: the per-user config.yaml; env PEERUP_CONFIG).",
    )


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout."
)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion on a fresh asyncio loop.

    Args:
        coro: The command's work.

    Returns:
        Whatever the coroutine returns.

    Raises:
        KeyboardInterrupt: Ctrl+C, after the coroutine was cancelled and cleaned up.
    """
    with asyncio.Runner() as runner:
        runner.get_loop().set_exception_handler(_report_callback_error)
        return runner.run(coro)


def _report_callback_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's report of an error in a callback, less one harmless race in anyio.

    anyio's Unix-socket streams (httpx's transport for the local API) wait for readability with
    ``loop.add_reader(sock, future.set_result, None)``: when Ctrl+C or SIGTERM cancels the read
    in the same loop pass in which the socket became readable, the queued ``set_result`` finds
    the future cancelled and asyncio prints an ``InvalidStateError`` traceback. Nothing is lost
    (the read was abandoned on purpose), so that one case is not shown.
    """
    callback = getattr(context.get("handle"), "_callback", None)
    future = getattr(callback, "__self__", None)
    if (
        isinstance(context.get("exception"), asyncio.InvalidStateError)
        and isinstance(future, asyncio.Future)
        and future.cancelled()
        and getattr(callback, "__name__", "") == "set_result"
    ):
        return
    loop.default_exception_handler(context)


@contextlib.contextmanager
def stop_on_termination() -> Iterator[None]:
    """Make SIGTERM and SIGHUP cancel the running task, as Ctrl+C does.

    For commands that hold something open in the daemon until they end (``proxy``'s forward):
    stopped by a service manager, ``timeout`` or a closed terminal, they still get to close it.
    A signal ignored when the process started (``nohup``) stays ignored; where the event loop
    cannot take signals (Windows), nothing changes.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: list[signal.Signals] = []
    for number in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
        if number is None or task is None or signal.getsignal(number) == signal.SIG_IGN:
            continue
        try:
            loop.add_signal_handler(number, task.cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(number)
    try:
        yield
    finally:
        for number in installed:
            loop.remove_signal_handler(number)


# ---- config and peers ----------------------------------------------------------------------------


def load_cli_config(path: Path | None = None) -> Config:
    """Load the config the command should use.

    Args:
        path: Explicit file; default: :attr:`CliState.resolved_config_path`.

    Returns:
        The validated config.

    Raises:
        ConfigError: The file is missing (with a hint to run ``peerup init``) or invalid.
    """
    path = path if path is not None else state().resolved_config_path
    if not path.exists():
        raise ConfigError(
            f"no config file at {path}",
            hint="Create one with `peerup init`, or pass --config PATH.",
        )
    return load_config(path)


def names_hint(config: Config | None) -> str:
    """Return a hint listing the peer names a user may type."""
    return peerbook.names_hint(name for name, _ in (config.names if config is not None else ()))


def resolve_peer(config: Config | None, text: str) -> Resolved:
    """Resolve a peer given by name (``names:`` in the config) or by peer ID.

    Args:
        config: The loaded config (None: only peer IDs are accepted).
        text: What the user typed.

    Returns:
        The peer ID and where it came from (``names`` or ``peer-id``).

    Raises:
        UnknownPeerError: Neither a known name nor a peer ID; the hint lists the known names.
        InvalidPeerIdError: The text looks like a peer ID but is damaged.
    """
    return peerbook.resolve_peer(dict(config.names) if config is not None else {}, text)


def peer_name(config: Config | None, peer_id: str) -> str | None:
    """Return the first ``names:`` entry that points at ``peer_id``, if any."""
    if config is None:
        return None
    for name, pid in config.names:
        if str(pid) == peer_id:
            return name
    return None


# ---- the daemon ----------------------------------------------------------------------------------


def daemon_endpoint(config_path: Path | None = None) -> ApiEndpoint:
    """Return the API endpoint of the daemon that runs with the command's config."""
    return endpoint_for_config(
        config_path if config_path is not None else state().resolved_config_path
    )


def daemon_running(config_path: Path | None = None) -> bool:
    """Tell whether a daemon seems to run for the config (socket present, cookie readable)."""
    return daemon_available(daemon_endpoint(config_path))


@asynccontextmanager
async def open_daemon_client(endpoint: ApiEndpoint) -> AsyncIterator[LocalClient]:
    """Open a client of the running daemon, for daemon-only commands.

    Args:
        endpoint: From :func:`daemon_endpoint` (computed before the event loop starts).

    Yields:
        The connected client.

    Raises:
        DaemonNotRunningError: No daemon runs for this config (exit code 3).
    """
    if not daemon_available(endpoint):
        raise DaemonNotRunningError(
            f"The peer-up daemon is not running (no API socket at {endpoint.socket_path})."
        )
    async with open_local_client(endpoint) as client:
        yield client


def emit(data: object, as_json: bool, lines: Callable[[], Iterable[str]]) -> int:
    """Print ``data`` as JSON, or the human ``lines`` (computed only when needed); returns 0."""
    if as_json:
        click.echo(render.dumps(data))
    else:
        for line in lines():
            click.echo(line)
    return 0
