"""Helpers for the GUI tests that run the tray's real in-process engine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction

from app.gui.main import TrayApp
from app.launcher import start_engine_as_guest
from tests.helpers.daemons import DaemonProcess
from tests.helpers.nodes import NodeDir, make_node_dir

STEP = 30.0  # seconds for any one step


async def until(
    app: TrayApp,
    what: str,
    check: Callable[[], bool],
    *,
    detail: Callable[[], str] = str,
    also: Sequence[SignalInstance] = (),
) -> None:
    """Wait, bounded, until ``check()`` holds, re-checking on every signal of the bridge.

    ``detail()`` is added to the failure message (e.g. the menu as it stands); ``also`` are
    more signals to re-check on (a dialog's, for what its own requests change).
    """
    changed = asyncio.Event()
    bridge = app.bridge

    def wake(*_: object) -> None:
        changed.set()

    signals = (
        bridge.state_changed,
        bridge.connection_changed,
        bridge.ping_finished,
        bridge.peer_renamed,
        bridge.peer_removed,
        bridge.error_raised,
        *also,
    )
    for signal in signals:
        signal.connect(wake)
    try:
        async with asyncio.timeout(STEP):
            while not check():
                changed.clear()
                await changed.wait()
    except TimeoutError:
        raise AssertionError(f"{what}: not within {STEP} s{detail()}") from None
    finally:
        for signal in signals:
            with contextlib.suppress(RuntimeError):  # a dialog's, deleted once it closed
                signal.disconnect(wake)


def laptop_tray_and_home(
    tmp_path: Path, *, home_port: int | None = None, home_services: dict[str, str] | None = None
) -> tuple[TrayApp, NodeDir, NodeDir]:
    """A tray (engine in-process) on "laptop", and "home", authorized both ways, not started.

    Args:
        tmp_path: Where their config directories go.
        home_port: home listens on this loopback port, and laptop's config pins home's address
            there (``peer_addresses``), so laptop reaches home by itself (after a restart too).
        home_services: Services home exposes (name → local address).
    """
    home_address = f"/ip4/127.0.0.1/tcp/{home_port}" if home_port is not None else None
    home = make_node_dir(
        tmp_path, "home", listen=home_address or "/ip4/127.0.0.1/tcp/0", services=home_services
    )
    laptop = make_node_dir(
        tmp_path,
        "laptop",
        names={"home": home.peer_id},
        peer_addresses={"home": [home_address]} if home_address else None,
    )
    home.authorize(laptop)
    laptop.authorize(home)
    return TrayApp(laptop.config_path, start_engine_as_guest), laptop, home


async def eventually(
    what: str, check: Callable[[], bool], limit: float = STEP, detail: Callable[[], str] = str
) -> None:
    """Wait, bounded, until ``check()`` holds, looking every 50 ms (for what no bridge signal
    announces: a dialog changes on its own requests' replies)."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit} s {detail()}")
        await asyncio.sleep(0.05)


def attached_tray(node: NodeDir, daemon: DaemonProcess) -> TrayApp:
    """A tray attached to ``daemon`` (its API in the daemon's own runtime directory)."""
    old = os.environ.get("PEERUP_RUNTIME_DIR")
    os.environ["PEERUP_RUNTIME_DIR"] = str(daemon.endpoint.socket_path.parent)
    try:
        app = TrayApp(node.config_path, None)
    finally:
        if old is None:
            os.environ.pop("PEERUP_RUNTIME_DIR", None)
        else:
            os.environ["PEERUP_RUNTIME_DIR"] = old
    assert app.bridge.endpoint == daemon.endpoint
    return app


@contextlib.asynccontextmanager
async def running(*apps: TrayApp) -> AsyncIterator[None]:
    """Run the trays until the block ends (then quit them), once each follows its engine."""
    tasks = [asyncio.ensure_future(app.run()) for app in apps]
    try:
        for app in apps:
            await eventually("the tray's engine", lambda a=app: a.bridge.state is not None)
        yield
    finally:
        for app in apps:
            app.request_quit()
        async with asyncio.timeout(STEP):
            await asyncio.gather(*tasks)


def menu_action(app: TrayApp, text: str) -> QAction:
    """The tray menu's entry ``text`` (enabled), as a click in the menu would find it."""
    [action] = [a for a in app.tray.menu.actions() if a.text() == text]
    assert action.isEnabled(), text
    return action
