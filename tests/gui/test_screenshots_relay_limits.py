"""The preferences' relay list with a relay that grants stock libp2p limits (128 KiB, 2 min per
connection), one with peer-up's (1 GiB, 1 h) and one that is down, in English and German.

With ``PEERUP_SCREENSHOTS=<dir>`` it writes ``preferences-relay-limits.png`` (and ``-de``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgspec
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.core.status import RelayInfo
from app.gui.bridge import Bridge
from app.gui.dialogs.preferences import PreferencesDialog
from app.gui.notifications import Notifications
from tests.gui.shots import assert_nothing_cut_off, shoot
from tests.gui.test_screenshots import RELAY, SINCE
from tests.gui.test_screenshots_preferences import preferences_state

pytestmark = pytest.mark.gui

STOCK = "QmNbjYQbUa3Z5jsTj1L1H4UbGLA8fhhJUBEtnjdKGwkWuN"


def test_relay_limits_render(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    state = preferences_state()
    relays = (
        RelayInfo(
            f"/ip4/198.51.100.20/tcp/4001/p2p/{STOCK}", STOCK, True, SINCE + 3600,
            limit_data=128 << 10, limit_duration=120,
        ),
        RelayInfo(
            f"/ip4/203.0.113.9/tcp/4001/p2p/{RELAY}", RELAY, True, SINCE + 3600,
            limit_data=1 << 30, limit_duration=3600,
        ),
        state.status.relays[1],  # down
    )  # fmt: skip
    state = msgspec.structs.replace(state, status=dataclasses.replace(state.status, relays=relays))
    bridge = Bridge(tmp_path / "config.yaml", None)
    settings = QSettings(str(tmp_path / "tray.ini"), QSettings.Format.IniFormat)
    dialog = PreferencesDialog(
        bridge, Notifications(bridge, lambda _t, _x: None, settings=settings)
    )
    qtbot.addWidget(dialog)
    dialog.show_state(state)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentIndex(1)
    stock = dialog.relays.data(dialog.relays.index(0, 2))
    ours = dialog.relays.data(dialog.relays.index(1, 2))
    assert stock.endswith({"en": "/ 2 min", "de": "/ 2 Min."}[lang])
    assert ours.endswith({"en": "/ 1 h", "de": "/ 1 Std."}[lang])
    assert dialog.relays.data(dialog.relays.index(2, 2)) == ""
    table = dialog.relays_table
    assert table.horizontalHeader().length() <= table.viewport().width(), "the table is narrow"
    assert_nothing_cut_off(dialog.tabs.currentWidget())
    shoot(dialog, "preferences-relay-limits", lang)
