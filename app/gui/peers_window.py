"""The peers window: this device (name, peer ID with QR, grade, relays) and its peers.

A view of the bridge's state: the header and :class:`~app.gui.models.peers.PeersModel` follow
``state_changed``; the actions (rename, ping, remove, verify) go through the bridge. No dialog
here blocks the loop: they are opened with ``open()`` and answer through signals.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QSysInfo, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.api.models import Snapshot
from app.core.status import PeerInfo
from app.gui.bridge import Bridge
from app.gui.models.peers import Column, PeersModel, short_id
from app.gui.tasks import TaskSet
from app.gui.texts import error_text, reason_text
from app.gui.widgets.ask import ask_to_confirm
from app.gui.widgets.qr import QrWidget
from app.gui.widgets.table import connect_row_menu, rows_table

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


def _named(widget: QWidget, name: str) -> None:
    widget.setAccessibleName(name)


class PeersWindow(QWidget):
    """This device and its peers, with the actions on a selected peer.

    Attributes:
        model: The peers table's model.
        table: The peers table.

    Signals:
        verify_requested(str): "Verify…" on a peer (its ID); the tray opens the dialog.
        preferences_requested(): "Preferences…" was clicked.
    """

    verify_requested = Signal(str)
    preferences_requested = Signal()

    def __init__(
        self,
        bridge: Bridge,
        parent: QWidget | None = None,
        *,
        device_name: str | None = None,
    ) -> None:
        """Build the window, following ``bridge`` (shown by the caller).

        Args:
            bridge: The link to the engine.
            parent: The Qt parent.
            device_name: This device's name in the header while the engine's settings are not
                known (default: the host name).
        """
        super().__init__(parent)
        self._device_name = device_name or QSysInfo.machineHostName()
        self._bridge = bridge
        self._tasks = TaskSet()
        self._dialogs: list[QWidget] = []
        self.open_menu: QMenu | None = None  # the actions menu Enter opened last
        self.resize(900, 460)

        # ---- header: this device
        self.device_name = QLabel()
        self.peer_id = QLineEdit()
        self.peer_id.setReadOnly(True)
        self.copy_id = QPushButton()
        self.copy_id.clicked.connect(lambda: self._copy(self.peer_id.text()))
        self.grade = QLabel()
        self.grade.setWordWrap(True)
        self.grade.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.relays = QLabel()
        self.relays.setWordWrap(True)
        self.qr = QrWidget()
        self.qr.setFixedSize(self.qr.sizeHint())

        id_row = QHBoxLayout()
        id_row.addWidget(self.peer_id, 1)
        id_row.addWidget(self.copy_id)
        about = QVBoxLayout()
        about.addWidget(self.device_name)
        about.addLayout(id_row)
        about.addWidget(self.grade)
        about.addWidget(self.relays)
        about.addStretch(1)
        header = QHBoxLayout()
        header.addLayout(about, 1)
        header.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)

        # ---- the peers
        self.model = PeersModel(self)
        self.table = rows_table(self.model, Column.PATH)
        connect_row_menu(self.table, lambda row: self.actions_menu(self.model.row(row)))
        self.table.activated.connect(self._on_activated)
        self.empty = QLabel()
        self.empty.setWordWrap(True)

        # ---- actions on the selected peer
        self.rename_button = QPushButton()
        self.ping_button = QPushButton()
        self.verify_button = QPushButton()
        self.remove_button = QPushButton()
        self.copy_peer_button = QPushButton()
        self.rename_button.clicked.connect(self.rename_selected)
        self.ping_button.clicked.connect(self.ping_selected)
        self.verify_button.clicked.connect(self.verify_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.copy_peer_button.clicked.connect(self.copy_selected)
        self.status = QLabel()
        self.preferences_button = QPushButton()
        self.preferences_button.clicked.connect(self.preferences_requested.emit)
        buttons = QHBoxLayout()
        for button in (
            self.rename_button,
            self.ping_button,
            self.verify_button,
            self.remove_button,
            self.copy_peer_button,
        ):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.preferences_button)
        self._retranslate()

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)

        close = QAction(self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        self.addAction(close)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        bridge.state_changed.connect(self.show_state)
        bridge.ping_finished.connect(self._on_ping)
        bridge.peer_renamed.connect(self._on_renamed)
        bridge.peer_removed.connect(self._on_removed)
        bridge.error_raised.connect(self._on_error)
        self.show_state(bridge.state)

    # ---- texts -------------------------------------------------------------------------------

    def _retranslate(self) -> None:
        """Set every fixed text in the current language (at start, and on a language change)."""
        self.setWindowTitle(translate("PeersWindow", "peer-up"))
        _named(self, translate("PeersWindow", "peer-up peers window"))
        _named(self.device_name, translate("PeersWindow", "This device's name"))
        _named(self.peer_id, translate("PeersWindow", "This device's peer ID"))
        self.copy_id.setText(translate("PeersWindow", "&Copy peer ID"))
        _named(self.copy_id, translate("PeersWindow", "Copy this device's peer ID"))
        _named(self.grade, translate("PeersWindow", "Reachability grade"))
        _named(self.relays, translate("PeersWindow", "Relays"))
        _named(self.qr, translate("PeersWindow", "QR code of this device's peer ID"))
        _named(self.table, translate("PeersWindow", "Peers"))
        self.empty.setText(
            translate(
                "PeersWindow",
                "No peers yet. Run peerup invite here and peerup join <code> on the other device.",
            )
        )
        _named(self.empty, translate("PeersWindow", "No peers yet"))
        self.rename_button.setText(translate("PeersWindow", "&Rename…"))
        self.ping_button.setText(translate("PeersWindow", "&Ping"))
        self.verify_button.setText(translate("PeersWindow", "&Verify…"))
        self.remove_button.setText(translate("PeersWindow", "Re&move…"))
        self.copy_peer_button.setText(translate("PeersWindow", "Copy I&D"))
        _named(self.rename_button, translate("PeersWindow", "Rename the selected peer"))
        _named(self.ping_button, translate("PeersWindow", "Ping the selected peer"))
        _named(self.verify_button, translate("PeersWindow", "Verify the selected peer"))
        _named(self.remove_button, translate("PeersWindow", "Remove the selected peer"))
        _named(self.copy_peer_button, translate("PeersWindow", "Copy the selected peer's ID"))
        _named(self.status, translate("PeersWindow", "Result of the last action"))
        self.preferences_button.setText(translate("PeersWindow", "Pr&eferences…"))
        _named(
            self.preferences_button,
            translate("PeersWindow", "Preferences: name, relays, network, notifications, language"),
        )

    def changeEvent(self, event: QEvent) -> None:
        """On a language change, show every text in the new language at once."""
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.model.retranslate()
            self.show_state(self._bridge.state)
        super().changeEvent(event)

    # ---- following the state -----------------------------------------------------------------

    def show_state(self, state: Snapshot | None) -> None:
        """Show ``state`` (None: not connected to the engine)."""
        self.model.replace_rows(state.peers if state is not None else ())
        self.empty.setVisible(state is not None and not state.peers)
        name = state.settings.device_name if state is not None else self._device_name
        self.device_name.setText(
            "<b>"
            + translate("PeersWindow", "This device: %1").replace("%1", html.escape(name))
            + "</b>"
        )
        if state is None:
            self.peer_id.setText("")
            self.qr.set_text("")
            self.grade.setText(translate("PeersWindow", "Not connected to peer-up's engine."))
            self.relays.setText("")
            self._update_buttons()
            return
        status = state.status
        if self.peer_id.text() != status.peer_id:
            self.peer_id.setText(status.peer_id)
            self.peer_id.setCursorPosition(0)
            self.qr.set_text(status.peer_id)
        reach = status.reachability
        if reach is None:
            self.grade.setText(translate("PeersWindow", "Reachability: not probed yet"))
        else:
            reason, hint = reason_text(reach.reason_code, reach.reason, reach.hint)
            text = translate("PeersWindow", "Reachability %1: %2").replace("%1", reach.grade.value)
            text = text.replace("%2", reason)
            self.grade.setText(text + (("\n" + hint) if hint else ""))
        if not status.relays:
            self.relays.setText(translate("PeersWindow", "Relays: none configured"))
        else:
            lines = []
            for relay in status.relays:
                if relay.reserved:
                    what = translate("PeersWindow", "reserved")
                elif relay.error_code:
                    what = error_text(relay.error_code, relay.error or relay.error_code)
                else:
                    what = translate("PeersWindow", "no reservation")
                lines.append(f"{short_id(relay.peer_id)}: {what}")
            self.relays.setText(
                translate("PeersWindow", "Relays: %1").replace("%1", "; ".join(lines))
            )
        self._update_buttons()

    def selected_peer(self) -> PeerInfo | None:
        """The peer selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        peer = self.selected_peer()
        for button in (
            self.rename_button,
            self.verify_button,
            self.remove_button,
            self.copy_peer_button,
        ):
            button.setEnabled(peer is not None)
        self.ping_button.setEnabled(peer is not None and peer.connected)

    # ---- actions -----------------------------------------------------------------------------

    def actions_menu(self, peer: PeerInfo) -> QMenu:
        """The actions on ``peer`` (the context menu, and Enter on a row)."""
        menu = QMenu(self)
        _named(menu, translate("PeersWindow", "Actions on %1").replace("%1", self._name(peer)))
        menu.addAction(translate("PeersWindow", "Rename…"), self.rename_selected)
        ping = menu.addAction(translate("PeersWindow", "Ping"), self.ping_selected)
        ping.setEnabled(peer.connected)
        menu.addAction(translate("PeersWindow", "Verify…"), self.verify_selected)
        menu.addAction(translate("PeersWindow", "Copy peer ID"), self.copy_selected)
        menu.addSeparator()
        menu.addAction(translate("PeersWindow", "Remove…"), self.remove_selected)
        return menu

    def _on_activated(self, index: QModelIndex) -> None:
        peer = self.model.row(index.row())
        rect = self.table.visualRect(index)
        menu = self.actions_menu(peer)
        menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))
        self.open_menu = menu

    def _name(self, peer: PeerInfo) -> str:
        return peer.name or short_id(peer.peer_id)

    def rename_selected(self) -> None:
        """Ask for a new name for the selected peer (a non-modal dialog)."""
        peer = self.selected_peer()
        if peer is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle(translate("PeersWindow", "Rename peer"))
        dialog.setLabelText(
            translate("PeersWindow", "New name for %1:").replace("%1", self._name(peer))
        )
        dialog.setTextValue(peer.name or "")
        _named(dialog, translate("PeersWindow", "Rename peer"))
        dialog.textValueSelected.connect(
            lambda name, p=peer.peer_id: self._tasks.spawn(self._bridge.rename_peer(p, name))
        )
        self._keep(dialog)
        dialog.open()

    def ping_selected(self) -> None:
        """Ping the selected peer; the RTT is shown below the table."""
        peer = self.selected_peer()
        if peer is None:
            return
        self.status.setText(translate("PeersWindow", "Pinging %1…").replace("%1", self._name(peer)))
        self._tasks.spawn(self._bridge.ping_peer(peer.peer_id))

    def remove_selected(self) -> None:
        """Ask, then remove the selected peer from authorized_keys."""
        peer = self.selected_peer()
        if peer is None:
            return
        peer_id = peer.peer_id
        ask_to_confirm(
            self,
            translate("PeersWindow", "Remove peer"),
            translate(
                "PeersWindow",
                "Remove %1? It will no longer be able to reach this device, and its "
                "connections close.",
            ).replace("%1", self._name(peer)),
            lambda: self._tasks.spawn(self._bridge.remove_peer(peer_id)),
        )

    def verify_selected(self) -> None:
        """Ask for the verification dialog of the selected peer (``verify_requested``)."""
        peer = self.selected_peer()
        if peer is not None:
            self.verify_requested.emit(peer.peer_id)

    def copy_selected(self) -> None:
        """Copy the selected peer's full ID."""
        peer = self.selected_peer()
        if peer is not None:
            self._copy(peer.peer_id)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.status.setText(translate("PeersWindow", "Copied."))

    def _keep(self, dialog: QWidget) -> None:
        self._dialogs.append(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _=None, d=dialog: self._forget(d))

    def _forget(self, dialog: QWidget) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)

    # ---- results -----------------------------------------------------------------------------

    def _on_ping(self, peer_id: str, rtt: float | None) -> None:
        row = self.model.row_of(peer_id)
        name = self._name(self.model.row(row)) if row is not None else short_id(peer_id)
        if rtt is None:
            self.status.setText(translate("PeersWindow", "%1 did not answer.").replace("%1", name))
        else:
            self.status.setText(
                translate("PeersWindow", "%1 answered in %2 ms.")
                .replace("%1", name)
                .replace("%2", f"{rtt:.1f}")
            )

    def _on_renamed(self, _peer_id: str, name: str) -> None:
        self.status.setText(translate("PeersWindow", "Renamed to %1.").replace("%1", name))

    def _on_removed(self, peer_id: str) -> None:
        self.status.setText(
            translate("PeersWindow", "Removed %1.").replace("%1", short_id(peer_id))
        )

    def _on_error(self, code: str, message: str, _hint: str) -> None:
        if self.isVisible():
            self.status.setText(error_text(code, message))

    async def close_actions(self) -> None:
        """Cancel the actions still running (on Quit)."""
        await self._tasks.cancel_all()
