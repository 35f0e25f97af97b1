"""The peers window follows real engines and its actions work: the tray's own engine
(in-process, a trio guest on the qasync loop) and a second node, a real ``peerup daemon``, that
connects directly, is renamed, pinged, goes away and is removed. Offscreen Qt; Qt warnings fail.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.api.client import open_local_client
from app.gui.models.peers import Column
from app.gui.peers_window import PeersWindow
from tests.gui.engine import STEP, laptop_tray_and_home, until
from tests.helpers.daemons import DaemonProcess, start_daemon

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def cell(window: PeersWindow, row: int, column: Column) -> str:
    return str(window.model.data(window.model.index(row, column)))


def dialog(window: PeersWindow, kind: type) -> object:
    [found] = [w for w in window.findChildren(kind) if w.isVisible()]
    return found


def test_window_follows_a_peer_and_renames_pings_and_removes_it(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    app, laptop, home = laptop_tray_and_home(tmp_path)
    daemon: list[DaemonProcess] = []

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            window = app.open_window()
            assert window.isVisible()
            assert window.peer_id.text() == laptop.peer_id
            assert window.qr.text() == laptop.peer_id
            assert window.grade.text().startswith("Reachability ")
            assert window.model.rowCount() == 1
            assert cell(window, 0, Column.NAME) == "home"
            assert cell(window, 0, Column.VERIFIED) == "[UNVERIFIED]"
            assert cell(window, 0, Column.PATH) == "offline"
            state = app.bridge.state
            assert state is not None
            laptop_address = state.status.listen_addresses[0]

            # home starts and connects: the row follows (direct, an RTT once measured).
            loop = asyncio.get_running_loop()
            daemon.append(await loop.run_in_executor(None, start_daemon, home))
            async with open_local_client(daemon[0].endpoint) as client:
                await client.connect(laptop.peer_id, [laptop_address])
            await until(
                app, "home direct", lambda: cell(window, 0, Column.PATH).startswith("Direct")
            )
            assert cell(window, 0, Column.LAST_SEEN).startswith("connected since")

            # Ping shows the round trip.
            window.table.selectRow(0)
            assert window.ping_button.isEnabled()
            window.ping_button.click()
            await until(app, "ping", lambda: "answered in" in window.status.text())

            # Rename through the dialog: config.yaml gets the name, the window shows it.
            window.rename_button.click()
            rename = dialog(window, QInputDialog)
            assert isinstance(rename, QInputDialog)
            rename.setTextValue("nas")
            rename.accept()
            await until(app, "renamed", lambda: cell(window, 0, Column.NAME) == "nas")
            assert window.status.text() == "Renamed to nas."
            assert "nas:" in laptop.config_path.read_text()
            assert "home:" not in laptop.config_path.read_text()

            # home goes away: offline, last seen now.
            await loop.run_in_executor(None, daemon[0].stop)
            await until(app, "home gone", lambda: cell(window, 0, Column.PATH) == "offline")
            assert cell(window, 0, Column.LAST_SEEN) != "never"

            # Verify… opens the verification dialog; Cancel closes it (and cancels the run).
            window.verify_button.click()
            verify = app.verify_dialog(home.peer_id)
            assert verify.isVisible()
            assert verify.windowTitle() == "Verify nas"
            verify.close_button.click()
            await until(
                app,
                "the dialog closed",
                lambda: app.verify_dialog(home.peer_id) is None,
                also=(verify.finished,),
            )

            # Remove asks first; Cancel keeps the peer, Yes removes it.
            window.remove_button.click()
            box = dialog(window, QMessageBox)
            assert isinstance(box, QMessageBox)
            box.button(QMessageBox.StandardButton.Cancel).click()
            await asyncio.sleep(0.2)
            assert window.model.rowCount() == 1
            window.remove_button.click()
            box = dialog(window, QMessageBox)
            assert isinstance(box, QMessageBox)
            box.button(QMessageBox.StandardButton.Yes).click()
            await until(app, "removed", lambda: window.model.rowCount() == 0)
            assert home.peer_id not in (tmp_path / "laptop").joinpath("authorized_keys").read_text()
            assert window.empty.isVisible()

            # Authorized again (through the API, as `peerup auth add` does): the row comes
            # back and a notification says the peer joined.
            told: list[str] = []
            app.notifications.shown.connect(lambda title, _text: told.append(title))
            async with open_local_client(app.bridge.endpoint) as client:
                await client.authorize(home.peer_id, "home")
            await until(app, "authorized again", lambda: window.model.rowCount() == 1)
            assert told == ["nas joined"]  # the name given before stays in config.yaml
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for d in daemon:
            d.stop()
