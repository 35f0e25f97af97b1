"""The emoji verification dialog against real engines on loopback, driven by keys and clicks.

Two trays: "laptop" with its in-process engine, and "home", a real ``peerup daemon`` process
with a second tray attached to it (``TrayApp(config, None)``), authorized both ways but not
verified. Covered: Verify… from the peers window with the keyboard alone, the other side's
dialog opened by clicking the request's notification, the same 4 emoji on both, both confirm →
both verified; a request from home answered from laptop's tray menu, a cancelled run, a
mismatch (both unverified, the warning, Remove); and a peer that does not speak the verify
protocol (as the Go peer-up): the static fingerprint, "They match" marks it verified.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from app.api.client import open_local_client
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.status import VerifyState
from app.gui.dialogs.verify import Outcome, Page, VerifyDialog
from app.gui.main import TrayApp
from app.gui.models.peers import Column
from app.gui.peers_window import PeersWindow
from tests.gui.engine import STEP, laptop_tray_and_home, until
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import make_node_dir
from tests.helpers.noverify import NoVerifyPeer, start_noverify_peer

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def seen(dialog: VerifyDialog) -> tuple[SignalInstance, ...]:
    """The signals after which a dialog may show something new (for :func:`until`)."""
    return (dialog.changed, dialog.finished)


def verified(window: PeersWindow, row: int = 0) -> str:
    return str(window.model.data(window.model.index(row, Column.VERIFIED)))


def on_page(dialog: VerifyDialog, page: Page) -> bool:
    return dialog.pages.currentIndex() == page


async def select_verify_with_keys(qtbot: QtBot, window: PeersWindow) -> None:
    """Arrows select the peer, Enter opens its actions, arrows and Enter choose Verify…."""
    window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    if window.selected_peer() is None:  # the first arrow may only set the current cell
        qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert window.selected_peer() is not None
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    menu = window.open_menu
    assert isinstance(menu, QMenu)
    assert menu.isVisible()
    for _ in range(len(menu.actions())):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        if menu.activeAction() is not None and menu.activeAction().text() == "Verify…":
            break
    assert menu.activeAction().text() == "Verify…"
    qtbot.keyClick(menu, Qt.Key.Key_Return)


def test_verify_both_confirm_then_a_mismatch(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, qtbot: QtBot
) -> None:
    app, laptop, home = laptop_tray_and_home(tmp_path)
    with home.config_path.open("a") as config:  # home knows laptop by name, as after pairing
        config.write(f"names: {{laptop: {laptop.peer_id}}}\n")
    daemons: list[DaemonProcess] = []
    home_app = TrayApp(home.config_path, None)  # attached to home's daemon, started below

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        home_running: asyncio.Future[None] | None = None
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            state = app.bridge.state
            assert state is not None
            loop = asyncio.get_running_loop()
            daemons.append(await loop.run_in_executor(None, start_daemon, home))
            home_app.bridge.endpoint = daemons[0].endpoint  # the daemon's own runtime dir
            home_running = asyncio.ensure_future(home_app.run())
            async with open_local_client(daemons[0].endpoint) as client:
                await client.connect(laptop.peer_id, [state.status.listen_addresses[0]])
            window = app.open_window()
            await until(app, "home online", lambda: window.model.rowCount() == 1)
            await until(
                home_app,
                "home's tray follows its daemon",
                lambda: home_app.bridge.state is not None and bool(home_app.bridge.state.peers),
            )
            assert verified(window) == "[UNVERIFIED]"

            # ---- laptop asks, with the keyboard alone; home answers from the notification.
            told: list[str] = []
            home_app.notifications.shown.connect(lambda title, _text: told.append(title))
            await select_verify_with_keys(qtbot, window)
            mine = app.verify_dialog(home.peer_id)
            assert mine.isVisible()
            await until(
                app, "laptop's emoji page", lambda: on_page(mine, Page.SAS), also=seen(mine)
            )
            await until(home_app, "home is told", lambda: "laptop asks to verify" in told)
            home_app.tray.icon.messageClicked.emit()  # the person clicks the notification
            theirs = home_app.verify_dialog(laptop.peer_id)
            await until(
                home_app, "home's emoji page", lambda: on_page(theirs, Page.SAS), also=seen(theirs)
            )
            assert theirs.session is not None
            assert theirs.session.role == "responder"
            assert mine.sas.emoji == theirs.sas.emoji  # the same 4 emoji on both screens
            assert len(mine.sas.emoji) == 4
            assert mine.sas.shown_names == theirs.sas.shown_names
            assert mine.sas.digits.text() == theirs.sas.digits.text()
            assert all(c.glyph.renderer is not None for c in mine.sas.cells)

            mine.activateWindow()
            focus = QApplication.focusWidget()
            assert focus is mine.sas.mismatch_button  # the safe answer has the focus
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is mine.sas.match_button
            qtbot.keyClick(mine.sas.match_button, Qt.Key.Key_Space)
            await until(
                app,
                "laptop waits",
                lambda: "Waiting for home" in mine.sas_status.text(),
                also=seen(mine),
            )
            # home answers with the button's mnemonic (Alt+M: "They &match").
            theirs.activateWindow()
            qapp = QApplication.instance()
            assert isinstance(qapp, QApplication)
            await until(
                home_app,
                "home's dialog is the active window",
                lambda: QApplication.activeWindow() is theirs,
                also=(qapp.focusChanged,),
            )
            focus = QApplication.focusWidget()
            assert focus is theirs.sas.mismatch_button
            qtbot.keyClick(focus, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
            await until(
                app, "both verified", lambda: mine.outcome is Outcome.VERIFIED, also=seen(mine)
            )
            await until(
                home_app,
                "home verified",
                lambda: theirs.outcome is Outcome.VERIFIED,
                also=seen(theirs),
            )
            assert mine.result_title.text() == "home is verified"
            await until(app, "the list shows it", lambda: verified(window) == "✔ verified")
            home_state = home_app.bridge.state
            assert home_state is not None
            assert [p.verified for p in home_state.peers] == [True]
            qtbot.keyClick(mine, Qt.Key.Key_Escape)  # Close, with the keyboard
            await until(
                app, "closed", lambda: app.verify_dialog(home.peer_id) is None, also=seen(mine)
            )
            theirs.close_button.click()
            await until(
                home_app,
                "home's closed",
                lambda: home_app.verify_dialog(laptop.peer_id) is None,
                also=seen(theirs),
            )

            # ---- unverified again; home asks, then cancels: laptop's request goes away.
            async with app.bridge.client() as client:
                await client.set_verified(home.peer_id, False)
            async with home_app.bridge.client() as client:
                await client.set_verified(laptop.peer_id, False)
            await until(app, "unverified again", lambda: verified(window) == "[UNVERIFIED]")
            asking = home_app.open_verify(laptop.peer_id)
            await until(app, "laptop's menu offers it", lambda: bool(app.tray.view.requests))
            await until(
                home_app, "home's emoji page", lambda: on_page(asking, Page.SAS), also=seen(asking)
            )
            assert asking.close_button.text() == "&Cancel"
            asking.close_button.click()
            await until(
                home_app,
                "cancelled",
                lambda: home_app.verify_dialog(laptop.peer_id) is None,
                also=seen(asking),
            )
            await until(app, "the request went away", lambda: not app.tray.view.requests)
            laptop_state = app.bridge.state
            assert laptop_state is not None
            [ended] = [s for s in laptop_state.verify_sessions if s.role == "responder"]
            assert ended.state is VerifyState.FAILED

            # ---- home asks again; laptop answers from its tray menu and says they differ.
            asking = home_app.open_verify(laptop.peer_id)
            await until(app, "asked again", lambda: bool(app.tray.view.requests))
            [entry] = [a for a in app.tray.menu.actions() if a.text().startswith("Verify home")]
            assert entry.text() == "Verify home (asks now)…"
            entry.trigger()
            mine = app.verify_dialog(home.peer_id)
            await until(
                app, "laptop's emoji page", lambda: on_page(mine, Page.SAS), also=seen(mine)
            )
            assert mine.sas_title.text() == "home asks to verify this device"
            await until(
                home_app, "home's emoji page", lambda: on_page(asking, Page.SAS), also=seen(asking)
            )
            assert mine.sas.emoji == asking.sas.emoji
            qtbot.mouseClick(mine.sas.mismatch_button, Qt.MouseButton.LeftButton)
            qtbot.mouseClick(asking.sas.match_button, Qt.MouseButton.LeftButton)
            await until(
                app, "laptop: mismatch", lambda: mine.outcome is Outcome.MISMATCH, also=seen(mine)
            )
            await until(
                home_app,
                "home: mismatch",
                lambda: asking.outcome is Outcome.MISMATCH,
                also=seen(asking),
            )
            assert mine.result_title.text() == "The emoji do not match"
            assert "You said the emoji differ." in mine.result_text.text()
            assert "intercepting the connection" in mine.result_warning.text()
            assert "laptop said the emoji differ on their screen." in asking.result_text.text()
            assert verified(window) == "[UNVERIFIED]"
            assert mine.remove_button.isVisible()
            assert mine.remove_button.text() == "&Remove home"
            mine.remove_button.click()
            await until(app, "home removed", lambda: window.model.rowCount() == 0)
            await until(
                app,
                "said so",
                lambda: "home was removed" in mine.result_warning.text(),
                also=seen(mine),
            )
            assert home.peer_id not in (laptop.path / "authorized_keys").read_text()
        finally:
            home_app.request_quit()
            if home_running is not None:
                async with asyncio.timeout(STEP):
                    await home_running
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for d in daemons:
            d.stop()


def test_a_peer_without_the_verify_protocol_gets_the_fingerprint(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    app, laptop, _home = laptop_tray_and_home(tmp_path)
    old = make_node_dir(tmp_path, "old")
    old.authorize(laptop)
    laptop.authorize(old)
    peers: list[NoVerifyPeer] = []

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await until(app, "the in-process engine", lambda: app.bridge.state is not None)
            loop = asyncio.get_running_loop()
            peers.append(await loop.run_in_executor(None, start_noverify_peer, old))
            async with app.bridge.client() as client:
                await client.connect(old.peer_id, [peers[0].address])
            window = app.open_window()
            row = lambda: window.model.row_of(old.peer_id)  # noqa: E731
            await until(app, "old online", lambda: row() is not None)
            index = row()
            assert index is not None
            window.table.selectRow(index)
            window.verify_button.click()
            dialog = app.verify_dialog(old.peer_id)
            await until(
                app,
                "the fingerprint page",
                lambda: on_page(dialog, Page.FINGERPRINT),
                also=seen(dialog),
            )
            fp = reference_fingerprint(
                PeerId.parse(laptop.peer_id).raw, PeerId.parse(old.peer_id).raw
            )
            assert dialog.fingerprint.emoji == fp.emoji
            assert dialog.fingerprint.digits.text() == f"Or compare the numbers: {fp.numeric}"
            note = dialog.fingerprint_note.text()
            assert "cannot run the interactive check (it may run the Go peer-up)" in note
            assert "only detects a mix-up" in note
            assert dialog.close_button.text() == "&Close"
            dialog.fingerprint.match_button.click()
            await until(
                app, "marked", lambda: dialog.outcome is Outcome.VERIFIED, also=seen(dialog)
            )
            assert dialog.result_title.text().endswith(" is verified on this device")
            await until(
                app,
                "the list shows it",
                lambda: (i := row()) is not None and verified(window, i) == "✔ verified",
            )
        finally:
            app.request_quit()
            async with asyncio.timeout(STEP):
                await running

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        for p in peers:
            p.stop()
