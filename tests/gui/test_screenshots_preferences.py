"""The preferences as people see them, each tab rendered offscreen from a realistic state, in
English and German.

Always checks that every tab renders (not blank, no text cut off); with
``PEERUP_SCREENSHOTS=<dir>`` (``make screenshots``) it also writes ``preferences-general.png``,
``preferences-relays.png``, ``preferences-network.png`` and ``preferences-notifications.png``
into ``<dir>``, and their German twins (``-de``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgspec
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.api.models import Snapshot
from app.core.status import RelayInfo, Settings
from app.gui.bridge import Bridge
from app.gui.dialogs.preferences import PreferencesDialog
from app.gui.notifications import Notifications
from app.gui.notify import Kind
from tests.gui.shots import assert_nothing_cut_off, shoot
from tests.gui.test_screenshots import RELAY, SINCE, demo_state

pytestmark = pytest.mark.gui

DOWN = "12D3KooWDown1ayZ8fWsc9eVZ3NkNRi3XH2bhhYpYjY4tXG5uBtQ"


def preferences_state() -> Snapshot:
    """The demo state with two relays (one reserved, one down) and the engine's settings."""
    state = demo_state()
    relays = (
        RelayInfo(f"/ip4/203.0.113.9/tcp/4001/p2p/{RELAY}", RELAY, True, SINCE + 3600),
        RelayInfo(
            f"/dns4/relay.example.org/tcp/7777/p2p/{DOWN}",
            DOWN,
            False,
            error="connection refused (nothing listens on that port)",
            error_code="relay-unreachable",
        ),
    )
    status = dataclasses.replace(state.status, relays=relays)
    settings = Settings(
        device_name="laptop",
        network=None,
        mdns=True,
        port_mapping=False,
        hole_punching=True,
    )
    return msgspec.structs.replace(state, status=status, settings=settings)


@pytest.fixture
def dialog(
    qtbot: QtBot, tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> PreferencesDialog:
    """The dialog showing :func:`preferences_state`, with its own settings and home."""
    monkeypatch.setenv("HOME", "/home/alex")  # the path the autostart hint shows
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    bridge = Bridge(tmp_path / "config.yaml", None)
    settings = QSettings(str(tmp_path / "tray.ini"), QSettings.Format.IniFormat)
    notifications = Notifications(bridge, lambda _title, _text: None, settings=settings)
    for kind in (Kind.PATH_DIRECT, Kind.PATH_RELAYED):
        notifications.set_enabled(kind, False)
    dialog = PreferencesDialog(bridge, notifications)
    qtbot.addWidget(dialog)
    dialog.show_state(preferences_state())
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_general_tab_renders(dialog: PreferencesDialog, lang: str) -> None:
    dialog.tabs.setCurrentIndex(0)
    assert dialog.name_edit.text() == "laptop"
    assert dialog.language.currentIndex() == 0
    assert "(~/.config/autostart)" in dialog.autostart_hint.text()
    assert_nothing_cut_off(dialog.tabs.currentWidget())
    shoot(dialog, "preferences-general", lang)


def test_relays_tab_renders(dialog: PreferencesDialog, lang: str) -> None:
    dialog.tabs.setCurrentIndex(1)
    assert dialog.relays.rowCount() == 2
    table = dialog.relays_table
    assert table.horizontalHeader().length() <= table.viewport().width(), "the table is narrow"
    reserved = dialog.relays.data(dialog.relays.index(0, 1))
    assert reserved.startswith({"en": "Reserved until ", "de": "Reserviert bis "}[lang])
    down = dialog.relays.data(dialog.relays.index(1, 1))
    assert (
        down
        == {
            "en": "The relay cannot be reached.",
            "de": "Das Relay ist nicht erreichbar.",
        }[lang]
    )
    assert dialog.relays.data(dialog.relays.index(0, 0)) == "203.0.113.9:4001 · …XG5uBtCm"
    table.selectRow(0)
    dialog.relay_edit.setFocus()
    assert_nothing_cut_off(dialog.tabs.currentWidget())
    shoot(dialog, "preferences-relays", lang)


def test_network_tab_renders(dialog: PreferencesDialog, lang: str) -> None:
    dialog.tabs.setCurrentIndex(2)
    assert dialog.network_edit.text() == ""
    assert dialog.mdns.isChecked()
    assert not dialog.port_mapping.isChecked()
    assert dialog.hole_punching.isChecked()
    assert_nothing_cut_off(dialog.tabs.currentWidget())
    shoot(dialog, "preferences-network", lang)


def test_notifications_tab_renders(dialog: PreferencesDialog, lang: str) -> None:
    dialog.tabs.setCurrentIndex(3)
    assert [box.isChecked() for box in dialog.notify_boxes.values()] == [
        kind not in (Kind.PATH_DIRECT, Kind.PATH_RELAYED) for kind in Kind
    ]
    assert_nothing_cut_off(dialog.tabs.currentWidget())
    shoot(dialog, "preferences-notifications", lang)
