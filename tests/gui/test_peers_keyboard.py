"""The peers window with the keyboard alone: Tab reaches the table, arrows select a peer, Enter
opens its actions, and an action runs; every focusable widget has an accessible name.

The bridge here follows no engine (nothing answers on its socket): the window is shown a state
directly, and the action's request fails with a translated "not running" message.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot

from app.api.models import Snapshot
from app.core.status import PeerInfo
from app.gui.bridge import Bridge
from app.gui.peers_window import PeersWindow
from tests.helpers.factories import snapshot

pytestmark = pytest.mark.gui

ME = "12D3KooWMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMe"
NAS = "12D3KooWNasNasNasNasNasNasNasNasNasNasNasNasNasNasNas"
MAX_TABS = 20


def _state() -> Snapshot:
    nas = PeerInfo(NAS, "nas", True, False, False)
    return snapshot(nas, peer_id=ME, authorized_peers=1, reachability=None)


def _focus() -> QWidget | None:
    return QApplication.focusWidget()


def test_tab_reaches_the_table_and_enter_opens_a_peers_actions(
    qtbot: QtBot, tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    bridge = Bridge(tmp_path / "config.yaml", None)
    window = PeersWindow(bridge)
    qtbot.addWidget(window)
    window.show_state(_state())
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.peer_id.setFocus()
    qtbot.waitUntil(lambda: _focus() is window.peer_id)

    for widget in window.findChildren(QWidget):
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.isVisibleTo(window):
            assert widget.accessibleName(), widget

    visited = []
    for _ in range(MAX_TABS):
        if _focus() is window.table:
            break
        focus = _focus()
        assert focus is not None
        visited.append(focus.accessibleName())
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert _focus() is window.table, visited

    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    if window.selected_peer() is None:  # the first arrow may only set the current cell
        qtbot.keyClick(window.table, Qt.Key.Key_Space)
    peer = window.selected_peer()
    assert peer is not None
    assert peer.peer_id == NAS

    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    menu = window.open_menu
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Rename…",
        "Ping",
        "Verify…",
        "Copy peer ID",
        "Remove…",
    ]
    qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction() is not None
    assert menu.activeAction().text() == "Rename…"
    qtbot.keyClick(menu, Qt.Key.Key_Return)

    def rename_dialog() -> QInputDialog:
        [dialog] = [d for d in window.findChildren(QInputDialog) if d.isVisible()]
        return dialog

    qtbot.waitUntil(lambda: bool(rename_dialog()))
    dialog = rename_dialog()
    qtbot.waitUntil(lambda: _focus() is not None and dialog.isAncestorOf(_focus()))
    focus = _focus()
    assert focus is not None
    qtbot.keyClicks(focus, "-2")
    errors: list[str] = []
    bridge.error_raised.connect(lambda code, _message, _hint: errors.append(code))
    # The loop is Qt's: the rename's request runs while qtbot waits.
    with qtbot.waitSignal(bridge.error_raised, timeout=10_000):
        qtbot.keyClick(focus, Qt.Key.Key_Return)
    assert errors == ["daemon-not-running"]
    assert window.status.text() == "peer-up is not running."
