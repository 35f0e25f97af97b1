"""The port forwards window as people see it, rendered offscreen from a realistic state, in
English and German: the forwards tab with a live forward, the add dialog offering a free port,
and the exposed services tab.

Always checks that they render (not blank, no column cut off); with ``PEERUP_SCREENSHOTS=<dir>``
(``make screenshots``) it also writes ``forwards-window.png``, ``forwards-add.png`` and
``forwards-services.png`` into ``<dir>``, and their German twins (``-de``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from app.api.models import Snapshot
from app.core.status import ForwardInfo, ForwardState, ListenCheck, ServiceCheck, ServiceInfo
from app.gui.bridge import Bridge
from app.gui.dialogs.forwards import ForwardDialog, ForwardsWindow
from app.gui.dialogs.services import ServiceDialog
from app.gui.models.forwards import Column
from tests.gui.shots import shoot
from tests.gui.test_screenshots import demo_state

pytestmark = pytest.mark.gui

KIB = 1024
MIB = 1024 * KIB


def forwards_state() -> Snapshot:
    """The demo peers, with three forwards (one moving bytes, one stopped, one failing) and
    three exposed services."""
    state = demo_state()
    desktop, nas, phone = state.peers[0], state.peers[1], state.peers[2]
    forwards = (
        ForwardInfo(
            "f1",
            desktop.peer_id,
            "desktop",
            "web",
            "127.0.0.1:8080",
            ForwardState.LISTENING,
            connections_total=14,
            connections_active=2,
            bytes_up=38 * KIB,
            bytes_down=int(212.4 * MIB),
            verified=True,
            rate_up=1.2 * KIB,
            rate_down=4.8 * MIB,
            enabled=True,
            persistent=True,
        ),
        ForwardInfo(
            "f2",
            nas.peer_id,
            "nas",
            "ssh",
            "127.0.0.1:2222",
            ForwardState.LISTENING,
            connections_total=3,
            bytes_up=int(1.1 * MIB),
            bytes_down=int(9.7 * MIB),
            errors=1,
            last_error="peer 12D3KooWNas… is unreachable: no route",
            last_error_code="peer-unreachable",
            enabled=True,
            persistent=True,
        ),
        ForwardInfo(
            "f3",
            phone.peer_id,
            "phone",
            "sync",
            "127.0.0.1:22000",
            ForwardState.LISTENING,
            verified=True,
            enabled=False,
            persistent=True,
        ),
    )
    services = (
        ServiceInfo("web", "/peerup/web/1.0.0", "localhost:8080", True, streams_total=31),
        ServiceInfo(
            "ssh",
            "/peerup/ssh/1.0.0",
            "localhost:22",
            True,
            (desktop.peer_id, phone.peer_id),
            verified_only=True,
            streams_active=1,
            streams_total=6,
        ),
        ServiceInfo("printer", "/peerup/printer/1.0.0", "192.168.1.20:631", False),
    )
    return msgspec.structs.replace(state, forwards=forwards, services=services)


class _Bridge(Bridge):
    """A bridge that shows a fixed state (nothing answers on its socket)."""

    def __init__(self, path: Path, state: Snapshot) -> None:
        super().__init__(path, None)
        self._fixed = state

    @property
    def state(self) -> Snapshot | None:
        return self._fixed


def mnemonics(top: QWidget) -> list[str]:
    """The Alt+letter keys of what ``top`` shows (buttons, labels of fields, tabs)."""
    texts: list[str] = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top) or widget.window() is not top:
            continue
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            texts.append(widget.text())  # type: ignore[attr-defined]
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
    keys = []
    for text in texts:
        at = text.replace("&&", "").find("&")
        if at >= 0:
            keys.append(text.replace("&&", "")[at + 1].lower())
    return keys


def assert_unique_mnemonics(top: QWidget) -> None:
    keys = mnemonics(top)
    assert len(keys) >= 4, keys
    assert len(keys) == len(set(keys)), sorted(keys)


def _window(qtbot: QtBot, tmp_path: Path) -> ForwardsWindow:
    window = ForwardsWindow(_Bridge(tmp_path / "config.yaml", forwards_state()))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_forwards_tab_renders(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    window = _window(qtbot, tmp_path)
    window.table.selectRow(0)
    assert window.model.rowCount() == 3
    header = window.table.horizontalHeader()
    assert header.length() <= window.table.viewport().width(), "the table is too narrow"
    assert_unique_mnemonics(window)
    window.table.selectRow(2)  # stopped: Start instead of Stop
    assert_unique_mnemonics(window)
    window.table.selectRow(0)
    rate = window.model.data(window.model.index(0, Column.RATE))
    assert rate == {"en": "↑ 1.2 KiB/s  ↓ 4.8 MiB/s", "de": "↑ 1,2 KiB/s  ↓ 4,8 MiB/s"}[lang]
    shoot(window, "forwards-window", lang)


def test_add_dialog_offers_a_free_port(
    qtbot: QtBot, tmp_path: Path, lang: str, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    window = _window(qtbot, tmp_path)
    state = forwards_state()
    nas = state.peers[1]

    async def scenario() -> None:
        dialog = ForwardDialog(window.bridge, None, window)
        qtbot.addWidget(dialog)
        dialog.peer.setCurrentIndex(dialog.peer.findData(nas.peer_id))
        # No engine answers here: the question for nas's services fails at once; the answer
        # a running nas gives is shown instead.
        await asyncio.sleep(0.3)
        dialog.banner.clear_message()
        dialog.show_services("nas", ["ssh", "web"])
        dialog.service.setCurrentText("ssh")
        dialog.listen.setText("127.0.0.1:2222")
        dialog.show_listen_check(
            ListenCheck("127.0.0.1:2222", False, "127.0.0.1:2223", "in use", "address-in-use")
        )
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.use_suggestion.isVisible()
        assert_unique_mnemonics(dialog)
        for w in dialog.findChildren(QWidget):
            if w.isVisible():
                print("DBG", type(w).__name__, w.geometry(), repr(getattr(w, "text", lambda: "")()))
        assert (
            dialog.listen_note.text()
            == {
                "en": "In use — use 127.0.0.1:2223?",
                "de": "Belegt — 127.0.0.1:2223 verwenden?",
            }[lang]
        )
        shoot(dialog, "forwards-add", lang)
        dialog.reject()
        await dialog.close_actions()

    qasync_loop.run_until_complete(scenario())


def test_services_tab_renders(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    window = _window(qtbot, tmp_path)
    window.tabs.setCurrentWidget(window.services)
    window.services.table.selectRow(1)
    table = window.services.table
    assert window.services.model.rowCount() == 3
    assert table.horizontalHeader().length() <= table.viewport().width()
    assert_unique_mnemonics(window)
    window.services.table.selectRow(2)  # disabled: Enable instead of Disable
    assert_unique_mnemonics(window)
    window.services.table.selectRow(1)
    shoot(window, "forwards-services", lang)


def test_service_dialog_mnemonics(
    qtbot: QtBot, tmp_path: Path, lang: str, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    state = forwards_state()
    dialog = ServiceDialog(_Bridge(tmp_path / "config.yaml", state), state.services[1])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert_unique_mnemonics(dialog)
    dialog.show_check(
        "localhost:22", ServiceCheck("localhost:22", False, "refused", "connection-refused"), False
    )
    assert dialog.save_button.text() == {"en": "Save any&way", "de": "Trotzdem &speichern"}[lang]
    assert_unique_mnemonics(dialog)
