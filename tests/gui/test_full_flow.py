"""The whole tray flow a person goes through, on two real engines, driven only through the GUI.

"laptop" is a tray with its in-process engine; "home" is a real ``peerup daemon`` with a tray
attached to it and a real HTTP server it offers as the service "web". They start as strangers:
laptop invites from its tray menu, home joins from its tray menu by pasting the code, both emoji
pages show the same 4 emoji, both say "They match", both end verified; then laptop adds a port
forward to home's "web" in the port forwards window and a page comes through it, byte for byte,
with home shown verified and the forward's counters counting it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.gui.dialogs.forwards import ForwardDialog
from app.gui.main import TrayApp
from app.gui.models.forwards import Column
from app.launcher import start_engine_as_guest
from tests.gui.engine import attached_tray, eventually, menu_action, running, until
from tests.helpers.daemons import start_daemon
from tests.helpers.nodes import free_port, make_node_dir
from tests.helpers.services import fetch_page, serving_page

pytestmark = [pytest.mark.gui, pytest.mark.slow]

PAGE = b"<html><body>" + b"through peer-up, verified. " * 10_000 + b"</body></html>"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[int]:
    """home's web server: the stdlib HTTP server in its own process serving ``page.html``."""
    with serving_page(tmp_path / "site", PAGE) as port:
        yield port


@pytest.fixture(autouse=True)
def _windows_may_close(qapp: QApplication) -> Iterator[None]:
    """As ``peerup-tray`` does: closing a dialog (the last window) does not quit the app."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(True)


def verified(app: TrayApp, peer_id: str) -> bool:
    state = app.bridge.state
    return state is not None and any(p.peer_id == peer_id and p.verified for p in state.peers)


def test_invite_join_verify_forward_and_fetch_a_page_all_in_the_tray(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, web: int
) -> None:
    laptop = make_node_dir(tmp_path, "laptop")
    home = make_node_dir(tmp_path, "home", services={"web": f"127.0.0.1:{web}"})
    daemon = start_daemon(home)
    inviter = TrayApp(laptop.config_path, start_engine_as_guest)
    joiner = attached_tray(home, daemon)

    async def scenario() -> None:
        async with running(inviter, joiner):
            # laptop: tray ▸ Invite a device… → a name for the other device → Create code.
            menu_action(inviter, "Invite a device…").trigger()
            wizard = inviter.invite_dialog
            assert wizard is not None
            QTest.keyClicks(wizard.peer_name, "home-server")
            QTest.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
            await eventually("the code", lambda: bool(wizard.code))
            assert wizard.qr.isVisible()

            # home: tray ▸ Join with a code… → paste the code laptop copied → Join.
            QTest.mouseClick(wizard.copy_code, Qt.MouseButton.LeftButton)
            menu_action(joiner, "Join with a code…").trigger()
            dialog = joiner.join_dialog
            assert dialog is not None
            dialog.code.setFocus()
            QTest.keyClick(dialog.code, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
            assert dialog.code.text().replace("\n", "") == wizard.code
            QTest.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)

            # Both emoji pages: the same 4 emoji, drawn from the bundled glyphs.
            await eventually("the joiner's emoji", lambda: dialog.confirm.sas is not None)
            await eventually("the inviter's emoji", lambda: wizard.confirm.sas is not None)
            assert wizard.confirm.sas == dialog.confirm.sas
            glyphs = [cell.glyph for cell in wizard.confirm.panel.cells]
            assert [g.emoji for g in glyphs] == [c.glyph.emoji for c in dialog.confirm.panel.cells]
            assert len(glyphs) == 4
            assert all(g.renderer is not None and g.renderer.isValid() for g in glyphs)

            # Both say "They match": both peers end verified.
            QTest.mouseClick(wizard.confirm.panel.match_button, Qt.MouseButton.LeftButton)
            QTest.mouseClick(dialog.confirm.panel.match_button, Qt.MouseButton.LeftButton)
            await until(inviter, "laptop verified home", lambda: verified(inviter, home.peer_id))
            await until(joiner, "home verified laptop", lambda: verified(joiner, laptop.peer_id))
            QTest.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
            QTest.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

            # laptop: tray ▸ Port forwards… → Add… → home-server's "web" on a free port → Save.
            menu_action(inviter, "Port forwards…").trigger()
            window = inviter.forwards_window
            assert window is not None
            QTest.mouseClick(window.add_button, Qt.MouseButton.LeftButton)
            [add] = [d for d in window.dialogs if isinstance(d, ForwardDialog)]
            assert add.peer.currentText() == "home-server  ✔ verified"
            await eventually("home's services", lambda: add.service.currentText() == "web")
            port = free_port()
            add.listen.clear()
            QTest.keyClicks(add.listen, f"127.0.0.1:{port}")
            await eventually("the port check", lambda: add.listen_note.text() == "✔ Free.")
            QTest.mouseClick(add.save_button, Qt.MouseButton.LeftButton)
            await until(inviter, "the forward", lambda: window.model.rowCount() == 1)

            def cell(column: Column) -> str:
                return str(window.model.data(window.model.index(0, column)))

            assert cell(Column.TARGET) == "home-server / web"
            assert cell(Column.VERIFIED) == "✔ verified"
            assert cell(Column.STATE) == "listening"

            # A page through the forward, byte for byte; the window counts it.
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, fetch_page, port) == PAGE
            await until(inviter, "counted", lambda: cell(Column.CONNECTIONS) == "0 / 1")
            assert window.model.forward(0).bytes_down >= len(PAGE)
            window.table.selectRow(0)
            QTest.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
            assert QGuiApplication.clipboard().text() == f"http://localhost:{port}"

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        daemon.stop()
