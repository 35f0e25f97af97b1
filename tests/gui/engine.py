"""Helpers for the GUI tests that run the tray's real in-process engine."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import SignalInstance

from app.gui.main import TrayApp
from app.launcher import start_engine_as_guest
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


def laptop_tray_and_home(tmp_path: Path) -> tuple[TrayApp, NodeDir, NodeDir]:
    """A tray (engine in-process) on "laptop", and "home", authorized both ways, not started."""
    home = make_node_dir(tmp_path, "home")
    laptop = make_node_dir(tmp_path, "laptop", names={"home": home.peer_id})
    home.authorize(laptop)
    laptop.authorize(home)
    return TrayApp(laptop.config_path, start_engine_as_guest), laptop, home
