"""``peerup daemon``: the headless composition root, process wiring around :func:`serve`.

The engine and the API are :func:`app.daemon.serve.serve`; this module adds what belongs to the
process: logging set-up, the py-libp2p workarounds (``compat.install()``), the config and
identity from their files, the single-instance check, ``trio.run``, SIGINT/SIGTERM, the stdin
watch of ephemeral daemons, the "ready" line and the exit code.

Start-up order: load and validate the config, load the identity, refuse if a daemon already
answers on the socket, start the node (it listens), then serve the API (socket, then cookie), then
print one "ready" line. SIGINT/SIGTERM, stdin EOF (``--ephemeral``) or ``POST /v1/shutdown`` stop
the API first, then the node, which closes every forward cleanly.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from app import __version__
from app.api.transport import ApiEndpoint, endpoint_for_config
from app.core.config import Config, init_config_dir, load_config
from app.core.errors import PeerupError
from app.core.ids.identity import Identity, load_identity
from app.core.status import NodeStatus
from app.daemon.serve import serve
from app.daemon.server import refuse_if_running
from app.engine import compat
from app.util.log import setup_logging
from app.util.paths import api_cookie_path, default_config_path
from app.util.ports import pick_listen_port

if TYPE_CHECKING:
    # trio-typing's stubs (a libp2p dependency) shadow trio's inline types and lack TaskStatus.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.daemon")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="peerup daemon", description="Run the peer-up node.")
    parser.add_argument("start", nargs="?", choices=["start"], help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, default=None, help="config file")
    parser.add_argument("--api-socket", type=Path, default=None, help="API socket path")
    parser.add_argument(
        "--ephemeral",
        action="store_true",
        help="exit when standard input closes (used by the CLI's standalone mode)",
    )
    parser.add_argument(
        "--relay-service",
        action="store_true",
        help="relay for other peers (circuit relay v2), whatever the config says",
    )
    parser.add_argument(
        "--init",
        action="store_true",
        help="create a default config (and identity) if none exists yet",
    )
    return parser.parse_args(argv)


async def _watch_signals(stop: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s, shutting down", signal.Signals(signum).name)
            stop.cancel()
            return


async def _watch_parent(stop: trio.CancelScope) -> None:
    """Ephemeral daemons stop when the CLI that started them goes away (stdin reaches EOF)."""
    stream = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
    async with stream:
        while await stream.receive_some(1024):
            pass
    log.info("parent closed stdin, shutting down")
    stop.cancel()


async def _serve_until_shut_down(
    config: Config,
    identity: Identity,
    endpoint: ApiEndpoint,
    stop: trio.CancelScope,
    *,
    task_status: TaskStatus[NodeStatus] = trio.TASK_STATUS_IGNORED,
) -> None:
    """:func:`serve`, then cancel ``stop`` (the watchers) when it returns: ``POST /v1/shutdown``."""
    await serve(config, identity, endpoint, task_status=task_status)
    stop.cancel()


def _print_ready(status: NodeStatus, endpoint: ApiEndpoint) -> None:
    print(
        f"peerup daemon {__version__} ready: peer {status.peer_id}\n"
        f"  listening on {', '.join(status.listen_addresses)}\n"
        f"  API socket {endpoint.socket_path}"
        + ("\n  relaying for other peers (circuit relay v2)" if status.relay_service else ""),
        file=sys.stderr,
        flush=True,
    )


async def run_daemon(
    config_path: Path,
    endpoint: ApiEndpoint,
    *,
    ephemeral: bool = False,
    relay_service: bool = False,
) -> None:
    """Run :func:`serve` until a signal, an API shutdown request, or (ephemeral) stdin EOF.

    The process wiring around it: the config and identity from their files, the single-instance
    check (before the node listens), SIGINT/SIGTERM, the stdin watch and the ready line.
    """
    config = load_config(config_path)
    if relay_service:
        config = dataclasses.replace(
            config, relay_service=dataclasses.replace(config.relay_service, enabled=True)
        )
    identity = load_identity(config.key_file)
    await refuse_if_running(endpoint.socket_path)
    async with trio.open_nursery() as nursery:
        stop = nursery.cancel_scope  # a signal during start-up stops it too (no ready line then)
        nursery.start_soon(_watch_signals, stop)
        if ephemeral:
            nursery.start_soon(_watch_parent, stop)
        status = await nursery.start(_serve_until_shut_down, config, identity, endpoint, stop)
        _print_ready(status, endpoint)
    log.info("stopped")


def _sole_peerup_error(group: BaseExceptionGroup[BaseException]) -> PeerupError | None:
    """The PeerupError inside nested one-member groups, or None when the group holds more."""
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc if isinstance(exc, PeerupError) else None


def _report(exc: PeerupError) -> int:
    print(f"Error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"Hint: {exc.hint}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    """Entry point of ``peerup daemon [start]``; returns the process exit code."""
    args = _parse_args(argv)
    setup_logging()
    compat.install()  # py-libp2p's workarounds, once per process, before any host exists
    config_path: Path = args.config or default_config_path()
    try:
        if args.init and not config_path.exists():
            init_config_dir(config_path.parent, listen_port=pick_listen_port())
            print(f"created a default config at {config_path}", file=sys.stderr)
        endpoint = endpoint_for_config(config_path)
        if args.api_socket is not None:
            endpoint = ApiEndpoint(args.api_socket, api_cookie_path(args.api_socket))
        trio.run(
            partial(
                run_daemon,
                config_path,
                endpoint,
                ephemeral=args.ephemeral,
                relay_service=args.relay_service,
            )
        )
    except PeerupError as exc:
        return _report(exc)
    except BaseExceptionGroup as group:
        # An error raised inside the node's or the daemon's nursery arrives wrapped in groups.
        error = _sole_peerup_error(group)
        if error is None:
            raise
        return _report(error)
    except KeyboardInterrupt:
        return 130
    return 0
