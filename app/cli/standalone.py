"""A private, short-lived daemon for commands that need a node when none is running.

``peerup proxy`` and ``peerup ping`` are daemon-first. When no daemon runs for the config, they
start an *ephemeral* one as a child process::

    python -m app daemon --config <cfg> --ephemeral --api-socket <tmpdir>/api.sock

and talk to it through the same local API as to a real daemon, so there is one code path for both.
The child listens on its own socket in a fresh private directory (never the shared one, so a
``peerup daemon`` started later does not collide with it), runs in its own session so that Ctrl+C
in the terminal reaches only us (we must still close the forward through it), and stops when we
call ``shutdown`` or close its stdin (a pipe it watches: if this process dies, the pipe closes and
the child stops too). If it does not stop in time it is terminated, then killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from app.api.client import LocalClient, open_local_client
from app.api.transport import ApiEndpoint, daemon_available
from app.core.errors import PeerupError
from app.util.paths import api_cookie_path, runtime_dir

STARTUP_TIMEOUT = 20.0
"""Seconds to wait for the child's API socket."""

STOP_TIMEOUT = 5.0
"""Seconds the child gets to exit after ``shutdown`` before it is terminated."""

_MAX_SOCKET_PATH = 100

# The directory that holds the ``app`` package, so ``-m app`` works from any working directory.
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


class StandaloneStartError(PeerupError):
    """The ephemeral local node could not be started."""

    code = "standalone-start-failed"


def _private_tmpdir() -> Path:
    """Return a fresh private directory short enough to hold a Unix socket path."""
    try:
        base: Path | None = runtime_dir()
    except OSError:
        base = None
    path = Path(tempfile.mkdtemp(prefix="eph-", dir=base))
    if len(str(path / "api.sock")) > _MAX_SOCKET_PATH:
        shutil.rmtree(path, ignore_errors=True)
        path = Path(tempfile.mkdtemp(prefix="peerup-eph-", dir="/tmp"))
    path.chmod(0o700)
    return path


def daemon_command(config_path: Path, socket_path: Path) -> list[str]:
    """Return the argv that starts an ephemeral daemon.

    Args:
        config_path: The config the node runs with.
        socket_path: The private API socket it must listen on.

    Returns:
        The command line, starting with the running Python interpreter.
    """
    return [
        sys.executable,
        "-m",
        "app",
        "daemon",
        "--config",
        str(config_path),
        "--ephemeral",
        "--api-socket",
        str(socket_path),
    ]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_SOURCE_ROOT) + (os.pathsep + old if old else "")
    return env


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _spawn(command: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    # Ctrl+C in the terminal must reach only us: we still have to close the forward through it.
    flags: int = (
        getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) if sys.platform == "win32" else 0
    )
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,  # the child stops when this pipe closes (we exit or crash)
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(),
            start_new_session=sys.platform != "win32",
            creationflags=flags,
        )


async def wait_for_socket(
    endpoint: ApiEndpoint,
    proc: subprocess.Popen[bytes],
    log_path: Path,
    *,
    limit: float = STARTUP_TIMEOUT,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Wait until the child's API socket is ready, it exits, or the time is up.

    Args:
        endpoint: The child's socket and cookie.
        proc: The child process.
        log_path: Where the child writes its output (quoted in errors).
        limit: Seconds to wait.
        clock: Monotonic clock, injectable for tests.

    Raises:
        StandaloneStartError: The child exited, or did not get ready within ``limit``.
    """
    deadline = clock() + limit
    while True:
        if daemon_available(endpoint):
            return
        code = proc.poll()
        if code is not None:
            tail = _log_tail(log_path)
            raise StandaloneStartError(
                f"the local node exited during startup (exit code {code})"
                + (f":\n{tail}" if tail else ""),
                hint="Check the config with `peerup config validate`, "
                "or start a daemon with `peerup daemon` and try again.",
            )
        if clock() >= deadline:
            tail = _log_tail(log_path)
            raise StandaloneStartError(
                f"the local node did not start within {limit:.0f} s"
                + (f":\n{tail}" if tail else ""),
                hint="Start a daemon with `peerup daemon` and try again.",
            )
        await asyncio.sleep(0.1)


async def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Close the child's stdin and wait for it to exit; else terminate it, then kill it."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    for signal_step in (None, proc.terminate, proc.kill):
        if signal_step is not None:
            with contextlib.suppress(OSError):
                signal_step()
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return
            await asyncio.sleep(0.05)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)


@asynccontextmanager
async def open_standalone_client(
    config_path: Path,
    *,
    announce: Callable[[str], None] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> AsyncIterator[LocalClient]:
    """Start an ephemeral local node for ``config_path`` and yield a client of it.

    Args:
        config_path: The config the node runs with.
        announce: Called with a progress message (``starting local node…``), e.g. to print it
            on stderr; None prints nothing.
        startup_timeout: Seconds to wait for the node's API socket.

    Yields:
        A client of the ephemeral node. On exit the node is told to shut down, and terminated
        if it does not.

    Raises:
        StandaloneStartError: The node could not be started.
    """
    tmp = _private_tmpdir()
    socket_path = tmp / "api.sock"
    endpoint = ApiEndpoint(socket_path=socket_path, cookie_path=api_cookie_path(socket_path))
    log_path = tmp / "daemon.log"
    if announce is not None:
        announce("starting local node…")
    proc: subprocess.Popen[bytes] | None = None
    try:
        try:
            proc = _spawn(daemon_command(config_path, socket_path), log_path)
        except OSError as exc:
            raise StandaloneStartError(f"cannot start the local node: {exc}") from None
        await wait_for_socket(endpoint, proc, log_path, limit=startup_timeout)
        async with open_local_client(endpoint) as client:
            try:
                yield client
            finally:
                with contextlib.suppress(PeerupError, OSError):
                    await asyncio.wait_for(client.shutdown(), STOP_TIMEOUT)
    finally:
        if proc is not None:
            await _stop(proc, STOP_TIMEOUT)
        shutil.rmtree(tmp, ignore_errors=True)


@asynccontextmanager
async def open_any_client(
    endpoint: ApiEndpoint,
    config_path: Path,
    *,
    announce: Callable[[str], None] | None = None,
) -> AsyncIterator[LocalClient]:
    """Yield a client of the running daemon, or of an ephemeral node when none runs.

    Args:
        endpoint: The shared daemon's endpoint for ``config_path``.
        config_path: The config the ephemeral node would run with.
        announce: See :func:`open_standalone_client`.

    Yields:
        A connected client.
    """
    if daemon_available(endpoint):
        async with open_local_client(endpoint) as client:
            yield client
    else:
        async with open_standalone_client(config_path, announce=announce) as client:
            yield client
