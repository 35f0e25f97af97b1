"""The port forwards window against real engines, driven by clicks and keys as a person would:
the tray's own engine (in-process, a trio guest on the qasync loop) on "laptop", and "home", a
real ``peerup daemon`` that exposes a real HTTP server (the stdlib's, in its own process).

A forward added in the window fetches a page from home and the table shows its counters and
rate; it stops, starts, survives the tray engine's restart; "Copy command" gives the URL; the
free-port check offers another port; a second forward is added with the keyboard alone. In the
"Exposed services" tab a service is exposed verified-only (after its check), and home, not
verified, is refused in plain words; a service disabled with the CLI stays listed, disabled, and
is enabled from the tab. Offscreen Qt; Qt warnings fail.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.api.client import open_local_client
from app.core.status import ForwardInfo
from app.gui.dialogs.forwards import ForwardDialog, ForwardsWindow
from app.gui.dialogs.services import ServiceDialog
from app.gui.models.forwards import Column
from app.gui.models.services import Column as ServiceColumn
from app.gui.texts import error_text
from app.gui.view import Connection
from tests.gui.engine import STEP, eventually, laptop_tray_and_home, menu_action, until
from tests.helpers.daemons import REPO, DaemonProcess, start_daemon
from tests.helpers.nodes import free_port
from tests.helpers.services import fetch_page, serving_page

pytestmark = [pytest.mark.gui, pytest.mark.slow]

D = TypeVar("D", ForwardDialog, ServiceDialog)
PAGE = b"<html><body>" + b"peer-up says hello. " * 20_000 + b"</body></html>"  # ~400 KB


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[int]:
    """home's web server: the stdlib HTTP server in its own process serving ``page.html``."""
    with serving_page(tmp_path / "site", PAGE) as port:
        yield port


def refused(port: int) -> bool:
    """Whether nothing accepts connections on the local port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


async def blocking(fn: Callable[..., object], *args: object) -> object:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def activate(window: QWidget) -> None:
    """Make ``window`` the active one, as a click on it would (mnemonics work there only)."""
    window.activateWindow()
    await eventually("the window active", lambda: QApplication.activeWindow() is window)


def cell(window: ForwardsWindow, row: int, column: Column) -> str:
    return str(window.model.data(window.model.index(row, column)))


def service_cell(window: ForwardsWindow, row: int, column: ServiceColumn) -> str:
    model = window.services.model
    return str(model.data(model.index(row, column)))


def the_dialog(window: ForwardsWindow, kind: type[D]) -> D:
    [found] = [d for d in window.dialogs if isinstance(d, kind) and d.isVisible()]
    return found


def message_boxes(parent: QWidget) -> list[QMessageBox]:
    return [b for b in parent.findChildren(QMessageBox) if b.isVisible()]


def focus() -> QWidget | None:
    return QApplication.focusWidget()


def test_forward_to_homes_web_server_from_the_window(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, http_server: int
) -> None:
    app, laptop, home = laptop_tray_and_home(
        tmp_path, home_port=free_port(), home_services={"web": f"127.0.0.1:{http_server}"}
    )
    daemon: list[DaemonProcess] = []

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            daemon.append(await blocking(start_daemon, home))  # type: ignore[arg-type]
            window = app.open_forwards()
            assert app.open_forwards() is window  # one window
            assert window.isVisible()
            assert window.empty.isVisible()

            # ---- Add… with the mouse: home is picked, its services are asked for.
            window.add_button.click()
            dialog = the_dialog(window, ForwardDialog)
            assert dialog.peer.currentText() == "home  [UNVERIFIED]"
            await eventually("home's services", lambda: dialog.services_note.text() != "")
            assert dialog.services_note.text() == "home offers: web"
            assert dialog.service.currentText() == "web"
            assert dialog.listen.text() == "127.0.0.1:8080"  # proposed for a web service
            port = free_port()
            dialog.listen.clear()
            QTest.keyClicks(dialog.listen, f"127.0.0.1:{port}")
            await eventually("the port check", lambda: dialog.listen_note.text() == "✔ Free.")
            dialog.save_button.click()
            await until(app, "the forward", lambda: window.model.rowCount() == 1)
            await eventually("the dialog closed", lambda: not window.dialogs)
            assert cell(window, 0, Column.LOCAL) == f"127.0.0.1:{port}"
            assert cell(window, 0, Column.TARGET) == "home / web"
            assert cell(window, 0, Column.STATE) == "listening"
            assert cell(window, 0, Column.VERIFIED) == "[UNVERIFIED]"
            assert not window.empty.isVisible()

            # ---- A page through it: the table shows the counters, the rate while it moves,
            # and home's path.
            rates: list[str] = []
            window.model.dataChanged.connect(lambda *_: rates.append(cell(window, 0, Column.RATE)))
            assert await blocking(fetch_page, port) == PAGE
            await until(app, "counted", lambda: cell(window, 0, Column.CONNECTIONS) == "0 / 1")
            await until(app, "rate back to idle", lambda: cell(window, 0, Column.RATE) == "–")
            assert any("↓" in rate and "/s" in rate for rate in rates), rates
            assert cell(window, 0, Column.BYTES).endswith(" KiB")  # ↑ the request ↓ the page
            assert cell(window, 0, Column.PATH) == "Direct"
            assert window.model.forward(0).bytes_down >= len(PAGE)

            # ---- Copy command: the URL to open.
            window.table.selectRow(0)
            window.copy_button.click()
            assert QGuiApplication.clipboard().text() == f"http://localhost:{port}"
            assert window.status.text() == f"Copied: http://localhost:{port}"

            # ---- Stop: listed, stopped, the port closed. Start while another program has the
            # port: said in plain words, still stopped. Start once it is free: it serves again.
            assert window.toggle_button.text() == "S&top"
            window.toggle_button.click()
            await until(app, "stopped", lambda: cell(window, 0, Column.STATE) == "stopped")
            assert window.toggle_button.text() == "S&tart"
            assert await blocking(refused, port)
            with socket.create_server(("127.0.0.1", port)):
                window.toggle_button.click()
                await eventually("the error", lambda: window.banner.kind == "error")
            assert window.banner.text().startswith("The address is in use.")
            assert cell(window, 0, Column.STATE) == "stopped"
            window.toggle_button.click()
            await until(app, "started", lambda: cell(window, 0, Column.STATE) == "listening")
            assert not window.banner.isVisible()
            assert await blocking(fetch_page, port) == PAGE

            # ---- The tray's engine stops and starts again (Pause, Resume): the forward is back.
            menu_action(app, "Pause").trigger()
            await until(app, "paused", lambda: app.bridge.connection is Connection.PAUSED)
            assert window.model.rowCount() == 0
            assert window.banner.isVisible()  # "Not connected to peer-up's engine."
            menu_action(app, "Resume").trigger()
            await until(app, "resumed", lambda: window.model.rowCount() == 1)
            assert cell(window, 0, Column.LOCAL) == f"127.0.0.1:{port}"
            assert window.model.forward(0).persistent
            assert not window.banner.isVisible()
            assert await blocking(fetch_page, port) == PAGE  # laptop dials home by itself

            # ---- The free-port check: a port another program has comes with another one to
            # take; so does the port of a forward.
            window.add_button.click()
            dialog = the_dialog(window, ForwardDialog)
            dialog.listen.clear()
            QTest.keyClicks(dialog.listen, f"127.0.0.1:{port}")
            await eventually("used", lambda: "uses it" in dialog.listen_note.text())
            assert dialog.listen_note.text().startswith("Another forward uses it — use 127.0.0.1:")
            with socket.create_server(("127.0.0.1", 0)) as taken:
                busy = f"127.0.0.1:{taken.getsockname()[1]}"
                dialog.listen.clear()
                QTest.keyClicks(dialog.listen, busy)
                await eventually("in use", lambda: dialog.listen_note.text().startswith("In use"))
            suggestion = dialog.listen_note.text().removeprefix("In use — use ").removesuffix("?")
            assert suggestion.startswith("127.0.0.1:")
            assert suggestion != busy
            assert dialog.use_suggestion.isVisible()
            assert dialog.use_suggestion.text() == f"&Use {suggestion}"
            dialog.use_suggestion.click()
            assert dialog.listen.text() == suggestion
            await eventually("free", lambda: dialog.listen_note.text() == "✔ Free.")
            QTest.keyClicks(dialog.listen, "99")  # a port of 6 or 7 digits: none
            await eventually("invalid", lambda: "not valid" in dialog.listen_note.text())
            assert dialog.listen_note.text() == "That address is not valid."
            assert not dialog.banner.isVisible()  # said beside the field, not as an alarm
            dialog.reject()
            await eventually("the dialog closed", lambda: not window.dialogs)

            # ---- Keyboard only: a second forward, added and removed without the mouse.
            await activate(window)
            window.table.setFocus()
            QTest.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
            await eventually("the add dialog", lambda: len(window.dialogs) == 1)
            dialog = the_dialog(window, ForwardDialog)
            await eventually("home's services", lambda: dialog.service.currentText() == "web")
            second = free_port()
            target = focus() or dialog
            QTest.keyClick(target, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
            assert focus() is dialog.listen
            QTest.keyClick(dialog.listen, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClicks(dialog.listen, f"127.0.0.1:{second}")
            await eventually("free", lambda: dialog.listen_note.text() == "✔ Free.")
            QTest.keyClick(dialog.listen, Qt.Key.Key_Return)
            await until(app, "the second forward", lambda: window.model.rowCount() == 2)
            assert await blocking(fetch_page, second) == PAGE

            # Enter on its row edits it: moved to another port, it serves there only.
            await activate(window)
            window.table.setFocus()
            row = window.model.row_of(_by_port(window, second).id)
            assert row is not None
            window.table.selectRow(row)
            QTest.keyClick(window.table, Qt.Key.Key_Return)
            await eventually("the edit dialog", lambda: len(window.dialogs) == 1)
            dialog = the_dialog(window, ForwardDialog)
            assert dialog.listen.text() == f"127.0.0.1:{second}"
            assert dialog.listen_note.text() == "This forward's address."
            third = free_port()
            QTest.keyClick(focus() or dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
            QTest.keyClick(dialog.listen, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClicks(dialog.listen, f"127.0.0.1:{third}")
            await eventually("free", lambda: dialog.listen_note.text() == "✔ Free.")
            QTest.keyClick(dialog.listen, Qt.Key.Key_Return)
            await until(
                app,
                "moved",
                lambda: listening(window) == {f"127.0.0.1:{port}", f"127.0.0.1:{third}"},
            )
            assert await blocking(fetch_page, third) == PAGE
            assert await blocking(refused, second)

            # Alt+R asks, Alt+Y removes it.
            await eventually("the dialog closed", lambda: not window.dialogs)
            await activate(window)
            window.table.setFocus()
            row = window.model.row_of(_by_port(window, third).id)
            assert row is not None
            window.table.selectRow(row)
            QTest.keyClick(window.table, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
            await eventually("the question", lambda: bool(message_boxes(window)))
            [box] = message_boxes(window)
            await activate(box)
            assert f"127.0.0.1:{third}" in box.text()
            QTest.keyClick(box, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
            await until(app, "removed", lambda: window.model.rowCount() == 1)
            config = laptop.config_path.read_text()
            assert f":{third}" not in config
            assert f":{second}" not in config
            assert f":{port}" in config  # the first one stays

            # A forward opened for a while (as `peerup daemon connect` does) is listed too; it
            # is not saved, so it can be removed but not stopped.
            async with open_local_client(app.bridge.endpoint) as client:
                temporary = await client.open_forward("home", "web")
            await until(app, "the temporary forward", lambda: window.model.rowCount() == 2)
            row = window.model.row_of(temporary.id)
            assert row is not None
            window.table.selectRow(row)
            assert not window.model.forward(row).persistent
            assert not window.toggle_button.isEnabled()
            assert window.remove_button.isEnabled()
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for d in daemon:
            d.stop()


def listening(window: ForwardsWindow) -> set[str]:
    return {window.model.forward(r).listen_address for r in range(window.model.rowCount())}


def _by_port(window: ForwardsWindow, port: int) -> ForwardInfo:
    for row in range(window.model.rowCount()):
        forward = window.model.forward(row)
        if forward.listen_address.endswith(f":{port}"):
            return forward
    raise AssertionError(f"no forward on port {port}")


def test_expose_a_service_verified_only_and_an_unverified_peer_is_refused(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, http_server: int
) -> None:
    app, laptop, home = laptop_tray_and_home(tmp_path)
    daemon: list[DaemonProcess] = []

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            state = app.bridge.state
            assert state is not None
            laptop_address = state.status.listen_addresses[0]
            daemon.append(await blocking(start_daemon, home))  # type: ignore[arg-type]
            window = app.open_forwards()
            window.tabs.setCurrentWidget(window.services)
            tab = window.services
            assert tab.empty.isVisible()

            # ---- A service whose local address answers nothing: a warning, saved anyway.
            tab.add_button.click()
            dialog = the_dialog(window, ServiceDialog)
            QTest.keyClicks(dialog.name, "spare")
            QTest.keyClicks(dialog.local_address, f"127.0.0.1:{free_port()}")
            dialog.save_button.click()  # checks first
            await eventually("the warning", lambda: dialog.banner.kind == "warning")
            assert "Nothing answers at 127.0.0.1:" in dialog.test_result.text()
            assert "You can save it anyway." in dialog.banner.text()
            assert dialog.save_button.text() == "Save any&way"
            assert dialog.isVisible()
            dialog.save_button.click()
            await until(app, "spare exposed", lambda: tab.model.rowCount() == 1)
            await eventually("the dialog closed", lambda: not window.dialogs)

            # ---- The web server, verified peers only; Test says it answers.
            tab.add_button.click()
            dialog = the_dialog(window, ServiceDialog)
            QTest.keyClicks(dialog.name, "web")
            QTest.keyClicks(dialog.local_address, f"127.0.0.1:{http_server}")
            dialog.chosen.click()
            assert dialog.peers.count() == 1
            item = dialog.peers.item(0)
            assert item.text() == "home  [UNVERIFIED]"
            item.setCheckState(Qt.CheckState.Checked)
            dialog.verified_only.click()
            dialog.test_button.click()
            await eventually("the test", lambda: dialog.test_result.text() != "")
            assert dialog.test_result.text().startswith(
                f"✔ Something answers at 127.0.0.1:{http_server} ("
            )
            dialog.save_button.click()
            await until(app, "web exposed", lambda: tab.model.rowCount() == 2)
            row = tab.model.row_of("web")
            assert row is not None
            assert service_cell(window, row, ServiceColumn.ALLOWED) == "home"
            assert service_cell(window, row, ServiceColumn.VERIFIED_ONLY) == "yes"
            assert service_cell(window, row, ServiceColumn.ENABLED) == "enabled"
            config = laptop.config_path.read_text()
            assert "web:" in config
            assert "verified_only: true" in config

            # ---- home (not verified) forwards to it: refused, in plain words.
            async with open_local_client(daemon[0].endpoint) as client:
                await client.connect(laptop.peer_id, [laptop_address])
                forward = await client.open_forward(laptop.peer_id, "web")
                port = int(forward.listen_address.rsplit(":", 1)[1])
                with pytest.raises((OSError, http.client.HTTPException)):
                    await blocking(fetch_page, port)
                loop = asyncio.get_running_loop()
                deadline = loop.time() + STEP
                while loop.time() < deadline:
                    [forward] = await client.forwards()
                    if forward.last_error_code is not None:
                        break
                    await asyncio.sleep(0.1)
            assert forward.last_error_code == "not-verified"
            assert error_text(forward.last_error_code, forward.last_error or "") == (
                "The peer admits only verified peers: verify each other first (compare the emoji)."
            )

            # ---- Changed to admit unverified peers too: home gets the page.
            tab.table.selectRow(_row(window, "web"))
            tab.edit_button.click()
            dialog = the_dialog(window, ServiceDialog)
            assert dialog.name.isReadOnly()
            assert dialog.verified_only.isChecked()
            assert dialog.chosen.isChecked()
            dialog.verified_only.click()
            dialog.save_button.click()  # checks, then saves
            await until(
                app,
                "web changed",
                lambda: service_text(window, "web", ServiceColumn.VERIFIED_ONLY) == "no",
            )
            assert await blocking(fetch_page, port) == PAGE

            # ---- Disable (the box in the table), enable, then remove the spare service.
            spare = tab.model.row_of("spare")
            assert spare is not None
            tab.table.selectRow(spare)
            tab.toggle_button.click()
            await until(
                app,
                "spare disabled",
                lambda: service_text(window, "spare", ServiceColumn.ENABLED) == "disabled",
            )
            box = tab.model.index(_row(window, "spare"), ServiceColumn.ENABLED)
            tab.model.setData(box, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
            await until(
                app,
                "spare enabled",
                lambda: service_text(window, "spare", ServiceColumn.ENABLED) == "enabled",
            )
            tab.table.selectRow(_row(window, "spare"))
            tab.remove_button.click()
            [box] = message_boxes(tab)
            box.button(QMessageBox.StandardButton.Yes).click()
            await until(app, "spare removed", lambda: tab.model.row_of("spare") is None)
            assert "spare" not in laptop.config_path.read_text()
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for d in daemon:
            d.stop()


def service_text(window: ForwardsWindow, name: str, column: ServiceColumn) -> str | None:
    """A cell of service ``name``'s row (None while it is not listed)."""
    row = window.services.model.row_of(name)
    return None if row is None else service_cell(window, row, column)


def _row(window: ForwardsWindow, name: str) -> int:
    row = window.services.model.row_of(name)
    assert row is not None, name
    return row


def test_a_slow_step_can_be_cancelled(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    """Asking an offline peer for its services shows progress; Cancel ends the request."""
    app, _laptop, _home = laptop_tray_and_home(tmp_path, home_port=free_port())

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            window = app.open_forwards()
            window.add_button.click()
            dialog = the_dialog(window, ForwardDialog)
            assert dialog.busy.isVisible()
            assert dialog.busy.label.text() == "Asking home which services it offers…"
            dialog.busy.cancel_button.click()
            assert not dialog.busy.isVisible()
            assert not dialog.busy.busy
            await asyncio.sleep(0.2)
            assert dialog.banner.kind == ""  # cancelled: no error to show
            # Asked again, it fails in plain words (home is not running).
            dialog.peer.currentIndexChanged.emit(0)
            await eventually("the error", lambda: dialog.banner.kind == "error", 60)
            assert dialog.banner.text().startswith("The peer cannot be reached right now.")
            assert dialog.services_note.text() == (
                "Could not ask home for its services; type the service's name."
            )
            dialog.reject()
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    qasync_loop.run_until_complete(scenario())


def peerup(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``peerup`` CLI on ``config`` (blocking: run it in an executor); it reaches the
    tray's in-process engine through its API socket, as from a terminal."""
    return subprocess.run(
        [*DaemonProcess.base_command(), "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_service_disabled_with_the_cli_is_listed_and_enabled_from_the_tab(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, http_server: int
) -> None:
    app, laptop, _home = laptop_tray_and_home(tmp_path)
    with laptop.config_path.open("a") as config:
        config.write(
            f"services:\n  web: {{enabled: true, local_address: '127.0.0.1:{http_server}'}}\n"
        )

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            window = app.open_forwards()
            window.tabs.setCurrentWidget(window.services)
            tab = window.services
            await until(
                app,
                "web listed",
                lambda: service_text(window, "web", ServiceColumn.ENABLED) == "enabled",
            )

            # ---- Disabled from a terminal: the row stays, disabled.
            done = await blocking(peerup, laptop.config_path, "service", "disable", "web")
            assert isinstance(done, subprocess.CompletedProcess)
            assert done.returncode == 0, done.stderr
            assert "The running daemon no longer exposes it now." in done.stdout
            await until(
                app,
                "web disabled",
                lambda: service_text(window, "web", ServiceColumn.ENABLED) == "disabled",
            )
            assert tab.model.rowCount() == 1
            assert not tab.empty.isVisible()
            box = tab.model.index(_row(window, "web"), ServiceColumn.ENABLED)
            assert tab.model.data(box, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked

            # ---- Enabled again from the tab.
            tab.table.selectRow(_row(window, "web"))
            assert tab.toggle_button.text() == "E&nable"
            tab.toggle_button.click()
            await until(
                app,
                "web enabled",
                lambda: service_text(window, "web", ServiceColumn.ENABLED) == "enabled",
            )
            assert tab.toggle_button.text() == "&Disable"
            listed = await blocking(peerup, laptop.config_path, "service", "list")
            assert isinstance(listed, subprocess.CompletedProcess)
            assert listed.returncode == 0, listed.stderr
            assert "enabled, exposed" in listed.stdout
            assert "enabled: false" not in laptop.config_path.read_text()
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    qasync_loop.run_until_complete(scenario())
