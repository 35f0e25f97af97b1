"""The tray menu as people see it, rendered offscreen from a realistic state.

Always checks that the menu renders (not blank, wide enough for its texts); with
``PEERUP_SCREENSHOTS=<dir>`` (``make screenshots``) it also writes ``<dir>/tray-menu.png``: the
menu with its Peers submenu open beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QMenu

from app.api.models import Snapshot
from app.core.status import (
    ForwardInfo,
    ForwardState,
    Grade,
    NatMapping,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    Reachability,
)
from app.gui.bridge import Bridge
from app.gui.tray import Tray
from app.gui.view import Connection, tray_view

pytestmark = pytest.mark.gui


def _reach(grade: Grade) -> Reachability:
    return Reachability(
        grade=grade,
        reason_code="endpoint-independent",
        reason="",
        hint="",
        nat_mapping=NatMapping.ENDPOINT_INDEPENDENT,
        udp_blocked=False,
        cgnat=False,
        public_addresses=(),
        probed_at=0.0,
    )


def _peer(name: str, grade: Grade, path: PathType | None, rtt: float, verified: bool) -> PeerInfo:
    pid = "12D3KooW" + name.upper() * 4
    info = (
        PathInfo(pid, path, "/ip4/192.0.2.7/tcp/4001", "tcp", "ipv4", 0.0, rtt, verified)
        if path
        else None
    )
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
        peer_id="12D3KooWLaptop",
        version="0.1",
        uptime_seconds=3600,
        listen_addresses=("/ip4/192.0.2.2/tcp/4001",),
        connected_peers=3,
        authorized_peers=4,
        services=1,
        forwards=2,
        config_path="~/.config/peerup/config.yaml",
        reachability=_reach(Grade.B),
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
    return Snapshot(seq=1, status=status, peers=peers, forwards=forwards)


def _grab(menu: QMenu) -> QPixmap:
    menu.ensurePolished()
    menu.adjustSize()
    return menu.grab()


def _not_blank(image: QImage) -> bool:
    first = image.pixelColor(0, 0)
    step = max(1, image.width() // 40)
    return any(
        image.pixelColor(x, y) != first
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def test_tray_menu_renders(tmp_path: Path) -> None:
    bridge = Bridge(tmp_path / "config.yaml", None)
    tray = Tray(bridge)
    tray.render(tray_view(demo_state(), Connection.ONLINE))
    texts = tray.action_texts()
    assert texts[0] == "Online · 3 peers · 2 direct, 1 relayed · Reachability B"

    main = _grab(tray.menu)
    peers_action = next(a for a in tray.menu.actions() if a.text() == "Peers")
    peers_menu = peers_action.menu()
    assert isinstance(peers_menu, QMenu)
    peers = _grab(peers_menu)
    for pixmap, menu in ((main, tray.menu), (peers, peers_menu)):
        assert _not_blank(pixmap.toImage())
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
    assert _not_blank(canvas.toImage())

    # Each forward's "Copy command" puts what to type on the clipboard.
    forwards_menu = next(a.menu() for a in tray.menu.actions() if a.text() == "Forwards")
    assert isinstance(forwards_menu, QMenu)
    ssh = forwards_menu.actions()[0].menu()
    assert isinstance(ssh, QMenu)
    [copy] = ssh.actions()
    assert copy.text() == "Copy command"
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "ssh -p 2222 127.0.0.1"

    out = os.environ.get("PEERUP_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        assert canvas.save(str(Path(out) / "tray-menu.png"))
    tray.hide()
