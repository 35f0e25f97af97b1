"""Entry points: ``peerup`` (CLI, or the daemon itself) and ``peerup-tray``.

``peerup daemon [start]`` and ``peerup relay serve`` (the daemon with its relay service forced on)
run the daemon; every other command line goes to the CLI.

This is the only module that may see both the daemon and the front ends: it decides which one a
command line asks for, and imports only that one (so ``peerup whoami`` never pays for importing
py-libp2p).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import outcome

_GLOBAL_OPTIONS_WITH_VALUE = ("--config",)


def _split_global_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split leading global options (``--config X``) from the command and its arguments."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _GLOBAL_OPTIONS_WITH_VALUE:
            i += 2
        elif any(arg.startswith(opt + "=") for opt in _GLOBAL_OPTIONS_WITH_VALUE):
            i += 1
        else:
            break
    return argv[:i], argv[i:]


_DAEMON_OPTIONS_WITH_VALUE = ("--config", "--api-socket")


def _runs_daemon(command: list[str]) -> bool:
    """``peerup daemon [start] [options]`` runs the daemon; ``peerup daemon <sub>`` is the CLI's."""
    if not command or command[0] != "daemon":
        return False
    positional: list[str] = []
    rest = iter(command[1:])
    for arg in rest:
        if arg in ("-h", "--help"):
            return False
        if arg in _DAEMON_OPTIONS_WITH_VALUE:
            next(rest, None)
        elif not arg.startswith("-"):
            positional.append(arg)
    return positional in ([], ["start"])


def _relay_serve_args(command: list[str]) -> list[str] | None:
    """``peerup relay serve [options]`` runs the daemon as a relay: return those options.

    None for any other command line, and for ``relay serve --help`` (the CLI prints that help).
    """
    if command[:2] != ["relay", "serve"]:
        return None
    options = command[2:]
    if any(arg in ("-h", "--help") for arg in options):
        return None
    return options


def main(argv: list[str] | None = None) -> int:
    """``peerup``: dispatch to the daemon or the CLI; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    global_opts, command = _split_global_options(args)
    if _runs_daemon(command):
        from app.daemon.main import main as daemon_main

        return daemon_main([*command[1:], *global_opts])
    relay_options = _relay_serve_args(command)
    if relay_options is not None:
        from app.daemon.main import main as daemon_main

        return daemon_main(["--relay-service", *relay_options, *global_opts])
    from app.cli.main import main as cli_main

    return cli_main(args)


def has_display() -> bool:
    """Whether a GUI can run: an X or Wayland display, or a Qt platform chosen explicitly."""
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def tray_main(argv: list[str] | None = None) -> int:
    """``peerup-tray``: the tray with its engine in this process; the daemon without a display.

    Without a display (no ``DISPLAY``, ``WAYLAND_DISPLAY`` or ``QT_QPA_PLATFORM``) it says so in
    one line and runs ``peerup daemon`` instead, creating a default config on first run.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not has_display():
        print("peerup-tray: no display found; running the daemon instead", file=sys.stderr)
        from app.daemon.main import main as daemon_main

        global_opts, _links = _split_global_options(args)
        return daemon_main(["--init", *global_opts])
    from app.gui.main import run

    return run(args, start_engine_as_guest)


class GuestEngine:
    """The engine of the tray: :func:`app.daemon.serve.serve` as a trio guest run on the tray's
    asyncio (qasync) loop, in this thread. Made by :func:`start_engine_as_guest`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Prepare the futures the guest run resolves on ``loop``."""
        self.started: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()
        self._cancel: Callable[[], None] | None = None
        self.cancel_requested = False  # stop() before the guest run's first step

    def _finished(self, result: outcome.Outcome[None]) -> None:
        """The guest run's ``done_callback`` (an :class:`outcome.Outcome`)."""
        try:
            result.unwrap()
        except BaseException as exc:  # handed to whoever awaits the engine
            error = _sole_error(exc)
            for future in (self.started, self.done):
                if not future.done():
                    future.set_exception(error)
            self.done.exception()  # seen: the start-up error is raised from ``started``
            return
        for future in (self.started, self.done):
            if not future.done():
                future.set_result(None)

    async def stop(self) -> None:
        """Cancel the engine and wait until it has stopped (its API socket is gone)."""
        self.cancel_requested = True
        if self._cancel is not None and not self.done.done():
            self._cancel()
        await self.wait_stopped()

    async def wait_stopped(self) -> None:
        """Wait until the guest run has ended; its error, if any, is not raised here."""
        await asyncio.wait([self.done])


def _sole_error(exc: BaseException) -> BaseException:
    """The one exception inside nested one-member groups (nurseries wrap what they raise)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


async def start_engine_as_guest(config_path: Path) -> GuestEngine:
    """Start the engine and its API (:func:`app.daemon.serve.serve`) as a trio guest run on the
    running asyncio loop (the tray's qasync loop); returns once the API answers.

    py-libp2p is imported here, on the first call, after the tray icon is up.

    Args:
        config_path: The node's config file.

    Returns:
        The running engine; :meth:`GuestEngine.stop` cancels it.

    Raises:
        PeerupError: The config or identity cannot be loaded, a daemon already runs for this
            config, or the node cannot listen.
    """
    import trio

    from app.api.transport import endpoint_for_config
    from app.core.config import load_config
    from app.core.ids.identity import load_identity
    from app.daemon.serve import serve
    from app.daemon.server import refuse_if_running
    from app.engine import compat
    from app.util.log import setup_logging

    setup_logging()  # again, now that py-libp2p is imported (it detaches its loggers)
    compat.install()
    config = load_config(config_path)
    identity = load_identity(config.key_file)
    endpoint = endpoint_for_config(config_path)
    loop = asyncio.get_running_loop()
    engine = GuestEngine(loop)

    async def guest_main() -> None:
        token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            engine._cancel = partial(token.run_sync_soon, scope.cancel)
            if engine.cancel_requested:
                scope.cancel()
            await refuse_if_running(endpoint.socket_path)
            async with trio.open_nursery() as nursery:
                await nursery.start(partial(serve, config, identity, endpoint))
                engine.started.set_result(None)

    def run_sync_soon_threadsafe(fn: Callable[[], object]) -> None:
        loop.call_soon_threadsafe(fn)

    def run_sync_soon_not_threadsafe(fn: Callable[[], object]) -> None:
        loop.call_soon(fn)

    trio.lowlevel.start_guest_run(
        guest_main,
        run_sync_soon_threadsafe=run_sync_soon_threadsafe,
        # From the loop's own thread (a guest tick scheduling the next one) a plain call_soon:
        # qasync's thread-safe path emits a Qt signal per call, ~15 % of the tray's CPU while a
        # forward runs (py-spy, bench/gui.py).
        run_sync_soon_not_threadsafe=run_sync_soon_not_threadsafe,
        done_callback=engine._finished,
        # The tray's own SIGINT/SIGTERM handling owns signal.set_wakeup_fd (app.gui.main).
        host_uses_signal_set_wakeup_fd=True,
    )
    try:
        await asyncio.shield(engine.started)
    except asyncio.CancelledError:
        await engine.stop()  # the tray quit while the engine started: never leave it running
        raise
    return engine


if __name__ == "__main__":
    sys.exit(main())
