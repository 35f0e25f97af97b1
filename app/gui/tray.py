"""The tray icon and its menu, rebuilt from the bridge's signals (never from a timer).

The icon, tooltip and menu contents come from :func:`app.gui.view.tray_view`; this module only
turns them into Qt objects and wires the menu's actions to the bridge. A change of language
rebuilds the menu too. The one timer here steps
the "connecting" animation; it reads no state.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from importlib import resources
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.api.models import Snapshot
from app.gui.bridge import Bridge
from app.gui.tasks import TaskSet
from app.gui.texts import error_text
from app.gui.view import Connection, Icon, TrayView, tray_view

log = logging.getLogger("peerup.gui")

CONNECTING_FRAMES = 3
FRAME_MS = 400


def icon(name: str) -> QIcon:
    """The icon ``name`` (an SVG in ``resources/icons``)."""
    path = resources.files("app.resources") / "icons" / f"{name}.svg"
    return QIcon(str(path))


class Tray(QObject):
    """The tray icon, its tooltip and its menu.

    Attributes:
        view: What is shown now.
        icon: The ``QSystemTrayIcon``.
        menu: Its context menu, rebuilt on every change.

    Signals:
        open_requested(): "Open peer-up…" was chosen.
        invite_requested(): "Invite a device…" was chosen.
        join_requested(): "Join with a code…" was chosen.
        forwards_requested(): "Port forwards…" was chosen.
        preferences_requested(): "Preferences…" was chosen.
        verify_requested(str): A peer's request to verify was chosen in the menu, or its
            notification was clicked (the peer ID).
        quit_requested(): "Quit" was chosen.
    """

    open_requested = Signal()
    invite_requested = Signal()
    join_requested = Signal()
    forwards_requested = Signal()
    preferences_requested = Signal()
    verify_requested = Signal(str)
    quit_requested = Signal()

    def __init__(self, bridge: Bridge, parent: QObject | None = None) -> None:
        """Create the icon (hidden until :meth:`show`), following ``bridge``."""
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = TaskSet()
        self._frames = [icon(f"connecting-{i}") for i in range(CONNECTING_FRAMES)]
        self._frame = 0
        self._animation = QTimer(self)
        self._animation.setInterval(FRAME_MS)
        self._animation.timeout.connect(self._next_frame)
        self.menu = QMenu()
        # The menu is a top-level widget: Qt sends it LanguageChange when the language changes.
        self.menu.installEventFilter(self)
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self._clicked_peer: str | None = None  # what clicking the last message opens
        self.icon.messageClicked.connect(self._on_message_clicked)
        self.render(tray_view(None, Connection.CONNECTING))
        bridge.state_changed.connect(self._on_change)
        bridge.connection_changed.connect(self._on_change)
        bridge.message.connect(self._on_message)
        bridge.error_raised.connect(self._on_error)

    def show(self) -> None:
        """Show the icon."""
        self.icon.show()

    def hide(self) -> None:
        """Hide the icon and stop its animation."""
        self._animation.stop()
        self.icon.hide()

    def notify(self, title: str, text: str) -> None:
        """Show a tray message (a desktop notification where the tray host supports one)."""
        log.info("%s: %s", title, text)
        self._clicked_peer = None
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def open_verify_on_click(self, peer_id: str) -> None:
        """Clicking the message just shown opens the verification of ``peer_id``."""
        self._clicked_peer = peer_id

    def _on_message_clicked(self) -> None:
        if self._clicked_peer is not None:
            self.verify_requested.emit(self._clicked_peer)

    # ---- following the bridge ----------------------------------------------------------------

    def _on_change(self, *_: object) -> None:
        state: Snapshot | None = self._bridge.state
        self.render(tray_view(state, self._bridge.connection))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Rebuild the menu in the new language when the language changes."""
        if watched is self.menu and event.type() == QEvent.Type.LanguageChange:
            self._on_change()
        return super().eventFilter(watched, event)

    def _on_message(self, title: str, text: str) -> None:
        self.notify(title, text)

    def _on_error(self, code: str, message: str, hint: str) -> None:
        log.warning("error %s: %s", code, message)
        # The code's sentence in the user's language, then the API's details (what exactly).
        headline = error_text(code, message)
        details = [t for t in (message if headline != message else "", hint) if t]
        text = "\n".join([headline, *details])
        self._clicked_peer = None
        self.icon.showMessage(self.tr("peer-up"), text, QSystemTrayIcon.MessageIcon.Warning, 10000)

    def _next_frame(self) -> None:
        self._frame = (self._frame + 1) % len(self._frames)
        self.icon.setIcon(self._frames[self._frame])

    def render(self, view: TrayView) -> None:
        """Show ``view``: icon (animated while connecting), tooltip and a rebuilt menu."""
        self.view = view
        if view.icon is Icon.CONNECTING:
            self.icon.setIcon(self._frames[self._frame])
            if not self._animation.isActive():
                self._animation.start()
        else:
            self._animation.stop()
            self.icon.setIcon(icon(view.icon.value))
        self.icon.setToolTip(view.tooltip)
        self._build_menu(view)

    # ---- the menu ----------------------------------------------------------------------------

    def _build_menu(self, view: TrayView) -> None:
        menu = self.menu
        menu.clear()
        status = menu.addAction(view.status)
        status.setEnabled(False)
        for reason in view.attention:
            menu.addAction("⚠ " + reason).setEnabled(False)
        for request in view.requests:
            verify = menu.addAction(request.text)
            verify.triggered.connect(
                lambda _=False, p=request.peer_id: self.verify_requested.emit(p)
            )
        menu.addSeparator()

        peers = menu.addMenu(self.tr("Peers"))
        peers.setEnabled(bool(view.peers))
        for peer in view.peers:
            peers.addAction(peer.text).setEnabled(peer.connected)

        forwards = menu.addMenu(self.tr("Forwards"))
        forwards.setEnabled(bool(view.forwards))
        for forward in view.forwards:
            sub = forwards.addMenu(forward.text)
            copy = sub.addAction(self.tr("Copy command"))
            command = forward.command
            copy.triggered.connect(lambda _=False, c=command: self._copy(c))

        menu.addSeparator()
        opener = menu.addAction(self.tr("Open peer-up…"))
        opener.triggered.connect(self.open_requested.emit)
        invite = menu.addAction(self.tr("Invite a device…"))
        invite.setEnabled(view.online)
        invite.triggered.connect(self.invite_requested.emit)
        join = menu.addAction(self.tr("Join with a code…"))
        join.setEnabled(view.online)
        join.triggered.connect(self.join_requested.emit)
        port_forwards = menu.addAction(self.tr("Port forwards…"))
        port_forwards.triggered.connect(self.forwards_requested.emit)
        preferences = menu.addAction(self.tr("Preferences…"))
        preferences.triggered.connect(self.preferences_requested.emit)
        menu.addSeparator()
        probe = menu.addAction(self.tr("Test reachability now"))
        probe.setEnabled(view.online)
        probe.triggered.connect(lambda: self._spawn(self._bridge.test_reachability()))
        diagnostics = menu.addAction(self.tr("Copy diagnostics"))
        diagnostics.triggered.connect(lambda: self._copy(self._bridge.diagnostics()))
        pause = QAction(self.tr("Resume") if view.paused else self.tr("Pause"), menu)
        pause.setEnabled(self._bridge.can_pause)
        pause.triggered.connect(
            lambda _=False, p=not view.paused: self._spawn(self._bridge.set_paused(p))
        )
        menu.addAction(pause)
        menu.addSeparator()
        quit_ = menu.addAction(self.tr("Quit"))
        quit_.triggered.connect(self.quit_requested.emit)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        log.info("copied %d characters to the clipboard", len(text))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a bridge action; the task is kept until it ends (its errors reach the hook)."""
        self._tasks.spawn(coro)

    async def cancel_actions(self) -> None:
        """Cancel the menu's actions still running (on Quit) and wait until they have ended."""
        await self._tasks.cancel_all()

    def action_texts(self) -> list[str]:
        """The menu's entries as shown (submenus by title), for tests and accessibility."""
        return [a.text() for a in self.menu.actions() if not a.isSeparator()]
