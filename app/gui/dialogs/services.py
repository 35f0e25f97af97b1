"""The forwards window's second tab: the services this device exposes to its peers.

A view of the bridge's state (:class:`~app.gui.models.services.ServicesModel`); the actions go
through the API with ``persist=True``, so what is set here is in config.yaml and stays. Before a
service is saved, :class:`ServiceDialog` checks that something answers at its local address and
says so in plain words; when nothing does, it warns and still lets the user save.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.api.client import LocalClient
from app.api.models import Snapshot
from app.core.status import PeerInfo, ServiceCheck, ServiceInfo
from app.gui.bridge import Bridge
from app.gui.models.peers import short_id
from app.gui.models.services import Column, ServicesModel
from app.gui.tasks import TaskSet
from app.gui.texts import error_text
from app.gui.widgets.ask import ask_to_confirm
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.busy import ApiSteps, BusyRow
from app.gui.widgets.table import action_buttons, connect_row_menu, rows_table

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

PEER_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def peer_label(peer: PeerInfo) -> str:
    """A peer as the pickers show it: its name and whether a person verified its key."""
    name = peer.name or short_id(peer.peer_id)
    if peer.verified:
        return translate("Services", "%1  ✔ verified").replace("%1", name)
    return translate("Services", "%1  [UNVERIFIED]").replace("%1", name)


def check_words(check: ServiceCheck) -> str:
    """What a check of a local service found, in plain words."""
    if check.answers and check.connect_ms is not None:
        return (
            translate("Services", "✔ Something answers at %1 (%2 ms).")
            .replace("%1", check.local_address)
            .replace("%2", f"{check.connect_ms:.0f}")
        )
    if check.answers:
        return translate("Services", "✔ Something answers at %1.").replace(
            "%1", check.local_address
        )
    reason = error_text(check.error_code or "", check.error or "")
    text = translate("Services", "Nothing answers at %1.").replace("%1", check.local_address)
    return text + (" " + reason if reason else "")


class ServiceDialog(QDialog):
    """Expose a local service (or change one): name, local address, who may use it.

    Attributes:
        name: The service's name (read-only when editing: the name is how peers ask for it).
        local_address: Where the service listens on this device.
        everyone: "All authorized peers".
        chosen: "Only these peers", with :attr:`peers` checkable.
        verified_only: Admit verified peers only.
        test_button: Checks that something answers at the local address.
        test_result: What the last check found.
        save_button: Saves (after a check; "Save anyway" once a check found nothing).
        result_service: The service as saved, once the dialog was accepted.
    """

    def __init__(
        self,
        bridge: Bridge,
        service: ServiceInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Build the dialog for a new service (``service`` None) or to change ``service``."""
        super().__init__(parent)
        self._tasks = TaskSet()
        self.banner = MessageBanner()
        self.busy = BusyRow(self._tasks)
        self._steps = ApiSteps(bridge.client, self.banner, self.busy, self._tasks)
        self.result_service: ServiceInfo | None = None  # as saved
        self._answered: str | None = None  # the address a check found answering
        self._warned: str | None = None  # the address a check found silent (save anyway)
        if service is None:
            self.setWindowTitle(translate("Services", "Expose a service"))
        else:
            self.setWindowTitle(
                translate("Services", "Change service %1").replace("%1", service.name)
            )
        self.setAccessibleName(self.windowTitle())

        intro = QLabel(
            translate(
                "Services",
                "Let your peers reach a service that runs on this device (a web server, ssh…). "
                "It stays exposed across restarts.",
            )
        )
        intro.setWordWrap(True)
        # The dialog's first size comes from its layout's: a wrapped label alone would make it
        # narrow (and measure its own height for that narrow width).
        intro.setMinimumWidth(560)
        self.name = QLineEdit(service.name if service else "")
        self.name.setPlaceholderText(translate("Services", "for example: web"))
        self.name.setReadOnly(service is not None)
        self.name.setAccessibleName(translate("Services", "Service name"))
        self.local_address = QLineEdit(service.local_address if service else "")
        self.local_address.setPlaceholderText(translate("Services", "for example: localhost:8080"))
        self.local_address.setAccessibleName(translate("Services", "Local address of the service"))
        self.test_button = QPushButton(translate("Services", "&Test"))
        self.test_button.setAccessibleName(
            translate("Services", "Test that the service answers at its local address")
        )
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName(translate("Services", "Test result"))
        self.test_result.hide()
        address_row = QHBoxLayout()
        address_row.addWidget(self.local_address, 1)
        address_row.addWidget(self.test_button)

        self.everyone = QRadioButton(translate("Services", "&All authorized peers"))
        self.chosen = QRadioButton(translate("Services", "&Only these peers:"))
        group = QButtonGroup(self)
        group.addButton(self.everyone)
        group.addButton(self.chosen)
        self.peers = QListWidget()
        self.peers.setAccessibleName(translate("Services", "Peers that may use the service"))
        allowed = set(service.allowed_peers) if service else set()
        state = bridge.state
        for peer in state.peers if state is not None else ():
            if not peer.authorized:
                continue
            item = QListWidgetItem(peer_label(peer))
            item.setData(PEER_ID_ROLE, peer.peer_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if peer.peer_id in allowed else Qt.CheckState.Unchecked
            )
            self.peers.addItem(item)
        # As tall as its peers (2 to 6 rows; more scroll), not a fixed box mostly empty.
        rows = min(max(self.peers.count(), 2), 6)
        row_height = max(self.peers.sizeHintForRow(0), self.peers.fontMetrics().height())
        self.peers.setFixedHeight(rows * row_height + 2 * self.peers.frameWidth() + 2)
        (self.chosen if allowed else self.everyone).setChecked(True)
        self.peers.setEnabled(bool(allowed))
        self.chosen.toggled.connect(self.peers.setEnabled)
        self.verified_only = QCheckBox(
            translate("Services", "Only &verified peers (whose key you compared with the emoji)")
        )
        self.verified_only.setChecked(bool(service and service.verified_only))

        form = QFormLayout()
        form.addRow(translate("Services", "&Name:"), self.name)
        address_label = QLabel(translate("Services", "&Local address:"))
        address_label.setBuddy(self.local_address)  # a layout's row gets no buddy by itself
        form.addRow(address_label, address_row)
        form.addRow("", self.test_result)
        who = QVBoxLayout()
        who.addWidget(self.everyone)
        who.addWidget(self.chosen)
        who.addWidget(self.peers)
        who.addWidget(self.verified_only)
        form.addRow(translate("Services", "Who may use it:"), who)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        self.save_button = save
        self.save_button.setText(translate("Services", "&Save"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        cancel.setText(translate("Services", "Cancel"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        self.test_button.clicked.connect(lambda: self.test())
        self.local_address.textEdited.connect(self._address_edited)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        (self.local_address if service else self.name).setFocus()

    # ---- checking ----------------------------------------------------------------------------

    def _address_edited(self, _text: str) -> None:
        self.test_result.setText("")
        self.test_result.hide()
        self._answered = self._warned = None
        self.save_button.setText(translate("Services", "&Save"))

    def test(self, *, then_save: bool = False) -> None:
        """Check that something answers at the local address; with ``then_save``, save after."""
        address = self.local_address.text().strip()
        if not address:
            self.banner.show_warning(translate("Services", "Enter the service's local address."))
            self.local_address.setFocus()
            return

        self._steps.step(
            translate("Services", "Checking %1…").replace("%1", address),
            lambda c: c.check_service(address),
            lambda check: self.show_check(address, check, then_save),
        )

    def show_check(self, address: str, check: ServiceCheck, then_save: bool = False) -> None:
        """Say what the check of ``address`` (as typed) found; save after it if it answers."""
        self.test_result.setText(check_words(check))
        self.test_result.show()
        if check.answers:
            self._answered, self._warned = address, None
            self.save_button.setText(translate("Services", "&Save"))
            if then_save:
                self.save()
            return
        self._answered, self._warned = None, address
        self.banner.show_warning(
            translate(
                "Services",
                "Peers that use the service will get an error until something answers at its "
                "local address. You can save it anyway.",
            )
        )
        self.save_button.setText(translate("Services", "Save any&way"))

    # ---- saving ------------------------------------------------------------------------------

    def allowed_peers(self) -> list[str]:
        """The peer IDs ticked under "Only these peers" (empty for all authorized peers)."""
        if self.everyone.isChecked():
            return []
        items = (self.peers.item(i) for i in range(self.peers.count()))
        return [
            str(item.data(PEER_ID_ROLE))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def save(self) -> None:
        """Check the service (unless just checked), then expose it; the dialog closes on success."""
        name = self.name.text().strip()
        address = self.local_address.text().strip()
        if not name:
            self.banner.show_warning(translate("Services", "Give the service a name."))
            self.name.setFocus()
            return
        allowed = self.allowed_peers()
        if self.chosen.isChecked() and not allowed:
            self.banner.show_warning(
                translate("Services", "Tick the peers that may use it, or choose all peers.")
            )
            self.peers.setFocus()
            return
        if address not in (self._answered, self._warned):
            self.test(then_save=True)
            return
        verified_only = self.verified_only.isChecked()

        async def expose(client: LocalClient) -> ServiceInfo:
            return await client.expose_service(
                name, address, allowed_peers=allowed, persist=True, verified_only=verified_only
            )

        self._steps.step(
            translate("Services", "Saving %1…").replace("%1", name), expose, self._saved
        )

    def _saved(self, service: ServiceInfo) -> None:
        self.result_service = service
        self.accept()

    async def close_actions(self) -> None:
        """Cancel the requests still running and wait until they have ended."""
        await self._tasks.cancel_all()


class ServicesTab(QWidget):
    """The exposed services with their actions.

    Attributes:
        model: The table's model.
        table: The services table.
    """

    def __init__(
        self,
        bridge: Bridge,
        steps: ApiSteps,
        open_dialog: Callable[[ServiceDialog], None],
        parent: QWidget | None = None,
    ) -> None:
        """Build the tab.

        Args:
            bridge: The link to the engine.
            steps: The window's request runner (its banner and busy row).
            open_dialog: Shows a dialog the window keeps until it is done.
            parent: The Qt parent.
        """
        super().__init__(parent)
        self._bridge = bridge
        self._steps = steps
        self._open_dialog = open_dialog
        self.model = ServicesModel(self)
        self.model.enable_requested.connect(self.set_enabled)
        self.table = rows_table(
            self.model, Column.ALLOWED, translate("Services", "Exposed services")
        )
        connect_row_menu(self.table, lambda row: self.actions_menu(self.model.service(row)))
        self.table.activated.connect(self._on_activated)
        self.empty = QLabel(
            translate(
                "Services",
                "No services exposed. Expose one to let your peers reach it (for example a web "
                "server on localhost:8080).",
            )
        )
        self.empty.setWordWrap(True)

        row_buttons = action_buttons(
            (
                translate("Services", "&Expose…"),
                translate("Services", "Expose a service"),
                self.add,
            ),
            (
                translate("Services", "C&hange…"),
                translate("Services", "Change the selected service"),
                self.edit_selected,
            ),
            (
                translate("Services", "&Disable"),
                translate("Services", "Enable or disable the selected service"),
                self.toggle_selected,
            ),
            (
                translate("Services", "&Test"),
                translate("Services", "Test that the selected service answers"),
                self.test_selected,
            ),
            (
                translate("Services", "&Remove…"),
                translate("Services", "Remove the selected service"),
                self.remove_selected,
            ),
        )
        self.add_button, self.edit_button, self.toggle_button = row_buttons[:3]
        self.test_button, self.remove_button = row_buttons[3:]
        buttons = QHBoxLayout()
        for button in row_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.dataChanged.connect(self._update_buttons)
        self._update_buttons()

    def show_state(self, state: Snapshot | None) -> None:
        """Show the services of ``state`` (None: not connected); the engine lists the disabled
        ones too, so they can be enabled again."""
        if state is None:
            self.model.set_state((), ())
        else:
            self.model.set_state(state.services, state.peers)
        self.empty.setVisible(state is not None and self.model.rowCount() == 0)
        self.add_button.setEnabled(state is not None)
        self._update_buttons()

    def selected(self) -> ServiceInfo | None:
        """The service selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.service(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        service = self.selected()
        for button in (self.edit_button, self.toggle_button, self.test_button, self.remove_button):
            button.setEnabled(service is not None)
        if service is not None and not service.enabled:
            self.toggle_button.setText(translate("Services", "E&nable"))
        else:
            self.toggle_button.setText(translate("Services", "&Disable"))

    # ---- actions -----------------------------------------------------------------------------

    def actions_menu(self, service: ServiceInfo) -> QMenu:
        """The actions on ``service`` (the context menu)."""
        menu = QMenu(self)
        menu.setAccessibleName(translate("Services", "Actions on %1").replace("%1", service.name))
        menu.addAction(translate("Services", "Change…"), self.edit_selected)
        if service.enabled:
            menu.addAction(translate("Services", "Disable"), self.toggle_selected)
        else:
            menu.addAction(translate("Services", "Enable"), self.toggle_selected)
        menu.addAction(translate("Services", "Test"), self.test_selected)
        menu.addSeparator()
        menu.addAction(translate("Services", "Remove…"), self.remove_selected)
        return menu

    def _on_activated(self, index: QModelIndex) -> None:
        if index.column() != Column.ENABLED:
            self.edit_selected()

    def add(self) -> None:
        """Open the dialog that exposes a new service."""
        self._open_dialog(ServiceDialog(self._bridge, None, self))

    def edit_selected(self) -> None:
        """Open the dialog that changes the selected service."""
        service = self.selected()
        if service is not None:
            self._open_dialog(ServiceDialog(self._bridge, service, self))

    def toggle_selected(self) -> None:
        """Enable the selected service if it is disabled, else disable it."""
        service = self.selected()
        if service is not None:
            self.set_enabled(service.name, not service.enabled)

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Enable (expose) or disable (keep configured, unexposed) service ``name``."""
        text = (
            translate("Services", "Enabling %1…")
            if enabled
            else translate("Services", "Disabling %1…")
        )
        # The table shows the change once the watch stream brings it.
        self._steps.step(text.replace("%1", name), lambda c: c.set_service_enabled(name, enabled))

    def test_selected(self) -> None:
        """Check that something answers at the selected service's local address."""
        service = self.selected()
        if service is None:
            return

        def show(check: ServiceCheck) -> None:
            words = check_words(check)
            if check.answers:
                self._steps.banner.show_info(words)
            else:
                self._steps.banner.show_warning(words)

        address = service.local_address
        self._steps.step(
            translate("Services", "Checking %1…").replace("%1", address),
            lambda c: c.check_service(address),
            show,
        )

    def remove_selected(self) -> None:
        """Ask, then stop exposing the selected service and remove it from the config."""
        service = self.selected()
        if service is None:
            return
        name = service.name
        ask_to_confirm(
            self,
            translate("Services", "Remove service"),
            translate(
                "Services",
                "Remove %1? Peers can no longer reach it, and it is removed from the config.",
            ).replace("%1", name),
            lambda: self._steps.step(
                translate("Services", "Removing %1…").replace("%1", name),
                lambda c: c.unexpose_service(name, persist=True),
            ),
        )
