"""The port forwards window (tray ▸ Port forwards…): forwards to peers' services, and the
services this device exposes (:mod:`app.gui.dialogs.services`).

Both tabs are views of the bridge's state (the watch stream: counters and rates arrive about once
a second while bytes move); nothing here polls. The actions run their own API requests
(:class:`~app.gui.widgets.busy.ApiSteps`): slow ones show progress with a Cancel that cancels
the request, and every error is shown in plain words in the window's or the dialog's banner.
Forwards made here are persistent: they are in config.yaml and open again at every start.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.api.client import LocalClient
from app.api.errors import ApiError
from app.api.models import Snapshot
from app.core.status import ForwardInfo, ForwardState, ListenCheck, PeerInfo
from app.gui.bridge import Bridge
from app.gui.dialogs.services import ServiceDialog, ServicesTab, peer_label
from app.gui.models.forwards import Column, ForwardsModel
from app.gui.models.peers import short_id
from app.gui.tasks import TaskSet
from app.gui.texts import error_text
from app.gui.view import forward_command, service_kind
from app.gui.widgets.ask import ask_to_confirm
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.busy import ApiSteps, BusyRow
from app.gui.widgets.table import action_buttons, connect_row_menu, rows_table

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

LISTEN_CHECK_DELAY_MS: Final = 250
"""How long typing in the local address must pause before the port is checked."""

DEFAULT_PORTS: Final = {"ssh": 2222, "http": 8080, "https": 8443}
OTHER_PORT: Final = 10000
"""The local port a new forward proposes for a service of no known kind."""


def _say(note: QLabel, text: str) -> None:
    """Show ``text`` under a field; an empty note takes no room."""
    note.setText(text)
    note.setVisible(bool(text))


def default_listen(service: str) -> str:
    """The local address a new forward to ``service`` proposes (``127.0.0.1:2222`` for ssh)."""
    kind = service_kind(service)
    return f"127.0.0.1:{DEFAULT_PORTS.get(kind or '', OTHER_PORT)}"


class ForwardDialog(QDialog):
    """Add a forward, or change one: the peer, its service, and the local address.

    The peer's offered services are asked for when a peer is chosen (the peer may be offline: a
    service's name can always be typed). The local address is checked while it is typed; a port
    in use comes with a free one to take in one click.

    Attributes:
        peer: The authorized peers, by name, with their verified state.
        service: The peer's services (editable: any name may be typed).
        services_note: What the peer offers, or why it could not be asked.
        listen: The local address (``127.0.0.1:2222``).
        listen_note: What the check of the local address found.
        use_suggestion: Takes the free address the check suggested.
        save_button: Adds (or saves) the forward.
        result_forward: The forward as opened, once the dialog was accepted.
    """

    def __init__(
        self, bridge: Bridge, forward: ForwardInfo | None = None, parent: QWidget | None = None
    ) -> None:
        """Build the dialog for a new forward (``forward`` None) or to change ``forward``."""
        super().__init__(parent)
        self._forward = forward
        self._tasks = TaskSet()
        self.banner = MessageBanner()
        self.busy = BusyRow(self._tasks)
        self._steps = ApiSteps(bridge.client, self.banner, self.busy, self._tasks)
        self._listen_edited = forward is not None
        self._listen_task: asyncio.Task[None] | None = None
        self._suggestion = ""
        self.result_forward: ForwardInfo | None = None
        if forward is None:
            self.setWindowTitle(translate("Forwards", "Add a forward"))
        else:
            self.setWindowTitle(
                translate("Forwards", "Change forward %1").replace("%1", forward.listen_address)
            )
        self.setAccessibleName(self.windowTitle())

        intro = QLabel(
            translate(
                "Forwards",
                "Reach a service on another device at an address on this one. The forward "
                "stays across restarts.",
            )
        )
        intro.setWordWrap(True)
        # The dialog's first size comes from its layout's: a wrapped label alone would make it
        # narrow (and measure its own height for that narrow width).
        intro.setMinimumWidth(560)
        self.peer = QComboBox()
        self.peer.setAccessibleName(translate("Forwards", "Peer"))
        state = bridge.state
        peers = [p for p in (state.peers if state is not None else ()) if p.authorized]
        for peer in sorted(peers, key=lambda p: (p.name or p.peer_id).lower()):
            self.peer.addItem(peer_label(peer), peer.peer_id)
        self._peers = {p.peer_id: p for p in peers}
        self.service = QComboBox()
        self.service.setEditable(True)
        self.service.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.service.setAccessibleName(translate("Forwards", "Service"))
        line = self.service.lineEdit()
        assert line is not None
        line.setPlaceholderText(translate("Forwards", "for example: ssh"))
        self.services_note = QLabel()
        self.services_note.setWordWrap(False)
        self.services_note.setAccessibleName(translate("Forwards", "The peer's services"))
        self.services_note.hide()
        self.listen = QLineEdit()
        self.listen.setPlaceholderText("127.0.0.1:2222")
        self.listen.setAccessibleName(translate("Forwards", "Local address"))
        self.listen_note = QLabel()
        self.listen_note.setWordWrap(True)
        self.listen_note.setAccessibleName(translate("Forwards", "Local address check"))
        self.listen_note.hide()
        self.use_suggestion = QPushButton()
        self.use_suggestion.hide()
        self.use_suggestion.clicked.connect(self.take_suggestion)
        note_row = QHBoxLayout()
        note_row.addWidget(self.listen_note, 1)
        note_row.addWidget(self.use_suggestion)

        form = QFormLayout()
        form.addRow(translate("Forwards", "&Peer:"), self.peer)
        form.addRow(translate("Forwards", "Ser&vice:"), self.service)
        form.addRow("", self.services_note)
        form.addRow(translate("Forwards", "&Local address:"), self.listen)
        form.addRow("", note_row)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert save is not None
        assert cancel is not None
        self.save_button = save
        save.setText(
            translate("Forwards", "&Add") if forward is None else translate("Forwards", "&Save")
        )
        cancel.setText(translate("Forwards", "Cancel"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(LISTEN_CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_listen)
        self.listen.textEdited.connect(self._on_listen_edited)
        self.service.currentTextChanged.connect(self._on_service_changed)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        if not peers:
            self.banner.show_warning(
                translate(
                    "Forwards",
                    "No peers yet: pair a device first (tray ▸ Invite a device…), then forward "
                    "to its services.",
                )
            )
            self.save_button.setEnabled(False)
        if forward is not None:
            index = self.peer.findData(forward.peer_id)
            if index < 0:  # not authorized any more: still shown, so that the dialog says so
                self.peer.addItem(forward.peer_name or short_id(forward.peer_id), forward.peer_id)
                index = self.peer.count() - 1
            self.peer.setCurrentIndex(index)
            self.service.setEditText(forward.service)
            self.listen.setText(forward.listen_address)
            self.check_listen()
        self.peer.currentIndexChanged.connect(self._on_peer_changed)
        if self.peer.count():
            self._on_peer_changed()

    # ---- the peer and its services -----------------------------------------------------------

    def chosen_peer(self) -> str | None:
        """The chosen peer's ID, if any."""
        data = self.peer.currentData()
        return str(data) if data else None

    def _peer_name(self, peer_id: str) -> str:
        peer: PeerInfo | None = self._peers.get(peer_id)
        return (peer.name if peer else None) or short_id(peer_id)

    def _on_peer_changed(self, *_: object) -> None:
        peer_id = self.chosen_peer()
        if peer_id is None:
            return
        name = self._peer_name(peer_id)
        _say(self.services_note, "")
        self._steps.step(
            translate("Forwards", "Asking %1 which services it offers…").replace("%1", name),
            lambda c: c.peer_services(peer_id),
            lambda services: self.show_services(name, services),
            lambda _error: self._services_unknown(name),
        )

    def show_services(self, name: str, services: list[str]) -> None:
        """Offer ``services``, what peer ``name`` answered it offers us."""
        typed = self.service.currentText()
        self.service.blockSignals(True)
        self.service.clear()
        self.service.addItems(services)
        self.service.setEditText(typed)
        self.service.blockSignals(False)
        if not services:
            _say(
                self.services_note,
                translate(
                    "Forwards", "%1 offers you no services; you can still type a name."
                ).replace("%1", name),
            )
            return
        _say(
            self.services_note,
            translate("Forwards", "%1 offers: %2")
            .replace("%1", name)
            .replace("%2", ", ".join(services)),
        )
        if not typed:
            self.service.setCurrentIndex(0)
            self._on_service_changed(services[0])

    def _services_unknown(self, name: str) -> None:
        _say(
            self.services_note,
            translate(
                "Forwards", "Could not ask %1 for its services; type the service's name."
            ).replace("%1", name),
        )

    def _on_service_changed(self, text: str) -> None:
        if not self._listen_edited and text.strip():
            self.listen.setText(default_listen(text.strip()))
            self._check_timer.start()

    # ---- the local address -------------------------------------------------------------------

    def _on_listen_edited(self, _text: str) -> None:
        self._listen_edited = True
        self._check_timer.start()

    def check_listen(self) -> None:
        """Check whether the local address can be listened on (cancelling an older check)."""
        if self._listen_task is not None:
            self._listen_task.cancel()
            self._listen_task = None
        text = self.listen.text().strip()
        self.use_suggestion.hide()
        if not text:
            _say(self.listen_note, "")
            return
        if self._forward is not None and text == self._forward.listen_address:
            _say(self.listen_note, translate("Forwards", "This forward's address."))
            return
        _say(self.listen_note, translate("Forwards", "Checking…"))

        def checked(check: ListenCheck) -> None:
            if text == self.listen.text().strip():  # else a newer check is coming
                self.show_listen_check(check)

        def failed(error: ApiError) -> None:  # "invalid-address" while it is being typed
            if text == self.listen.text().strip():
                _say(self.listen_note, error_text(error.code, error.message))

        self._listen_task = self._steps.quick(lambda c: c.check_listen(text), checked, failed)

    def show_listen_check(self, check: ListenCheck) -> None:
        """Say what the check of the local address found, with a free one to take if any."""
        self._suggestion = check.suggestion or ""
        if check.free:
            _say(self.listen_note, translate("Forwards", "✔ Free."))
            self.use_suggestion.hide()
            return
        if check.error_code in (None, "address-in-use"):
            words = translate("Forwards", "In use")
        elif check.error_code == "used-by-forward":
            words = translate("Forwards", "Another forward uses it")
        else:
            words = error_text(check.error_code or "", check.error or "")
        if self._suggestion:
            words = (
                translate("Forwards", "%1 — use %2?")
                .replace("%1", words)
                .replace("%2", self._suggestion)
            )
            self.use_suggestion.setText(
                translate("Forwards", "&Use %1").replace("%1", self._suggestion)
            )
            self.use_suggestion.show()
        _say(self.listen_note, words)

    def take_suggestion(self) -> None:
        """Use the free address the last check suggested."""
        if self._suggestion:
            self.listen.setText(self._suggestion)
            self._listen_edited = True
            self.check_listen()
            self.listen.setFocus()

    # ---- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        """Open the forward (persistent); for a changed one, close the old one first."""
        peer_id = self.chosen_peer()
        service = self.service.currentText().strip()
        listen = self.listen.text().strip()
        if peer_id is None:
            return
        if not service:
            self.banner.show_warning(translate("Forwards", "Choose or type a service."))
            self.service.setFocus()
            return
        if not listen:
            self.banner.show_warning(translate("Forwards", "Enter a local address."))
            self.listen.setFocus()
            return
        old = self._forward
        if old is not None and (old.peer_id, old.service, old.listen_address) == (
            peer_id,
            service,
            listen,
        ):
            self.accept()
            return

        async def open_it(client: LocalClient) -> ForwardInfo:
            if old is None:
                return await client.open_forward(peer_id, service, listen, persist=True)
            return await _replace(client, old, peer_id, service, listen)

        self._steps.step(
            translate("Forwards", "Opening the forward to %1…").replace(
                "%1", f"{self._peer_name(peer_id)}/{service}"
            ),
            open_it,
            self._opened,
        )

    def _opened(self, forward: ForwardInfo) -> None:
        self.result_forward = forward
        self.accept()

    async def close_actions(self) -> None:
        """Cancel the requests still running and wait until they have ended."""
        self._check_timer.stop()
        await self._tasks.cancel_all()


def _startable(forward: ForwardInfo) -> bool:
    """Whether Start (not Stop) is the forward's action: stopped, or failed (Start retries)."""
    return not forward.enabled or forward.state is ForwardState.FAILED


async def _replace(
    client: LocalClient, old: ForwardInfo, peer_id: str, service: str, listen: str
) -> ForwardInfo:
    """Replace forward ``old`` (it may hold the same port): close it, open the new one; when
    that fails, open the old one again and raise the error."""
    await client.close_forward(old.id)
    try:
        new = await client.open_forward(peer_id, service, listen, persist=True)
    except ApiError:
        with contextlib.suppress(ApiError):
            back = await client.open_forward(
                old.peer_id, old.service, old.listen_address, persist=old.persistent
            )
            if not old.enabled:
                await client.set_forward_enabled(back.id, False)
        raise
    if not old.enabled:  # a stopped forward stays stopped
        new = await client.set_forward_enabled(new.id, False)
    return new


class ForwardsWindow(QWidget):
    """The forwards and the exposed services, in two tabs.

    Attributes:
        bridge: The link to the engine.
        tabs: "Forwards" and "Exposed services".
        model: The forwards table's model.
        table: The forwards table.
        services: The exposed services tab.
        banner: Errors (and results) in plain words.
        busy: The step under way, with Cancel.
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        """Build the window, following ``bridge`` (shown by the caller)."""
        super().__init__(parent)
        self.bridge = bridge
        self._tasks = TaskSet()
        self._dialogs: list[ForwardDialog | ServiceDialog] = []
        self._offline_shown = False
        self.setWindowTitle(translate("Forwards", "Port forwards — peer-up"))
        self.setAccessibleName(translate("Forwards", "Port forwards"))
        self.resize(1180, 360)
        self.banner = MessageBanner()
        self.busy = BusyRow(self._tasks)
        self._steps = ApiSteps(bridge.client, self.banner, self.busy, self._tasks)

        # ---- forwards
        self.model = ForwardsModel(self)
        self.table = rows_table(self.model, Column.ERROR, translate("Forwards", "Forwards"))
        connect_row_menu(self.table, lambda row: self.actions_menu(self.model.forward(row)))
        self.table.activated.connect(self._on_activated)
        self.empty = QLabel(
            translate(
                "Forwards",
                "No forwards yet. Add one to reach a service on another device (its ssh, a web "
                "page…) at an address on this one.",
            )
        )
        self.empty.setWordWrap(True)
        row_buttons = action_buttons(
            (translate("Forwards", "&Add…"), translate("Forwards", "Add a forward"), self.add),
            (
                translate("Forwards", "&Edit…"),
                translate("Forwards", "Change the selected forward"),
                self.edit_selected,
            ),
            (
                translate("Forwards", "S&top"),
                translate("Forwards", "Stop or start the selected forward"),
                self.toggle_selected,
            ),
            (
                translate("Forwards", "&Copy command"),
                translate("Forwards", "Copy the command that uses the forward"),
                self.copy_selected,
            ),
            (
                translate("Forwards", "&Remove…"),
                translate("Forwards", "Remove the selected forward"),
                self.remove_selected,
            ),
        )
        self.add_button, self.edit_button, self.toggle_button = row_buttons[:3]
        self.copy_button, self.remove_button = row_buttons[3:]
        self.status = QLabel()
        self.status.setAccessibleName(translate("Forwards", "Result of the last action"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for button in row_buttons:
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        forwards_tab = QWidget()
        forwards_layout = QVBoxLayout(forwards_tab)
        forwards_layout.addWidget(self.table, 1)
        forwards_layout.addWidget(self.empty)
        forwards_layout.addLayout(buttons)

        # ---- exposed services
        self.services = ServicesTab(bridge, self._steps, self._open_dialog)

        self.tabs = QTabWidget()
        self.tabs.addTab(forwards_tab, translate("Forwards", "&Forwards"))
        self.tabs.addTab(self.services, translate("Forwards", "E&xposed services"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.busy)

        for keys in (QKeySequence(QKeySequence.StandardKey.Close), QKeySequence("Escape")):
            close = QAction(self)
            close.setShortcut(keys)
            close.triggered.connect(self.close)
            self.addAction(close)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.dataChanged.connect(self._update_buttons)
        bridge.state_changed.connect(self.show_state)
        self.show_state(bridge.state)

    # ---- following the state -----------------------------------------------------------------

    def show_state(self, state: Snapshot | None) -> None:
        """Show ``state`` (None: not connected to the engine)."""
        if state is None:
            self.model.set_state((), ())
        else:
            self.model.set_state(state.forwards, state.peers)
        self.empty.setVisible(state is not None and not state.forwards)
        self.add_button.setEnabled(state is not None)
        self.services.show_state(state)
        if state is None and not self._offline_shown:
            self.banner.show_warning(translate("Forwards", "Not connected to peer-up's engine."))
            self._offline_shown = True
        elif state is not None and self._offline_shown:
            self._offline_shown = False
            self.banner.clear_message()
        self._update_buttons()

    def selected(self) -> ForwardInfo | None:
        """The forward selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.forward(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        forward = self.selected()
        for button in (self.edit_button, self.copy_button, self.remove_button):
            button.setEnabled(forward is not None)
        # Only a saved forward stops and starts; one opened for a while (peerup daemon connect)
        # is only removed.
        self.toggle_button.setEnabled(forward is not None and forward.persistent)
        if forward is not None and _startable(forward):
            self.toggle_button.setText(translate("Forwards", "S&tart"))
        else:
            self.toggle_button.setText(translate("Forwards", "S&top"))

    # ---- actions -----------------------------------------------------------------------------

    def actions_menu(self, forward: ForwardInfo) -> QMenu:
        """The actions on ``forward`` (the context menu)."""
        menu = QMenu(self)
        menu.setAccessibleName(
            translate("Forwards", "Actions on %1").replace("%1", forward.listen_address)
        )
        menu.addAction(translate("Forwards", "Copy command"), self.copy_selected)
        menu.addAction(translate("Forwards", "Edit…"), self.edit_selected)
        if _startable(forward):
            toggle = menu.addAction(translate("Forwards", "Start"), self.toggle_selected)
        else:
            toggle = menu.addAction(translate("Forwards", "Stop"), self.toggle_selected)
        toggle.setEnabled(forward.persistent)
        menu.addSeparator()
        menu.addAction(translate("Forwards", "Remove…"), self.remove_selected)
        return menu

    def _on_activated(self, _index: QModelIndex) -> None:
        self.edit_selected()

    def add(self) -> None:
        """Open the dialog that adds a forward."""
        self._open_dialog(ForwardDialog(self.bridge, None, self))

    def edit_selected(self) -> None:
        """Open the dialog that changes the selected forward."""
        forward = self.selected()
        if forward is not None:
            self._open_dialog(ForwardDialog(self.bridge, forward, self))

    def toggle_selected(self) -> None:
        """Stop the selected forward (it stays listed) if it runs, else start it (again)."""
        forward = self.selected()
        if forward is None:
            return
        enabled = _startable(forward)
        text = (
            translate("Forwards", "Starting %1…")
            if enabled
            else translate("Forwards", "Stopping %1…")
        )
        forward_id = forward.id
        self._steps.step(
            text.replace("%1", forward.listen_address),
            lambda c: c.set_forward_enabled(forward_id, enabled),
        )

    def copy_selected(self) -> None:
        """Copy what to type to use the selected forward (``ssh -p 2222 localhost``…)."""
        forward = self.selected()
        if forward is None:
            return
        command = forward_command(forward)
        QGuiApplication.clipboard().setText(command)
        self.status.setText(translate("Forwards", "Copied: %1").replace("%1", command))

    def remove_selected(self) -> None:
        """Ask, then close the selected forward and remove it from the config."""
        forward = self.selected()
        if forward is None:
            return
        forward_id, address = forward.id, forward.listen_address
        ask_to_confirm(
            self,
            translate("Forwards", "Remove forward"),
            translate(
                "Forwards",
                "Remove the forward from %1 to %2? Its connections close, and it does not "
                "open again at the next start.",
            )
            .replace("%1", address)
            .replace("%2", f"{forward.peer_name or short_id(forward.peer_id)}/{forward.service}"),
            lambda: self._steps.step(
                translate("Forwards", "Removing %1…").replace("%1", address),
                lambda c: c.close_forward(forward_id),
            ),
        )

    # ---- dialogs -----------------------------------------------------------------------------

    def _open_dialog(self, dialog: ForwardDialog | ServiceDialog) -> None:
        """Show ``dialog``; once it is done, cancel its requests, then delete it."""
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._tasks.spawn(self._dispose(d)))
        dialog.open()

    async def _dispose(self, dialog: ForwardDialog | ServiceDialog) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)
            await dialog.close_actions()
            dialog.deleteLater()

    @property
    def dialogs(self) -> list[ForwardDialog | ServiceDialog]:
        """The dialogs open now (add/edit a forward, expose a service)."""
        return list(self._dialogs)

    async def close_actions(self) -> None:
        """Cancel the requests still running, the dialogs' too (on Quit)."""
        for dialog in list(self._dialogs):
            dialog.hide()
            await self._dispose(dialog)
        await self._tasks.cancel_all()
