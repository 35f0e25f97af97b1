"""A small Linux desktop for tray tests: Xvfb, a private D-Bus session bus, the trayer tray host,
xdotool, and ``peerup-tray`` as a real process on them.

Every helper is a context manager that stops what it started (terminate, then kill), and every
wait is bounded. Tests skip when a program is missing (``make test`` installs them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def require(*programs: str) -> None:
    """Skip the test when one of ``programs`` is not installed."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (make test installs them)")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 15.0) -> T:
    """Call ``probe`` every 50 ms until it returns something other than None; bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _accepts(path: str) -> bool | None:
    """True when the Unix socket at ``path`` accepts a connection, else None."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return None
    return True


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A virtual X server; yields its ``DISPLAY`` (":N")."""
    require("Xvfb")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [
            *("Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24"),
            # -noreset: without it the server resets when its last client leaves, and a
            # client connecting meanwhile cannot open the display (trayer failed so).
            *("-nolisten", "tcp", "-noreset"),
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        number = b""
        deadline = time.monotonic() + 15
        with os.fdopen(read, "rb", buffering=0) as pipe:
            # Read up to the newline: closing the pipe before Xvfb wrote it would kill Xvfb.
            while not number.endswith(b"\n") and time.monotonic() < deadline:
                chunk = pipe.read(1)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            raise AssertionError(f"Xvfb did not start (it said {number!r})")
        display = number.decode().strip()
        wait_for("Xvfb to accept connections", lambda: _accepts(f"/tmp/.X11-unix/X{display}"))
        yield f":{display}"
    finally:
        _stop(proc)


@contextlib.contextmanager
def session_bus() -> Iterator[str]:
    """A private D-Bus session bus; yields its address."""
    require("dbus-daemon")
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().decode().strip()  # dbus-daemon prints it at once
        if not address:
            raise AssertionError("dbus-daemon did not print its address")
        yield address
    finally:
        _stop(proc)


def desktop_env(display: str, bus: str, runtime: Path) -> dict[str, str]:
    """The environment of a program on this desktop (and of peer-up with its own runtime dir).

    Its XDG data and config folders are under ``runtime`` too: the tray installs its
    ``peerup://`` link handler there, not into the home of whoever runs the tests.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEERUP_", "QT_"))}
    env.update(
        XDG_DATA_HOME=str(runtime / "xdg-data"),
        XDG_CONFIG_HOME=str(runtime / "xdg-config"),
        DISPLAY=display,
        DBUS_SESSION_BUS_ADDRESS=bus,
        NO_AT_BRIDGE="1",
        QT_QPA_PLATFORM="xcb",
        PEERUP_RUNTIME_DIR=str(runtime),
        PYTHONUNBUFFERED="1",
        LANG="C.UTF-8",
    )
    env.pop("WAYLAND_DISPLAY", None)
    return env


def xdotool(env: dict[str, str], *args: str) -> list[str]:
    """Run xdotool; its output lines ([] when a search finds nothing)."""
    done = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout.split()


@dataclass(frozen=True)
class Geometry:
    """A window's place on the screen."""

    x: int
    y: int
    width: int
    height: int

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


def geometry(env: dict[str, str], window: str) -> Geometry:
    """The window's position and size (xdotool getwindowgeometry --shell)."""
    values: dict[str, int] = {}
    for line in xdotool(env, "getwindowgeometry", "--shell", window):
        key, _, value = line.partition("=")
        if value.lstrip("-").isdigit():
            values[key] = int(value)
    return Geometry(values["X"], values["Y"], values["WIDTH"], values["HEIGHT"])


def visible_windows(env: dict[str, str], cls: str) -> dict[str, Geometry]:
    """The visible windows of class ``cls`` with their geometry."""
    return {w: geometry(env, w) for w in xdotool(env, "search", "--onlyvisible", "--class", cls)}


PANEL_HEIGHT = 32  # trayer's panel, as :func:`trayer` starts it


def embedded_icon(env: dict[str, str]) -> Geometry | None:
    """The tray icon's window once trayer has embedded it (small, inside the top panel)."""
    for g in visible_windows(env, "peerup-tray").values():
        if g.y < PANEL_HEIGHT and g.height <= PANEL_HEIGHT and g.width <= 2 * PANEL_HEIGHT:
            return g
    return None


TRAYER_STARTS = 3


@contextlib.contextmanager
def trayer(env: dict[str, str], log_path: Path) -> Iterator[None]:
    """The trayer XEmbed tray host at the top right of the screen (its output in ``log_path``).

    trayer now and then exits with 1 and no output right after it starts on a fresh X server (seen
    once in a full ``make test`` run, never alone): it is started again, at most
    :data:`TRAYER_STARTS` times, and each exit is kept in the log.
    """
    require("trayer", "xdotool")
    exits: list[str] = []
    for _ in range(TRAYER_STARTS):
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [
                    *("trayer", "--edge", "top", "--align", "right", "--widthtype", "request"),
                    *("--height", str(PANEL_HEIGHT), "--SetDockType", "true"),
                    *("--transparent", "false"),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def panel(proc: subprocess.Popen[bytes] = proc) -> list[str] | None:
            if proc.poll() is not None:
                return []  # exited: no panel will come
            return xdotool(env, "search", "--name", "^panel$") or None

        try:
            if wait_for("trayer's panel", panel):
                break
            exits.append(f"exit {proc.returncode}")
        except BaseException:
            _stop(proc)
            raise
    else:
        output = log_path.read_text(errors="replace")
        raise AssertionError(f"trayer did not start ({', '.join(exits)}): {output}")
    try:
        yield
    finally:
        _stop(proc)


@dataclass
class TrayProcess:
    """A running ``peerup-tray``."""

    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def tray_command(config_path: Path, *args: str) -> list[str]:
    """``peerup-tray --config CONFIG ARGS`` with this interpreter and checkout."""
    code = "import sys; from app.launcher import tray_main; sys.exit(tray_main())"
    return [sys.executable, "-c", code, "--config", str(config_path), *args]


@contextlib.contextmanager
def tray_process(
    env: dict[str, str], config_path: Path, log_path: Path, *args: str
) -> Iterator[TrayProcess]:
    """Start ``peerup-tray --config CONFIG ARGS`` (the config created on first run); stop it on
    exit."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            tray_command(config_path, *args),
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield TrayProcess(proc, log_path)
    finally:
        _stop(proc)
