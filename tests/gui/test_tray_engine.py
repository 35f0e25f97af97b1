"""The tray's menu follows a real engine: its own, started in-process as a trio guest on the
qasync loop, and a second node (a real ``peerup daemon``) that connects and goes away.

Offscreen Qt has no tray host, so the icon is never embedded here; the menu (a real ``QMenu``),
the tooltip and the icon state are what a desktop would show. tests/gui/test_desktop.py checks
the icon on real tray hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from app.api.client import open_local_client
from app.api.transport import endpoint_for_config
from app.gui.main import TrayApp
from app.gui.view import Connection, Icon
from app.launcher import start_engine_as_guest
from tests.gui import engine
from tests.gui.engine import STEP, laptop_tray_and_home
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import make_node_dir

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def until(app: TrayApp, what: str, check: Callable[[], bool]) -> Awaitable[None]:
    """:func:`tests.gui.engine.until`, with the menu in the failure message."""
    return engine.until(app, what, check, detail=lambda: f"; menu: {menu_texts(app)}")


def menu_texts(app: TrayApp) -> list[str]:
    return app.tray.action_texts()


def submenu(app: TrayApp, title: str) -> QMenu:
    for action in app.tray.menu.actions():
        menu = action.menu()
        if action.text() == title and isinstance(menu, QMenu):
            return menu
    raise AssertionError(f"no {title} submenu in {menu_texts(app)}")


def action(app: TrayApp, text: str) -> QAction:
    for candidate in app.tray.menu.actions():
        if candidate.text() == text:
            assert candidate.isEnabled(), text
            return candidate
    raise AssertionError(f"no {text} in {menu_texts(app)}")


def peer_entries(app: TrayApp) -> list[str]:
    return [a.text() for a in submenu(app, "Peers").actions()]


def test_menu_follows_a_peer_that_connects_and_goes_away(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    app, laptop, home = laptop_tray_and_home(tmp_path)
    daemon: list[DaemonProcess] = []

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            assert app.bridge.owns_engine
            assert app.bridge.connection is Connection.ONLINE
            assert menu_texts(app)[0].startswith("Online · 0 peers")
            assert "Pause" in menu_texts(app)
            state = app.bridge.state
            assert state is not None
            laptop_address = state.status.listen_addresses[0]
            assert peer_entries(app) == ["home  [? · offline]  [UNVERIFIED]"]

            loop = asyncio.get_running_loop()
            daemon.append(await loop.run_in_executor(None, start_daemon, home))
            async with open_local_client(daemon[0].endpoint) as client:
                await client.connect(laptop.peer_id, [laptop_address])

            await until(
                app, "home connected", lambda: menu_texts(app)[0].startswith("Online · 1 peer ·")
            )
            assert "1 direct, 0 relayed" in menu_texts(app)[0]
            [entry] = peer_entries(app)
            assert entry.startswith("home  [")
            assert "· Direct" in entry
            assert entry.endswith("[UNVERIFIED]")
            assert app.tray.view.icon is Icon.ATTENTION  # an unverified peer
            assert "peer-up: Online · 1 peer" in app.tray.icon.toolTip()
            assert "home" in app.bridge.diagnostics()

            await loop.run_in_executor(None, daemon[0].stop)
            await until(app, "home gone", lambda: menu_texts(app)[0].startswith("Online · 0 peers"))
            [entry] = peer_entries(app)
            assert entry.startswith("home  [")
            assert "· offline]" in entry  # its grade may be known by now

            # Test reachability now probes (no STUN servers configured: nothing leaves loopback)
            # and tells the result.
            told: list[tuple[str, str]] = []
            answered = asyncio.Event()

            def on_message(title: str, text: str) -> None:
                told.append((title, text))
                answered.set()

            app.bridge.message.connect(on_message)
            action(app, "Test reachability now").trigger()
            async with asyncio.timeout(STEP):
                await answered.wait()
            [(title, _text)] = told
            assert title.startswith("Reachability ")

            # Copy diagnostics puts the state's summary on the clipboard.
            action(app, "Copy diagnostics").trigger()
            assert laptop.peer_id in QGuiApplication.clipboard().text()

            # Pause stops the in-process engine; Resume starts it again.
            endpoint = endpoint_for_config(laptop.config_path)
            action(app, "Pause").trigger()
            await until(app, "paused", lambda: app.bridge.connection is Connection.PAUSED)
            assert menu_texts(app)[0] == "Paused"
            assert not endpoint.socket_path.exists()  # the engine has stopped
            action(app, "Resume").trigger()
            await until(app, "resumed", lambda: app.bridge.connection is Connection.ONLINE)
            assert menu_texts(app)[0].startswith("Online · 0 peers")

            # Stopped through the API (`peerup daemon stop`), the engine leaves the tray paused.
            async with open_local_client(endpoint) as client:
                await client.shutdown()
            await until(
                app, "paused by shutdown", lambda: app.bridge.connection is Connection.PAUSED
            )
            action(app, "Resume").trigger()
            await until(app, "resumed again", lambda: app.bridge.connection is Connection.ONLINE)
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for d in daemon:
            d.stop()
    endpoint = endpoint_for_config(laptop.config_path)
    assert not endpoint.socket_path.exists()  # the in-process engine stopped with the tray


def test_attaches_to_a_running_daemon_and_leaves_it_running(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = make_node_dir(tmp_path, "laptop")
    daemon = start_daemon(laptop)
    try:
        monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(laptop.path / "run"))  # the daemon's
        app = TrayApp(laptop.config_path, start_engine_as_guest)

        async def scenario() -> None:
            running = asyncio.ensure_future(app.run())
            try:
                await until(app, "attached", lambda: app.bridge.state is not None)
                assert not app.bridge.owns_engine
                assert menu_texts(app)[0].startswith("Online · 0 peers")
                [pause] = [a for a in app.tray.menu.actions() if a.text() == "Pause"]
                assert not pause.isEnabled()  # not the tray's engine to pause
                assert "separate daemon" in app.bridge.diagnostics()
            finally:
                app.request_quit()
                async with asyncio.timeout(STEP):
                    await running

        qasync_loop.run_until_complete(scenario())
        assert daemon.proc.poll() is None  # quitting the tray leaves the daemon running
        assert daemon.endpoint.socket_path.exists()
    finally:
        assert daemon.stop() == 0


def test_an_engine_that_cannot_start_is_reported(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    laptop = make_node_dir(tmp_path, "laptop")
    laptop.config_path.write_text("version: 1\nnetwork: {listen_addresses: [not-a-multiaddr]}\n")
    app = TrayApp(laptop.config_path, start_engine_as_guest)
    errors: list[tuple[str, str, str]] = []
    app.bridge.error_raised.connect(lambda *error: errors.append(error))

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "offline", lambda: app.bridge.connection is Connection.OFFLINE)
            assert menu_texts(app)[0] == "Offline: the peer-up engine is not running"
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    qasync_loop.run_until_complete(scenario())
    [(code, message, _hint)] = errors
    assert code == "config-error"
    assert "identity" in message  # the config names what is wrong
