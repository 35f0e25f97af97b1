"""Real ``peerup daemon`` processes for end-to-end tests and benchmarks.

Each daemon gets its own config directory and runtime directory (its API socket lives there), so
several can run side by side. :func:`start_daemon` waits, bounded, for the API socket; ``stop``
sends SIGTERM and waits, killing only if the daemon does not exit in time. :class:`EventLog`
collects a daemon's events from its API while a test drives it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.api.client import open_local_client
from app.api.models import WatchEvent
from app.api.transport import ApiEndpoint, endpoint_for_config
from app.core.status import Event
from tests.helpers.nodes import NodeDir

REPO = Path(__file__).resolve().parents[2]


class DaemonFailed(RuntimeError):
    """The daemon exited or never became ready; the message holds its log tail."""


@dataclass
class DaemonProcess:
    """A running daemon and how to reach it."""

    node: NodeDir
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path
    endpoint: ApiEndpoint

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise DaemonFailed("no VmRSS")

    @staticmethod
    def base_command() -> list[str]:
        """The command line of ``peerup`` (this interpreter, this checkout)."""
        return [sys.executable, "-m", "app"]

    def cli(
        self, *args: str, timeout: float = 60, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``peerup --config <this node> ARGS`` with this daemon's environment."""
        return subprocess.run(
            [sys.executable, "-m", "app", "--config", str(self.node.config_path), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin,
            check=False,
        )

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def daemon_env(runtime_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERUP_")}
    env["PEERUP_RUNTIME_DIR"] = str(runtime_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_daemon(
    node: NodeDir, *, timeout: float = 30, extra_env: dict[str, str] | None = None
) -> DaemonProcess:
    """Start ``peerup daemon`` for ``node`` and wait until its API socket is up.

    ``extra_env`` adds to its environment (e.g. ``PEERUP_DEBUG_LOGGERS``).
    """
    runtime = node.path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**daemon_env(runtime), **(extra_env or {})}
    old = os.environ.get("PEERUP_RUNTIME_DIR")
    os.environ["PEERUP_RUNTIME_DIR"] = str(runtime)
    try:
        endpoint = endpoint_for_config(node.config_path)
    finally:
        if old is None:
            os.environ.pop("PEERUP_RUNTIME_DIR", None)
        else:
            os.environ["PEERUP_RUNTIME_DIR"] = old
    log_path = node.path / "daemon.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--config", str(node.config_path), "daemon"],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    daemon = DaemonProcess(node, proc, env, log_path, endpoint)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DaemonFailed(f"daemon exited with {proc.returncode}:\n{daemon.log_tail()}")
        if endpoint.socket_path.exists() and endpoint.cookie_path.exists():
            return daemon
        time.sleep(0.05)
    daemon.stop()
    raise DaemonFailed(f"daemon not ready after {timeout} s:\n{daemon.log_tail()}")


def default_signals(*numbers: signal.Signals) -> Callable[[], None]:
    """A ``preexec_fn`` giving the child the default action for ``numbers``.

    A test run started as a background job has SIGINT ignored (and SIGHUP under ``nohup``); its
    children inherit that, and a process started so keeps ignoring the signal, by convention. A
    test that plays a terminal's Ctrl+C or hang-up needs its child to take the signal.
    """

    def reset() -> None:
        for number in numbers:
            signal.signal(number, signal.SIG_DFL)

    return reset


class EventLog:
    """Collects a daemon's events in a thread until stopped (bounded by ``limit`` seconds).

    ``events`` and ``arrivals`` (``time.monotonic()`` when each came) grow as events come. It
    reads the watch stream: :meth:`wait_ready` returns once its first snapshot came, so every
    event from then on is collected.
    """

    def __init__(self, endpoint: ApiEndpoint, limit: float = 120) -> None:
        self.events: list[Event] = []
        self.arrivals: list[float] = []
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(endpoint, limit),))
        self._thread.start()

    def wait_ready(self, timeout: float = 20) -> None:
        """Wait until the daemon streams its events to this log."""
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the event log did not start within {timeout} s")

    async def _run(self, endpoint: ApiEndpoint, limit: float) -> None:
        async def collect() -> None:
            async with open_local_client(endpoint) as client:
                async for item in client.watch():
                    self._ready.set()
                    if isinstance(item, WatchEvent):
                        self.arrivals.append(time.monotonic())
                        self.events.append(item.event)

        task = asyncio.ensure_future(collect())
        deadline = time.monotonic() + limit
        # Polled: the stop signal comes from another thread.
        while not self._stop.is_set() and time.monotonic() < deadline and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def stop(self) -> list[Event]:
        self._stop.set()
        self._thread.join(10)
        return self.events
