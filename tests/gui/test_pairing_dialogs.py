"""The invite wizard and the join dialog against real engines, driven as a person would.

"laptop" is a tray with its in-process engine; "home" is a real ``peerup daemon`` with a second
tray attached to it (``TrayApp(config, None)``), in the same Qt application. They start as
strangers: laptop invites (the wizard, keyboard only), home joins by pasting the code (clicks);
a wrong code costs an attempt, which laptop's wizard shows; both emoji pages show the same 4
emoji, both answer "They match", and both peers end verified on the watch stream. Cancelling an
invite kills its code (a later join fails in plain words, typed keyboard-only), Cancel during a
join stops it in the daemon, a short code found by mDNS joins too (and emoji that do not match
leave the peer unverified, with Remove), a relay's pairing code shows the group's members, and a
``peerup://`` link given to a second ``peerup-tray`` process opens the join dialog in the first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.codes.invitecode import InviteCode, parse_invite_code
from app.core.ids.identity import create_identity_file
from app.core.status import JoinProgress, JoinStep, PeerInfo
from app.gui.bridge import Bridge
from app.gui.dialogs.join import JoinDialog
from app.gui.main import InstanceServer, TrayApp, instance_name
from app.gui.texts import error_texts
from app.launcher import start_engine_as_guest
from tests.gui.desktop import REPO, tray_command
from tests.gui.engine import attached_tray, eventually, running
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import NodeDir, make_node_dir

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _windows_may_close(qapp: QApplication) -> Iterator[None]:
    """As ``peerup-tray`` does: closing a dialog (the last window) does not quit the app."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(True)


def key(
    widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """Press ``key`` where the focus is in ``widget``'s window (as a keyboard does)."""
    target = QApplication.focusWidget() or widget
    assert target.window() is widget.window(), f"the focus left the dialog: {target}"
    QTest.keyClick(target, key, modifier)


def focused(widget: QWidget) -> bool:
    """Whether ``widget`` has the keyboard focus (its window was activated)."""
    return QApplication.focusWidget() is widget


def paste(widget: QWidget, text: str) -> None:
    """Put ``text`` on the clipboard and paste it into ``widget`` over what it holds."""
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def peer(app: TrayApp, peer_id: str) -> PeerInfo | None:
    state = app.bridge.state
    assert state is not None
    return next((p for p in state.peers if p.peer_id == peer_id), None)


def verified(app: TrayApp, peer_id: str) -> bool:
    found = peer(app, peer_id)
    return found is not None and found.verified


@pytest.fixture
def strangers(tmp_path: Path) -> Iterator[tuple[NodeDir, NodeDir, DaemonProcess]]:
    """laptop (for an in-process tray) and home (a running daemon), unknown to each other."""
    laptop = make_node_dir(tmp_path, "laptop")
    home = make_node_dir(tmp_path, "home")
    daemon = start_daemon(home)
    try:
        yield laptop, home, daemon
    finally:
        daemon.stop()


def test_invite_and_join_compare_the_same_emoji_and_both_end_verified(
    strangers: tuple[NodeDir, NodeDir, DaemonProcess],
    qasync_loop: asyncio.AbstractEventLoop,
) -> None:
    laptop, home, daemon = strangers
    inviter = TrayApp(laptop.config_path, start_engine_as_guest)
    joiner = attached_tray(home, daemon)

    async def scenario() -> None:
        async with running(inviter, joiner):
            # The invite wizard, keyboard only: a name for the other device, 1 hour, Enter.
            wizard = inviter.open_invite()
            assert wizard.isVisible()
            await eventually("the wizard focused", lambda: focused(wizard.peer_name))
            QTest.keyClicks(wizard.peer_name, "home-server")
            key(wizard, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is wizard.expiry
            key(wizard, Qt.Key.Key_Down)
            assert wizard.expiry.currentData() == 3600
            key(wizard, Qt.Key.Key_Return)
            await eventually("the code", lambda: bool(wizard.code))
            code = wizard.code
            assert wizard.code_text.text().replace("\n", "") == code
            assert wizard.qr.text() == wizard.link.text() == "peerup://join/" + code
            assert wizard.qr.isVisible()
            assert not wizard.short_code.isVisible()  # no short code asked for
            expires = parse_invite_code(code).expires_at - time.time()
            assert 3500 < expires <= 3600
            assert wizard.countdown.text() in ("Expires in 1:00:00", "Expires in 59:59")
            assert wizard.status.text() == "Waiting for the other device…"

            # A wrong code (right form, wrong password) costs the inviter an attempt.
            dialog = joiner.open_join()
            assert isinstance(dialog, JoinDialog)
            parsed = parse_invite_code(code)
            wrong = dataclasses.replace(parsed, password=bytes(len(parsed.password))).text()
            paste(dialog.code, wrong)
            assert dialog.join_button.isEnabled()
            assert "An invite code from the device" in dialog.kind.text()
            QTest.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
            await eventually("the joiner's error", lambda: dialog.banner.kind == "error")
            await eventually("the reason", lambda: dialog.banner.code == "wrong-code")
            assert dialog.banner.text().startswith(error_texts()["wrong-code"])
            assert "Traceback" not in dialog.banner.text()
            assert dialog.pages.current_index() == dialog.ENTER
            await eventually("attempts left", lambda: "2 attempts left" in wizard.banner.text())
            assert wizard.banner.kind == "warning"

            # The right code, copied on the inviter (keyboard) and pasted on the joiner.
            wizard.activateWindow()  # both "screens" share one desktop here
            await eventually("Copy code focused", lambda: focused(wizard.copy_code))
            key(wizard, Qt.Key.Key_Space)
            assert QGuiApplication.clipboard().text() == code
            paste(dialog.code, QGuiApplication.clipboard().text())
            QTest.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
            assert dialog.pages.current_index() == dialog.PROGRESS
            await eventually(
                "the joiner's emoji", lambda: dialog.pages.current_index() == dialog.CONFIRM
            )
            await eventually(
                "the inviter's emoji", lambda: wizard.pages.current_index() == wizard.CONFIRM
            )
            assert dialog.join_id is not None  # it followed its own join's steps
            await eventually(
                "every step done",
                lambda: all(label.text().startswith("✓") for label in dialog.steps.values()),
            )

            # Both pages show the same 4 emoji, names and digits.
            assert wizard.confirm.sas is not None
            assert wizard.confirm.sas == dialog.confirm.sas
            assert len(wizard.confirm.sas.emoji) == 4
            assert wizard.confirm.peer_id == home.peer_id
            assert dialog.confirm.peer_id == laptop.peer_id
            await eventually(
                "renamed as asked", lambda: "“home-server” joined" in wizard.confirm.intro.text()
            )

            # Both answer "They match": keyboard on the inviter, a click on the joiner.
            wizard.activateWindow()  # the other "screen" was in use (one desktop for both)
            await eventually(
                "the answer focused", lambda: focused(wizard.confirm.panel.match_button)
            )
            key(wizard, Qt.Key.Key_Space)
            QTest.mouseClick(dialog.confirm.panel.match_button, Qt.MouseButton.LeftButton)
            await eventually("laptop verified home", lambda: verified(inviter, home.peer_id))
            await eventually("home verified laptop", lambda: verified(joiner, laptop.peer_id))
            home_there = peer(inviter, home.peer_id)
            assert home_there is not None
            assert home_there.name == "home-server"
            await eventually("the inviter's result", lambda: wizard.confirm.verified)
            assert "is verified" in wizard.confirm.result.text()
            assert wizard.close_button.text() == "&Done"

            # Enter closes the wizard (Done); the joiner's dialog closes with a click.
            key(wizard, Qt.Key.Key_Return)
            await eventually("the wizard closed", lambda: not wizard.isVisible())
            assert inviter.invite_dialog is None
            QTest.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
            assert not dialog.isVisible()
            assert joiner.join_dialog is None

    qasync_loop.run_until_complete(scenario())


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An "inviter" that accepts and never answers."""
    await reader.read()
    writer.close()


def test_cancel_kills_the_code_and_a_cancelled_join_stops(
    strangers: tuple[NodeDir, NodeDir, DaemonProcess],
    tmp_path: Path,
    qasync_loop: asyncio.AbstractEventLoop,
) -> None:
    laptop, home, daemon = strangers
    inviter = TrayApp(laptop.config_path, start_engine_as_guest)
    joiner = attached_tray(home, daemon)

    async def scenario() -> None:
        async with running(inviter, joiner):
            # An invite, then Cancel: the daemon drops it (the code no longer works).
            wizard = inviter.open_invite()
            QTest.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
            await eventually("the code", lambda: bool(wizard.code))
            code = wizard.code
            assert wizard.code_text.text().replace("\n", "") == code
            assert "Closing this window cancels the invite" in wizard.how.text()
            await eventually("the invite seen", lambda: len(inviter.bridge.state.invites) == 1)  # type: ignore[union-attr]
            QTest.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
            assert not wizard.isVisible()
            await eventually("the invite gone", lambda: inviter.bridge.state.invites == ())  # type: ignore[union-attr]

            # The join dialog, keyboard only: type the dead code, Tab, a name, Enter.
            dialog = joiner.open_join()
            await eventually("the dialog focused", lambda: focused(dialog.code))
            QTest.keyClicks(dialog.code, code)
            key(dialog, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is dialog.device_name
            QTest.keyClicks(dialog.device_name, "kitchen")
            key(dialog, Qt.Key.Key_Return)
            # The inviter no longer admits strangers: the code's device cannot be reached.
            await eventually(
                "the reason",
                lambda: dialog.banner.code == "unreachable",
                detail=lambda: f"{dialog.banner.text()!r}",
            )
            assert dialog.banner.text().startswith(
                "The other device cannot be reached. Is it online, and is its invite still open?"
            )
            assert "Traceback" not in dialog.banner.text()
            assert peer(joiner, laptop.peer_id) is None

            # A join that hangs (the inviter never answers); Escape cancels it, in the daemon too.
            server = await asyncio.start_server(_silent, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            stranger = create_identity_file(tmp_path / "stranger.key").peer_id
            hanging = InviteCode.create(
                stranger,
                addresses=[f"/ip4/127.0.0.1/tcp/{port}"],
                expires_at=int(time.time()) + 600,
            )
            steps: list[JoinProgress] = []
            joiner.bridge.event_received.connect(
                lambda item: isinstance(item.event, JoinProgress) and steps.append(item.event)
            )
            paste(dialog.code, hanging.text())
            key(dialog, Qt.Key.Key_Return)
            assert dialog.pages.current_index() == dialog.PROGRESS
            await eventually("the join started", lambda: dialog.join_id is not None)
            await asyncio.sleep(0.5)
            assert dialog.pages.current_index() == dialog.PROGRESS  # still hanging
            key(dialog, Qt.Key.Key_Escape)
            assert dialog.pages.current_index() == dialog.ENTER
            assert dialog.isVisible()  # Escape cancelled the join, not the dialog
            assert dialog.banner.text() == "The join was cancelled."
            await eventually(
                "the daemon cancelled it",
                lambda: any(
                    s.step is JoinStep.FAILED and s.reason_code == "cancelled" for s in steps
                ),
                limit=10,
            )
            server.close()
            await server.wait_closed()
            key(dialog, Qt.Key.Key_Escape)  # now Escape closes
            assert not dialog.isVisible()

    qasync_loop.run_until_complete(scenario())


def test_a_short_code_on_this_network_and_emoji_that_do_not_match(
    strangers: tuple[NodeDir, NodeDir, DaemonProcess],
    qasync_loop: asyncio.AbstractEventLoop,
) -> None:
    """The short code (found by mDNS, typed with its words completed); the joiner's user says the
    emoji differ: the peer stays unverified there, with a warning, and Remove drops it."""
    laptop, home, daemon = strangers
    inviter = TrayApp(laptop.config_path, start_engine_as_guest)
    joiner = attached_tray(home, daemon)

    async def scenario() -> None:
        async with running(inviter, joiner):
            wizard = inviter.open_invite()
            QTest.mouseClick(wizard.lan, Qt.MouseButton.LeftButton)
            assert wizard.lan.isChecked()
            QTest.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
            await eventually("the short code", lambda: bool(wizard.short_code.text()))
            assert wizard.short_code.isVisible()
            short = wizard.short_code.text()
            number, *words = short.split("-")
            assert len(words) == 3

            dialog = joiner.open_join()
            dialog.code.setFocus()
            QTest.keyClicks(dialog.code, f"{number}-{words[0][:3]}")
            popup = dialog.words.completer.popup()
            assert popup is not None
            assert popup.isVisible()
            QTest.keyClicks(dialog.code, words[0][3:] + "-" + words[1] + "-" + words[2])
            assert dialog.code.text() == short
            assert "short code" in dialog.kind.text()
            QTest.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
            await eventually(
                "the joiner's emoji", lambda: dialog.pages.current_index() == dialog.CONFIRM
            )
            await eventually(
                "the inviter's emoji", lambda: wizard.pages.current_index() == wizard.CONFIRM
            )
            assert wizard.confirm.sas == dialog.confirm.sas

            QTest.mouseClick(dialog.confirm.panel.mismatch_button, Qt.MouseButton.LeftButton)
            assert dialog.confirm.banner.kind == "warning"
            assert "someone may have intercepted the code" in dialog.confirm.banner.text()
            assert "stays unverified" in dialog.confirm.result.text()
            assert dialog.confirm.remove_button.isVisible()
            assert not verified(joiner, laptop.peer_id)
            QTest.mouseClick(dialog.confirm.remove_button, Qt.MouseButton.LeftButton)
            await eventually("laptop removed", lambda: dialog.confirm.removed)
            await eventually("laptop gone", lambda: peer(joiner, laptop.peer_id) is None)
            assert "was removed" in dialog.confirm.banner.text()
            wizard.close()
            dialog.close()

    qasync_loop.run_until_complete(scenario())


def test_short_code_words_complete(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = JoinDialog(Bridge(tmp_path / "config.yaml", None))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.code.setFocus()
    QTest.keyClicks(dialog.code, "7-guid")
    popup = dialog.words.completer.popup()
    assert popup is not None
    assert popup.isVisible()
    assert dialog.words.completer.currentCompletion() == "guidance"
    QTest.keyClick(popup, Qt.Key.Key_Return)  # take the word: the next one's dash comes too
    assert dialog.code.text() == "7-guidance-"
    QTest.keyClicks(dialog.code, "afte")
    assert dialog.words.completer.currentCompletion() == "aftermath"  # the second list
    QTest.keyClick(popup, Qt.Key.Key_Tab)  # Tab takes it too
    assert dialog.code.text() == "7-guidance-aftermath-"
    QTest.keyClicks(dialog.code, "crumpled")
    assert dialog.code.text() == "7-guidance-aftermath-crumpled"
    assert not popup.isVisible()
    assert "short code" in dialog.kind.text()
    assert dialog.join_button.isEnabled()
    dialog.code.setText("7-aftermath-guidance-crumpled")
    assert "wrong place" in dialog.kind.text()
    assert not dialog.join_button.isEnabled()


def test_a_relay_pairing_code_shows_the_group_members(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    relay = start_daemon(
        make_node_dir(
            tmp_path, "relay", extra="relay_service: {enabled: true}\n", hole_punching=False
        )
    )
    member: DaemonProcess | None = None
    try:
        out = relay.cli("relay", "pair", "--count", "3", "--json")
        assert out.returncode == 0, out.stderr
        codes = json.loads(out.stdout)["codes"]
        member = start_daemon(make_node_dir(tmp_path, "desk", hole_punching=False))
        joined = member.cli("join", codes[0], "--name", "desk", timeout=90)
        assert joined.returncode == 0, joined.stdout + joined.stderr
        laptop = make_node_dir(tmp_path, "laptop", hole_punching=False)
        app = TrayApp(laptop.config_path, start_engine_as_guest)

        async def scenario() -> None:
            async with running(app):
                dialog = app.open_join(codes[1])
                assert "relay pairing code" in dialog.kind.text()
                QTest.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
                assert dialog.steps[JoinStep.CONNECTING].text().endswith("Reaching the relay")
                await eventually(
                    "the members", lambda: dialog.pages.current_index() == dialog.MEMBERS
                )
                assert dialog.members.topLevelItemCount() == 1
                row = dialog.members.topLevelItem(0)
                assert row is not None
                assert row.text(0) == "desk"
                assert row.data(0, Qt.ItemDataRole.UserRole) == member.node.peer_id
                assert row.text(2) == "[UNVERIFIED]"
                assert "group of 3 devices" in dialog.group_text.text()
                assert "one of this device's relays" in dialog.group_text.text()
                await eventually(
                    "desk authorized here", lambda: peer(app, member.node.peer_id) is not None
                )
                key(dialog, Qt.Key.Key_Return)  # Done
                assert not dialog.isVisible()

        qasync_loop.run_until_complete(scenario())
    finally:
        if member is not None:
            member.stop()
        relay.stop()


def test_a_link_opened_by_a_second_tray_opens_the_join_dialog(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    node = make_node_dir(tmp_path, "laptop")
    code = InviteCode.create(
        create_identity_file(tmp_path / "other.key").peer_id,
        addresses=["/ip4/192.0.2.7/tcp/4001"],
        expires_at=int(time.time()) + 600,
    )
    app = TrayApp(node.config_path, None)  # the dialog needs no engine to open
    server = InstanceServer(instance_name(node.config_path))
    server.args_received.connect(app.on_args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERUP_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
    )

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        second = await loop.run_in_executor(
            None,
            lambda: subprocess.run(
                tray_command(node.config_path, code.link()),
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ),
        )
        assert second.returncode == 0, second.stderr
        assert "handed over" in second.stderr
        await eventually("the join dialog", lambda: app.join_dialog is not None)
        dialog = app.join_dialog
        assert dialog is not None
        assert dialog.isVisible()
        assert dialog.code.text() == code.link()
        assert dialog.join_button.isEnabled()
        dialog.close()

    try:
        qasync_loop.run_until_complete(scenario())
    finally:
        server.deleteLater()
