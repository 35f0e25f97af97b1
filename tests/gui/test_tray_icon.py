"""The tray icon's pictures: every state has an SVG that loads; connecting is animated."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.gui.bridge import Bridge
from app.gui.tray import CONNECTING_FRAMES, Tray, icon
from app.gui.view import Connection, Icon, tray_view
from tests.gui.test_screenshots import demo_state

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    "name",
    [i.value for i in Icon if i is not Icon.CONNECTING]
    + [f"connecting-{n}" for n in range(CONNECTING_FRAMES)],
)
def test_every_icon_loads(name: str) -> None:
    picture = icon(name).pixmap(32, 32)
    assert not picture.isNull()
    assert picture.toImage().pixelColor(16, 16).alpha() > 0


def test_connecting_is_animated_and_stops_once_online(tmp_path: Path) -> None:
    tray = Tray(Bridge(tmp_path / "config.yaml", None))
    tray.render(tray_view(None, Connection.CONNECTING))
    timer = tray._animation
    assert timer.isActive()
    first = tray.icon.icon().cacheKey()
    tray._next_frame()  # what the timer does every FRAME_MS
    assert tray.icon.icon().cacheKey() != first
    tray.render(tray_view(demo_state(), Connection.ONLINE))
    assert not timer.isActive()
    assert tray.view.icon is Icon.ATTENTION  # demo_state has an unverified peer
    tray.render(tray_view(None, Connection.OFFLINE))
    assert not timer.isActive()
    assert tray.icon.toolTip() == "peer-up: Offline: the peer-up engine is not running"
