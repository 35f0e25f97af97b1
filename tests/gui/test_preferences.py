"""The preferences dialog against real engines: the tray's own (in-process, a trio guest on the
qasync loop) and a relay, a real ``peerup daemon`` with its relay service on.

Every engine setting goes through the API at once and comes back in the watch state; the
relays show their reservation; the language switches the tray menu and the open windows at once;
start at login writes the XDG autostart entry; the notification switches persist. One test
drives the dialog with the keyboard alone. Offscreen Qt; Qt warnings fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.api.client import open_local_client
from app.core.status import Settings
from app.engine import portmap
from app.gui.bridge import Bridge
from app.gui.dialogs.preferences import PreferencesDialog
from app.gui.i18n import install_translations, preferred_language
from app.gui.main import TrayApp
from app.gui.notifications import Notifications
from app.gui.notify import Kind
from app.launcher import start_engine_as_guest
from tests.gui.engine import STEP, eventually, until
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.factories import snapshot
from tests.helpers.nodes import NodeDir, free_port, make_node_dir

pytestmark = [pytest.mark.gui, pytest.mark.slow]

TICK = 0.02


@pytest.fixture
def desktop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: QApplication) -> Iterator[Path]:
    """A desktop session of the test's own: QSettings and the autostart folder in ``tmp_path``,
    a tray that stays when its last window closes, and port mapping kept on loopback.

    Yields:
        The session's ``XDG_CONFIG_HOME``.
    """
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home))
    qapp.setQuitOnLastWindowClosed(False)  # as peerup-tray runs

    # Switching port mapping on must not reach the real LAN: NAT-PMP asks a closed port on
    # loopback, and UPnP discovery finds nothing at once (no SSDP multicast).
    async def loopback_gateway() -> str:
        return "127.0.0.1"

    def no_upnp(_self: object) -> tuple[object, str]:
        raise portmap.PortMappingFailed("no UPnP gateway answered on the local network")

    monkeypatch.setattr(portmap, "default_gateway", loopback_gateway)
    monkeypatch.setattr(portmap, "NATPMP_PORT", free_port())
    monkeypatch.setattr(portmap.PortMapper, "_discover_blocking", no_upnp)
    yield home
    qapp.setQuitOnLastWindowClosed(True)
    install_translations("en")


def settings_of(app: TrayApp) -> Settings:
    state = app.bridge.state
    assert state is not None
    return state.settings


def relay_states(app: TrayApp) -> dict[str, bool]:
    state = app.bridge.state
    return {r.address: r.reserved for r in state.status.relays} if state is not None else {}


def relay_node(tmp_path: Path, laptop: NodeDir) -> NodeDir:
    relay = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    relay.authorize(laptop)  # the relay is gated: it reserves for its authorized peers only
    return relay


def shown_box(dialog: PreferencesDialog) -> QMessageBox:
    [box] = [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]
    return box


def test_engine_settings_and_relays_apply_through_the_api(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, desktop: Path
) -> None:
    laptop = make_node_dir(tmp_path, "laptop")
    relay = relay_node(tmp_path, laptop)
    app = TrayApp(laptop.config_path, start_engine_as_guest)
    daemons: list[DaemonProcess] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        daemons.append(await loop.run_in_executor(None, start_daemon, relay))
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            dialog = app.open_preferences()
            assert app.open_preferences() is dialog  # one dialog, raised again
            assert dialog.isVisible()
            assert not dialog.isModal()
            assert dialog.name_edit.text() == settings_of(app).device_name
            assert not dialog.name_apply.isEnabled()  # nothing changed yet

            # The device name: the API's settings and config.yaml have it.
            dialog.name_edit.setText("travel-laptop")
            assert dialog.name_apply.isEnabled()
            dialog.name_apply.click()
            await until(app, "renamed", lambda: settings_of(app).device_name == "travel-laptop")
            assert "travel-laptop" in laptop.config_path.read_text()
            async with open_local_client(app.bridge.endpoint) as client:
                assert (await client.settings()).device_name == "travel-laptop"
            await eventually("the request's end", lambda: not dialog.name_apply.isEnabled())

            # A name the API refuses: said in plain words; the field keeps what was typed.
            dialog.name_edit.setText("my laptop!")
            dialog.name_apply.click()
            await eventually("refused", lambda: dialog.banner.kind == "error")
            assert dialog.banner.code == "invalid-name"
            assert dialog.banner.text().startswith("That name is not valid.")
            assert dialog.name_edit.text() == "my laptop!"
            assert settings_of(app).device_name == "travel-laptop"
            dialog.name_edit.setText("travel-laptop")  # as it is: nothing to apply
            assert not dialog.name_apply.isEnabled()

            # The switches, each applied on its click.
            for box, field in (
                (dialog.mdns, "mdns"),
                (dialog.port_mapping, "port_mapping"),
                (dialog.hole_punching, "hole_punching"),
            ):
                before = getattr(settings_of(app), field)
                assert box.isChecked() == before, field
                box.click()
                await until(app, field, lambda f=field, b=before: getattr(settings_of(app), f) != b)
                assert box.isChecked() != before, field
                async with open_local_client(app.bridge.endpoint) as client:
                    assert getattr(await client.settings(), field) != before, field
                await eventually(field, lambda b=box: b.isEnabled())

            # A private network, then the global one again (an empty field).
            dialog.tabs.setCurrentIndex(2)
            dialog.network_edit.setText("my-crew")
            dialog.network_apply.click()
            await until(app, "network", lambda: settings_of(app).network == "my-crew")
            assert "my-crew" in laptop.config_path.read_text()
            await eventually("network applied", lambda: not dialog.network_apply.isEnabled())
            dialog.network_edit.clear()
            dialog.network_apply.click()
            await until(app, "global network", lambda: settings_of(app).network is None)

            # A relay by its address: it appears, then holds a reservation.
            dialog.tabs.setCurrentIndex(1)
            async with open_local_client(daemons[0].endpoint) as client:
                relay_status = await client.status()
            address = f"{relay_status.listen_addresses[0]}/p2p/{relay.peer_id}"
            assert dialog.relays.rowCount() == 0
            assert not dialog.relays_empty.isHidden()  # on the Relays tab: "No relays…"
            dialog.relay_edit.setText(address)
            dialog.add_relay_button.click()
            await until(app, "reserved", lambda: relay_states(app).get(address) is True)
            assert dialog.relays.rowCount() == 1
            row = dialog.relays.row_of(address)
            assert row is not None
            state_text = dialog.relays.data(dialog.relays.index(row, 1))
            assert state_text.startswith("Reserved until "), state_text
            assert address in laptop.config_path.read_text()
            assert dialog.relay_edit.text() == ""
            assert dialog.banner.kind == "info"
            assert not dialog.relays_empty.isVisible()

            # The same again: the API refuses, in plain words.
            await eventually("add done", lambda: not dialog._busy)
            dialog.relay_edit.setText(address)
            dialog.add_relay_button.click()
            await eventually("refused", lambda: dialog.banner.kind == "error")
            assert dialog.banner.code == "already-exists"
            assert dialog.banner.text().startswith("It exists already.")

            # Not an address: said at once, nothing sent.
            dialog.relay_edit.setText("203.0.113.7:7777")
            dialog.add_relay_button.click()
            assert dialog.banner.kind == "error"
            assert dialog.banner.code == "invalid-address"
            assert dialog.banner.text().startswith("That address is not valid.")
            assert "peer ID is needed" in dialog.banner.text()
            assert "Traceback" not in dialog.banner.text()

            # Remove asks first: Cancel keeps the relay, Yes removes it.
            dialog.relays_table.selectRow(row)
            dialog.remove_relay_button.click()
            shown_box(dialog).button(QMessageBox.StandardButton.Cancel).click()
            await asyncio.sleep(0.2)
            assert address in relay_states(app)
            dialog.remove_relay_button.click()
            shown_box(dialog).button(QMessageBox.StandardButton.Yes).click()
            await until(app, "removed", lambda: address not in relay_states(app))
            assert dialog.relays.rowCount() == 0
            assert address not in laptop.config_path.read_text()

            # By the text of its QR code: all that `peerup relay info` prints, QR included.
            info = await loop.run_in_executor(None, daemons[0].cli, "relay", "info")
            assert info.returncode == 0, info.stderr
            assert "█" in info.stdout  # the QR code is part of what was pasted
            await eventually("remove done", lambda: not dialog._busy)
            dialog.relay_edit.setText(info.stdout)
            dialog.relay_edit.returnPressed.emit()
            await until(app, "reserved again", lambda: any(relay_states(app).values()))
            [(again, _)] = relay_states(app).items()
            assert again.endswith(f"/p2p/{relay.peer_id}")
            assert dialog.relays.rowCount() == 1
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for daemon in daemons:
            daemon.stop()


def test_language_start_at_login_and_notifications_with_the_keyboard_alone(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, desktop: Path, qtbot: QtBot
) -> None:
    laptop = make_node_dir(tmp_path, "laptop")
    app = TrayApp(laptop.config_path, start_engine_as_guest)
    entry = desktop / "autostart" / "peerup-tray.desktop"

    def focus() -> QWidget | None:
        return QApplication.focusWidget()

    async def key(
        widget: QWidget | None, k: Qt.Key, mod: Qt.KeyboardModifier | None = None
    ) -> None:
        assert widget is not None
        if mod is None:
            qtbot.keyClick(widget, k)
        else:
            qtbot.keyClick(widget, k, mod)
        await asyncio.sleep(TICK)

    async def alt(letter: Qt.Key) -> None:
        await key(focus(), letter, Qt.KeyboardModifier.AltModifier)

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            window = app.open_window()
            assert "Preferences…" in app.tray.action_texts()
            # The peers window's button opens the one dialog the tray menu opens.
            window.preferences_button.click()
            dialog = app.preferences
            assert isinstance(dialog, PreferencesDialog)
            assert app.open_preferences() is dialog
            qtbot.waitExposed(dialog)
            dialog.activateWindow()
            await eventually("the dialog has the focus", lambda: dialog.isActiveWindow())
            dialog.tabs.tabBar().setFocus()
            await eventually("focus", lambda: focus() is dialog.tabs.tabBar())

            # Every widget the keyboard reaches says what it is.
            for page in range(dialog.tabs.count()):
                dialog.tabs.setCurrentIndex(page)
                for widget in dialog.findChildren(QWidget):
                    if (
                        widget.focusPolicy() != Qt.FocusPolicy.NoFocus
                        and widget.isVisibleTo(dialog)
                        and not widget.inherits("QTabBar")
                    ):
                        assert widget.accessibleName() or widget.property("text"), widget
            dialog.tabs.setCurrentIndex(0)

            # General: Alt+N to the name, type, Enter applies it.
            await alt(Qt.Key.Key_N)
            assert focus() is dialog.name_edit
            qtbot.keyClick(dialog.name_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClicks(dialog.name_edit, "desk-laptop")
            await key(dialog.name_edit, Qt.Key.Key_Return)
            await until(app, "renamed", lambda: settings_of(app).device_name == "desk-laptop")
            assert "This device: desk-laptop" in window.device_name.text()

            # Alt+S: start at login writes the autostart entry; again removes it.
            await alt(Qt.Key.Key_S)
            await eventually("switched on", dialog.autostart.isChecked)  # a mnemonic's click
            assert entry.is_file()
            text = entry.read_text()
            [exec_line] = [line for line in text.splitlines() if line.startswith("Exec=")]
            assert exec_line.endswith(f"peerup-tray --config {laptop.config_path}")
            await alt(Qt.Key.Key_S)
            await eventually("switched off", lambda: not dialog.autostart.isChecked())
            assert not entry.exists()

            # Alt+L to the language, Down to Deutsch: the tray menu, the dialog and the peers
            # window switch at once, and the choice is kept.
            await alt(Qt.Key.Key_L)
            assert focus() is dialog.language
            assert dialog.language.currentData() is None  # the system's, so far
            await key(dialog.language, Qt.Key.Key_Down)  # English
            await key(dialog.language, Qt.Key.Key_Down)  # Deutsch
            assert dialog.language.currentData() == "de"
            await eventually(
                "the tray menu in German", lambda: "Einstellungen…" in app.tray.action_texts()
            )
            await eventually(
                "the dialog in German", lambda: dialog.windowTitle() == "peer-up-Einstellungen"
            )
            assert preferred_language() == "de"
            assert dialog.tabs.tabText(2) == "Ne&tzwerk"
            assert window.preferences_button.text() == "Ein&stellungen…"
            assert window.model.headerData(2, Qt.Orientation.Horizontal) == "Verifiziert"

            # Back to the system's language.
            await key(dialog.language, Qt.Key.Key_Up)
            await key(dialog.language, Qt.Key.Key_Up)
            assert dialog.language.currentData() is None
            assert preferred_language() is None

            # Network: Alt+T to the tab, Alt+L switches LAN discovery (mDNS) through the API.
            install_translations("en")  # the system's language on this test machine
            await eventually("English again", lambda: "Preferences…" in app.tray.action_texts())
            await alt(Qt.Key.Key_T)
            assert dialog.tabs.currentIndex() == 2
            mdns = settings_of(app).mdns
            await alt(Qt.Key.Key_L)
            await until(app, "mDNS", lambda: settings_of(app).mdns != mdns)
            await eventually("mDNS applied", lambda: dialog.mdns.isEnabled())

            # Alt+R to the relays, Alt+A to the relay's address, a wrong one, Enter: the error
            # in plain words.
            await alt(Qt.Key.Key_R)
            assert dialog.tabs.currentIndex() == 1
            await alt(Qt.Key.Key_A)
            assert focus() is dialog.relay_edit
            qtbot.keyClicks(dialog.relay_edit, "relay.example.com:7777")
            await key(dialog.relay_edit, Qt.Key.Key_Return)
            assert dialog.banner.kind == "error"
            assert dialog.banner.text().startswith("That address is not valid.")

            # Notifications: Alt+F to the tab, Tab to the first switch, Space turns it off;
            # the choice persists.
            await alt(Qt.Key.Key_F)
            assert dialog.tabs.currentIndex() == 3
            first = dialog.notify_boxes[Kind.PEER_JOINED]
            for _ in range(10):
                if focus() is first:
                    break
                await key(focus(), Qt.Key.Key_Tab)
            assert focus() is first
            assert first.isChecked()
            await key(first, Qt.Key.Key_Space)
            assert not first.isChecked()
            assert not app.notifications.enabled(Kind.PEER_JOINED)
            stored = QSettings("peer-up", "peerup-tray").value(f"notify/{Kind.PEER_JOINED.value}")
            assert stored == "false"
            await key(first, Qt.Key.Key_Space)
            assert app.notifications.enabled(Kind.PEER_JOINED)

            # Escape closes the dialog (the tray forgets it); the tray keeps running, and it
            # opens again, a new one.
            await key(focus(), Qt.Key.Key_Escape)
            assert app.preferences is None
            again = app.open_preferences()
            assert again.isVisible()
            assert app.preferences is again
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    qasync_loop.run_until_complete(scenario())


def test_without_the_engine_its_settings_wait_and_the_rest_works(
    tmp_path: Path, qtbot: QtBot, desktop: Path
) -> None:
    bridge = Bridge(tmp_path / "config.yaml", None)  # nothing answers: paused or not running
    notifications = Notifications(bridge, lambda _title, _text: None)
    dialog = PreferencesDialog(bridge, notifications)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.banner.kind == "info"
    assert "not running" in dialog.banner.text()
    for widget in (dialog.name_edit, dialog.relays_page, dialog.network_page):
        assert not widget.isEnabled()
    for widget in (dialog.language, dialog.autostart, *dialog.notify_boxes.values()):
        assert widget.isEnabled()
    dialog.autostart.click()
    assert (desktop / "autostart" / "peerup-tray.desktop").is_file()

    # The engine comes (Resume): its settings show, the notice goes.
    dialog.show_state(snapshot())
    assert dialog.banner.kind == ""
    assert dialog.name_edit.isEnabled()
    assert dialog.name_edit.text() == "laptop"
    assert dialog.hole_punching.isChecked()
    assert not dialog.relays_empty.isHidden()  # on the Relays tab: "No relays…"
