"""The tray menu and the peers window as people see them, rendered offscreen from a realistic
state, in English and German.

Always checks that they render (not blank, wide enough for their texts); with
``PEERUP_SCREENSHOTS=<dir>`` (``make screenshots``) it also writes ``<dir>/tray-menu.png`` (the
menu with its Peers submenu open beside it) and ``<dir>/peers-window.png``, and their German
twins ``tray-menu-de.png`` and ``peers-window-de.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.api.models import Snapshot
from app.core.status import (
    ForwardInfo,
    ForwardState,
    Grade,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    Reachability,
    RelayInfo,
)
from app.gui.bridge import Bridge
from app.gui.peers_window import PeersWindow
from app.gui.tray import Tray
from app.gui.view import Connection, tray_view
from tests.gui.shots import not_blank, save
from tests.helpers.factories import reachability, settings

pytestmark = pytest.mark.gui


def _reach(grade: Grade) -> Reachability:
    return reachability(grade, CODES.get(grade, "endpoint-independent"), reason="")


CODES = {
    Grade.A: "public-address-confirmed",
    Grade.B: "endpoint-independent",
    Grade.C: "tcp-only",
    Grade.D: "symmetric-nat",
}
RELAY = "12D3KooWRe1ayQx7fWsc9eVZ3NkNRi3XH2bhhYpYjY4tXG5uBtCm"
SINCE = 1_796_000_000.0  # a fixed moment, so that the pictures do not change by themselves


def _peer(name: str, grade: Grade, path: PathType | None, rtt: float, verified: bool) -> PeerInfo:
    pid = "12D3KooW" + (name.capitalize() * 12)[:44]
    address = (
        "/ip4/192.0.2.7/tcp/4001"
        if path is PathType.DIRECT
        else f"/ip4/203.0.113.9/tcp/4001/p2p/{RELAY}/p2p-circuit"
    )
    info = PathInfo(pid, path, address, "tcp", "ipv4", SINCE, rtt, verified) if path else None
    return PeerInfo(
        peer_id=pid,
        name=name,
        authorized=True,
        verified=verified,
        connected=info is not None,
        path=info,
        reachability=_reach(grade),
    )


def demo_state() -> Snapshot:
    """Three peers online (two direct, one relayed), one offline, two forwards."""
    status = NodeStatus(
        peer_id="12D3KooWLapt0pZ8mT9BqVdR3fKc4XyE6hNw2PsJ7uGa5bLx1Qn",
        version="0.1",
        uptime_seconds=3600,
        listen_addresses=("/ip4/192.0.2.2/tcp/4001",),
        connected_peers=3,
        authorized_peers=4,
        services=1,
        forwards=2,
        config_path="~/.config/peerup/config.yaml",
        reachability=_reach(Grade.B),
        relays=(RelayInfo(f"/ip4/203.0.113.9/tcp/4001/p2p/{RELAY}", RELAY, True, SINCE + 3600),),
    )
    peers = (
        _peer("desktop", Grade.A, PathType.DIRECT, 4, True),
        _peer("nas", Grade.D, PathType.RELAYED, 140, False),
        _peer("phone", Grade.B, PathType.DIRECT, 31, True),
        _peer("studio", Grade.C, None, 0, True),
    )
    forwards = (
        ForwardInfo("f1", peers[1].peer_id, "nas", "ssh", "127.0.0.1:2222", ForwardState.LISTENING),
        ForwardInfo(
            "f2",
            peers[0].peer_id,
            "desktop",
            "web",
            "127.0.0.1:8080",
            ForwardState.LISTENING,
            verified=True,
        ),
    )
    return Snapshot(seq=1, status=status, settings=settings(), peers=peers, forwards=forwards)


def _grab(menu: QMenu) -> QPixmap:
    menu.ensurePolished()
    menu.adjustSize()
    return menu.grab()


def test_tray_menu_renders(tmp_path: Path, lang: str) -> None:
    bridge = Bridge(tmp_path / "config.yaml", None)
    tray = Tray(bridge)
    tray.render(tray_view(demo_state(), Connection.ONLINE))
    texts = tray.action_texts()
    assert (
        texts[0]
        == {
            "en": "Online · 3 peers · 2 direct, 1 relayed · Reachability B",
            "de": "Online · 3 Peers · 2 direkt, 1 über Relay · Erreichbarkeit B",
        }[lang]
    )

    main = _grab(tray.menu)
    peers_action = next(a for a in tray.menu.actions() if a.text() == "Peers")  # same in German
    peers_menu = peers_action.menu()
    assert isinstance(peers_menu, QMenu)
    peers = _grab(peers_menu)
    for pixmap, menu in ((main, tray.menu), (peers, peers_menu)):
        assert not_blank(pixmap.toImage())
        metrics = menu.fontMetrics()
        widest = max(metrics.horizontalAdvance(a.text()) for a in menu.actions())
        assert pixmap.width() >= widest  # no text cut off

    # The Peers submenu opens beside its entry, as on a desktop.
    peers_row = tray.menu.actionGeometry(peers_action)
    canvas = QPixmap(
        main.width() + peers.width() + 24, max(main.height(), peers_row.y() + peers.height()) + 24
    )
    canvas.fill(QColor("#dfe3e8"))
    painter = QPainter(canvas)
    painter.drawPixmap(QPoint(12, 12), main)
    painter.drawPixmap(QPoint(12 + main.width() - 4, 12 + peers_row.y()), peers)
    painter.end()
    assert not_blank(canvas.toImage())

    # Each forward's "Copy command" puts what to type on the clipboard.
    forwards_title = {"en": "Forwards", "de": "Weiterleitungen"}[lang]
    forwards_menu = next(a.menu() for a in tray.menu.actions() if a.text() == forwards_title)
    assert isinstance(forwards_menu, QMenu)
    ssh = forwards_menu.actions()[0].menu()
    assert isinstance(ssh, QMenu)
    [copy] = ssh.actions()
    assert copy.text() == {"en": "Copy command", "de": "Befehl kopieren"}[lang]
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "ssh -p 2222 localhost"

    save(canvas, "tray-menu", lang)
    tray.hide()


def test_peers_window_renders(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    bridge = Bridge(tmp_path / "config.yaml", None)
    window = PeersWindow(bridge, device_name="laptop")
    qtbot.addWidget(window)
    window.show_state(demo_state())
    window.table.selectRow(1)
    window.show()
    qtbot.waitExposed(window)
    pixmap = window.grab()
    image = pixmap.toImage()
    assert not_blank(image)
    assert window.model.rowCount() == 4
    # No column is cut off: the table shows every column's full width.
    header = window.table.horizontalHeader()
    assert header.length() <= window.table.viewport().width(), "the table is too narrow"
    for label in (window.grade, window.relays, window.device_name):
        assert label.width() >= min(label.sizeHint().width(), label.maximumWidth()) or (
            label.wordWrap()
        )
    badge = window.model.data(window.model.index(1, 2))
    assert badge == {"en": "[UNVERIFIED]", "de": "[UNVERIFIZIERT]"}[lang]
    save(pixmap, "peers-window", lang)
