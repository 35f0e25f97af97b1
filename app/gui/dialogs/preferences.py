"""Preferences (tray ▸ Preferences…): this device, its network settings, notifications, language.

A view of the bridge's state: the engine's settings (``Snapshot.settings``) and its relays with
their reservations (``status.relays``) follow ``state_changed``; every change goes to the daemon
at once through the API (:meth:`LocalClient.update_settings`, ``add_relay``, ``remove_relay``),
which applies it live and writes config.yaml, and comes back in the next state. A switch is
applied when clicked; a text field when its Apply button is clicked or Enter is pressed in it.
Errors show in plain words above the tabs, and the switch goes back to what the engine has.

The language, start at login and the notification switches belong to this desktop session,
not to the engine: they are kept in ``QSettings`` and the XDG autostart folder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.api.client import LocalClient
from app.api.errors import ApiError
from app.api.models import Snapshot
from app.core.codes.relaytext import relay_address_from_text
from app.core.errors import PeerupError
from app.core.status import Settings, SettingsUpdate
from app.gui import autostart
from app.gui.bridge import Bridge
from app.gui.i18n import choose_language, preferred_language
from app.gui.models.relays import Column, RelaysModel, relay_label
from app.gui.notifications import Notifications, kind_label
from app.gui.notify import Kind
from app.gui.tasks import TaskSet
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.table import rows_table

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

WIDTH = 680  # pixels, the dialog's width at first

LANGUAGES: tuple[tuple[str | None, str], ...] = (
    (None, ""),  # the system's: its label is translated (see _retranslate)
    # Language names are written in their own language, so that anyone finds theirs.
    ("en", "English"),
    ("de", "Deutsch"),
)


def _hint() -> QLabel:
    """A word-wrapped line of explanation under a setting, in the quieter colour."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _home_relative(path: Path) -> str:
    """``path`` with the home folder written ``~``, as people know it."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _with_hint(field: QWidget | QLayout, hint: QLabel, *, under_text: bool = False) -> QVBoxLayout:
    """A setting and its hint close together; ``under_text``: the hint lines up with the text of
    a check box rather than with its box."""
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    if isinstance(field, QWidget):
        column.addWidget(field)
    else:
        column.addLayout(field)
    if under_text:
        style = hint.style()
        indent = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + style.pixelMetric(
            QStyle.PixelMetric.PM_CheckBoxLabelSpacing
        )
        hint.setContentsMargins(indent, 0, 0, 0)
    column.addWidget(hint)
    return column


def _no_default(*buttons: QPushButton) -> None:
    # Enter in a text field applies that field; no button of the dialog may take it over.
    for button in buttons:
        button.setAutoDefault(False)
        button.setDefault(False)


class PreferencesDialog(QDialog):
    """The preferences: General, Relays, Network and Notifications tabs; non-modal, one per tray.

    Attributes:
        banner: Errors and results, above the tabs.
        tabs: The four tabs.
        relays: The relays table's model.

    Signals:
        busy_changed(bool): A request to the daemon started (True) or ended (False).
    """

    busy_changed = Signal(bool)

    def __init__(
        self, bridge: Bridge, notifications: Notifications, parent: QWidget | None = None
    ) -> None:
        """Build the dialog, following ``bridge`` (shown by the caller).

        Args:
            bridge: The link to the engine (its state, and a client for the requests).
            notifications: Whose per-kind switches the Notifications tab shows.
            parent: The Qt parent.
        """
        super().__init__(parent)
        self.setModal(False)
        self._bridge = bridge
        self._notifications = notifications
        self._tasks = TaskSet()
        self._busy = 0
        self._settings: Settings | None = None
        self._shown_name = ""  # what the fields showed last, to see the user's own edits
        self._shown_network = ""
        self._confirm: QMessageBox | None = None
        self._offline_notice = False  # the banner says the engine is not running

        self.banner = MessageBanner()
        self.tabs = QTabWidget()
        for page in (
            self._general_tab(),
            self._relays_tab(),
            self._network_tab(),
            self._notifications_tab(),
        ):
            self.tabs.addTab(page, "")

        self.applies = QLabel()
        self.applies.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        _no_default(self.close_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.applies, 1)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self._retranslate()
        # Wide enough for the relays' addresses and states on one line each; as tall as the
        # tallest tab needs at that width (the hints wrap).
        pages = [self.tabs.widget(i) for i in range(self.tabs.count())]
        chrome = self.sizeHint().height() - self.tabs.currentWidget().sizeHint().height()
        tallest = max(page.heightForWidth(WIDTH - 40) for page in pages if page is not None)
        self.resize(WIDTH, max(tallest + chrome, self.minimumSizeHint().height()))
        bridge.state_changed.connect(self.show_state)
        self.show_state(bridge.state)

    # ---- building ----------------------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        page = QWidget()
        self.name_label = QLabel()
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(64)
        self.name_label.setBuddy(self.name_edit)
        self.name_apply = QPushButton()
        _no_default(self.name_apply)
        self.name_edit.textChanged.connect(self._update_buttons)
        self.name_edit.returnPressed.connect(self.apply_name)
        self.name_apply.clicked.connect(self.apply_name)
        self.name_hint = _hint()

        self.language_label = QLabel()
        self.language = QComboBox()
        for code, label in LANGUAGES:
            self.language.addItem(label, code)
        self.language_label.setBuddy(self.language)
        self.language.activated.connect(self._on_language)
        self.language_hint = _hint()

        self.autostart = QCheckBox()
        self.autostart.setChecked(autostart.is_enabled())
        self.autostart.clicked.connect(self._on_autostart)
        self.autostart_hint = _hint()

        name_row = QHBoxLayout()
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.name_apply)
        form = QFormLayout(page)
        form.setVerticalSpacing(12)
        form.addRow(self.name_label, _with_hint(name_row, self.name_hint))
        form.addRow(self.language_label, _with_hint(self.language, self.language_hint))
        form.addRow("", _with_hint(self.autostart, self.autostart_hint, under_text=True))
        return page

    def _relays_tab(self) -> QWidget:
        self.relays_page = QWidget()
        self.relays = RelaysModel(self)
        self.relays_table = rows_table(self.relays, Column.STATE)
        self.relays_table.setWordWrap(False)
        header = self.relays_table.horizontalHeader()
        # Room for four relays (most people have one or two); it grows with the window.
        rows = self.relays_table.verticalHeader().defaultSectionSize()
        self.relays_table.setMinimumHeight(header.sizeHint().height() + 4 * rows + 4)
        self.relays_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.relays_table.selectionModel().selectionChanged.connect(self._update_buttons)
        remove_key = QAction(self.relays_table)
        remove_key.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.triggered.connect(self.remove_selected_relay)
        self.relays_table.addAction(remove_key)
        self.relays_empty = QLabel()
        self.relays_empty.setWordWrap(True)
        self.remove_relay_button = QPushButton()
        self.remove_relay_button.clicked.connect(self.remove_selected_relay)
        self.relay_label = QLabel()
        self.relay_edit = QLineEdit()
        self.relay_label.setBuddy(self.relay_edit)
        self.relay_edit.setClearButtonEnabled(True)
        self.relay_edit.textChanged.connect(self._update_buttons)
        self.relay_edit.returnPressed.connect(self.add_relay)
        self.add_relay_button = QPushButton()
        self.add_relay_button.clicked.connect(self.add_relay)
        self.relays_hint = _hint()
        _no_default(self.remove_relay_button, self.add_relay_button)

        table_row = QHBoxLayout()
        table_row.addWidget(self.relays_table, 1)
        side = QVBoxLayout()
        side.addWidget(self.remove_relay_button)
        side.addStretch(1)
        table_row.addLayout(side)
        add_row = QHBoxLayout()
        add_row.addWidget(self.relay_label)
        add_row.addWidget(self.relay_edit, 1)
        add_row.addWidget(self.add_relay_button)
        layout = QVBoxLayout(self.relays_page)
        layout.addWidget(self.relays_hint)
        layout.addLayout(table_row, 1)
        layout.addWidget(self.relays_empty)
        layout.addLayout(add_row)
        return self.relays_page

    def _network_tab(self) -> QWidget:
        self.network_page = QWidget()
        self.network_label = QLabel()
        self.network_edit = QLineEdit()
        self.network_edit.setMaxLength(63)
        self.network_label.setBuddy(self.network_edit)
        self.network_apply = QPushButton()
        _no_default(self.network_apply)
        self.network_edit.textChanged.connect(self._update_buttons)
        self.network_edit.returnPressed.connect(self.apply_network)
        self.network_apply.clicked.connect(self.apply_network)
        self.network_hint = _hint()
        self.mdns = QCheckBox()
        self.mdns_hint = _hint()
        self.port_mapping = QCheckBox()
        self.port_mapping_hint = _hint()
        self.hole_punching = QCheckBox()
        self.hole_punching_hint = _hint()
        self.mdns.clicked.connect(lambda on: self._update_setting(SettingsUpdate(mdns=on)))
        self.port_mapping.clicked.connect(
            lambda on: self._update_setting(SettingsUpdate(port_mapping=on))
        )
        self.hole_punching.clicked.connect(
            lambda on: self._update_setting(SettingsUpdate(hole_punching=on))
        )

        network_row = QHBoxLayout()
        network_row.addWidget(self.network_edit, 1)
        network_row.addWidget(self.network_apply)
        form = QFormLayout(self.network_page)
        form.setVerticalSpacing(12)
        form.addRow(self.network_label, _with_hint(network_row, self.network_hint))
        for box, hint in (
            (self.mdns, self.mdns_hint),
            (self.port_mapping, self.port_mapping_hint),
            (self.hole_punching, self.hole_punching_hint),
        ):
            form.addRow(_with_hint(box, hint, under_text=True))
        return self.network_page

    def _notifications_tab(self) -> QWidget:
        page = QWidget()
        self.notify_intro = QLabel()
        self.notify_intro.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.notify_intro)
        self.notify_boxes: dict[Kind, QCheckBox] = {}
        for kind in Kind:
            box = QCheckBox()
            box.setChecked(self._notifications.enabled(kind))
            box.clicked.connect(lambda on, k=kind: self._notifications.set_enabled(k, on))
            self.notify_boxes[kind] = box
            layout.addWidget(box)
        layout.addStretch(1)
        return page

    # ---- texts -------------------------------------------------------------------------------

    def _retranslate(self) -> None:
        """Set every fixed text in the current language (at start, and on a language change)."""
        self.setWindowTitle(translate("Preferences", "peer-up Preferences"))
        self.setAccessibleName(translate("Preferences", "peer-up Preferences"))
        self.tabs.setAccessibleName(translate("Preferences", "Preference pages"))
        self.tabs.setTabText(0, translate("Preferences", "&General"))
        self.tabs.setTabText(1, translate("Preferences", "&Relays"))
        self.tabs.setTabText(2, translate("Preferences", "Ne&twork"))
        self.tabs.setTabText(3, translate("Preferences", "Noti&fications"))
        self.applies.setText(
            translate("Preferences", "Changes apply at once; there is nothing to save.")
        )
        self.close_button.setText(translate("Preferences", "Close"))

        self.name_label.setText(translate("Preferences", "Device &name:"))
        self.name_edit.setAccessibleName(translate("Preferences", "This device's name"))
        self.name_apply.setText(translate("Preferences", "&Apply"))
        self.name_apply.setAccessibleName(translate("Preferences", "Apply the device name"))
        self.name_hint.setText(
            translate(
                "Preferences",
                "What other devices see when you pair with them. Press Enter or Apply.",
            )
        )
        self.language_label.setText(translate("Preferences", "&Language:"))
        self.language.setItemText(0, translate("Preferences", "System language"))
        self.language.setAccessibleName(translate("Preferences", "The language of peer-up"))
        self.language_hint.setText(
            translate("Preferences", "The tray menu and the open windows switch at once.")
        )
        self.autostart.setText(translate("Preferences", "&Start peer-up when you log in"))
        self.autostart_hint.setText(
            translate(
                "Preferences",
                "Adds peer-up to your desktop's startup programs (%1).",
            ).replace("%1", _home_relative(autostart.autostart_file().parent))
        )

        self.relays_table.setAccessibleName(translate("Preferences", "Relays"))
        self.relays_hint.setText(
            translate(
                "Preferences",
                "A relay lets your devices reach this one from outside your network. This "
                "device keeps a reservation on each.",
            )
        )
        self.relays_empty.setText(
            translate(
                "Preferences",
                "No relays. On one LAN you need none; to reach this device from outside, add one.",
            )
        )
        self.remove_relay_button.setText(translate("Preferences", "Remo&ve…"))
        self.remove_relay_button.setAccessibleName(
            translate("Preferences", "Remove the selected relay")
        )
        self.relay_label.setText(translate("Preferences", "Add a relay &address:"))
        self.relay_edit.setPlaceholderText(
            translate("Preferences", "/ip4/…/tcp/7777/p2p/12D3KooW… or text from the relay")
        )
        self.relay_edit.setAccessibleName(translate("Preferences", "The new relay's address"))
        self.relay_edit.setToolTip(
            translate(
                "Preferences",
                "The relay's address, as peerup relay info on the relay prints it (or its QR "
                "code holds). You may paste the whole output, a peerup relay add line, or a "
                "pairing code from peerup relay pair.",
            )
        )
        self.add_relay_button.setText(translate("Preferences", "A&dd"))
        self.add_relay_button.setAccessibleName(translate("Preferences", "Add the relay"))

        self.network_label.setText(translate("Preferences", "Private &network:"))
        self.network_edit.setPlaceholderText(translate("Preferences", "empty: the global network"))
        self.network_edit.setAccessibleName(translate("Preferences", "Private network name"))
        self.network_apply.setText(translate("Preferences", "A&pply"))
        self.network_apply.setAccessibleName(
            translate("Preferences", "Apply the private network name")
        )
        self.network_hint.setText(
            translate(
                "Preferences",
                "Devices look each other up only among those with the same network name. "
                "Leave it empty to use the global network.",
            )
        )
        self.mdns.setText(translate("Preferences", "&LAN discovery (mDNS)"))
        self.mdns_hint.setText(
            translate(
                "Preferences",
                "Finds your devices on this network without a relay; announces this "
                "device's peer ID on the network.",
            )
        )
        self.port_mapping.setText(translate("Preferences", "Port &mapping (UPnP / NAT-PMP)"))
        self.port_mapping_hint.setText(
            translate(
                "Preferences",
                "Asks your router to forward a port to peer-up, which can make this device "
                "directly reachable.",
            )
        )
        self.hole_punching.setText(translate("Preferences", "&Hole punching"))
        self.hole_punching_hint.setText(
            translate(
                "Preferences",
                "Turns a relayed connection into a direct one when both sides' routers allow it.",
            )
        )

        self.notify_intro.setText(translate("Preferences", "Show a desktop notification when:"))
        for kind, box in self.notify_boxes.items():
            box.setText(kind_label(kind))
        self._select_language()

    def changeEvent(self, event: QEvent) -> None:
        """On a language change, show every text in the new language at once."""
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.relays.retranslate()
            self.show_state(self._bridge.state)
        super().changeEvent(event)

    # ---- following the state -----------------------------------------------------------------

    def show_state(self, state: Snapshot | None) -> None:
        """Show ``state`` (None: not connected to the engine; its settings cannot change)."""
        online = state is not None
        for widget in (self.relays_page, self.network_page, self.name_edit):
            widget.setEnabled(online)
        if state is None:
            self._settings = None
            self.relays.replace_rows(())
            self.relays_empty.hide()
            if self.banner.kind != "error":
                self._offline_notice = True
                self.banner.show_info(
                    translate(
                        "Preferences",
                        "peer-up's engine is not running: the device name and the network "
                        "settings can be changed once it runs.",
                    )
                )
            self._update_buttons()
            return
        if self._offline_notice:
            self._offline_notice = False
            if self.banner.kind == "info":
                self.banner.clear_message()
        self._show_settings(state.settings)
        self.relays.replace_rows(state.status.relays)
        self.relays_empty.setVisible(not state.status.relays)
        self._update_buttons()

    def _show_settings(self, settings: Settings) -> None:
        self._settings = settings
        # A field the user is editing keeps the user's text; one left as shown follows.
        if self.name_edit.text() == self._shown_name:
            self.name_edit.setText(settings.device_name)
        self._shown_name = settings.device_name
        network = settings.network or ""
        if self.network_edit.text() == self._shown_network:
            self.network_edit.setText(network)
        self._shown_network = network
        self.mdns.setChecked(settings.mdns)
        self.port_mapping.setChecked(settings.port_mapping)
        self.hole_punching.setChecked(settings.hole_punching)

    def _update_buttons(self, *_: object) -> None:
        settings = self._settings
        idle = not self._busy
        name = self.name_edit.text().strip()
        self.name_apply.setEnabled(
            idle and settings is not None and bool(name) and name != settings.device_name
        )
        network = self.network_edit.text().strip()
        self.network_apply.setEnabled(
            idle and settings is not None and network != (settings.network or "")
        )
        self.add_relay_button.setEnabled(
            idle and settings is not None and bool(self.relay_edit.text().strip())
        )
        self.remove_relay_button.setEnabled(idle and self.selected_relay() is not None)
        for box in (self.mdns, self.port_mapping, self.hole_punching):
            box.setEnabled(idle and settings is not None)

    def selected_relay(self) -> str | None:
        """The address of the relay selected in the table, if any."""
        rows = self.relays_table.selectionModel().selectedRows()
        return self.relays.row(rows[0].row()).address if rows else None

    # ---- general -----------------------------------------------------------------------------

    def apply_name(self) -> None:
        """Give this device the name in the field (Enter or Apply)."""
        name = self.name_edit.text().strip()
        if not self.name_apply.isEnabled() or not name:
            return
        self._update_setting(SettingsUpdate(device_name=name))

    def _on_language(self, index: int) -> None:
        code = self.language.itemData(index)
        choose_language(code if isinstance(code, str) else None)
        # The dialog, the tray menu and the open windows follow Qt's LanguageChange event.

    def _select_language(self) -> None:
        index = self.language.findData(preferred_language())
        self.language.setCurrentIndex(max(index, 0))

    def _on_autostart(self, on: bool) -> None:
        try:
            if on:
                autostart.enable(autostart.tray_command(self._bridge.config_path))
            else:
                autostart.disable()
        except OSError as exc:
            self.banner.show_error("autostart-failed", f"{autostart.autostart_file()}: {exc}")
        else:
            self.banner.clear_message()
        self.autostart.setChecked(autostart.is_enabled())

    # ---- network -----------------------------------------------------------------------------

    def apply_network(self) -> None:
        """Join the private network in the field; empty: the global one (Enter or Apply)."""
        if not self.network_apply.isEnabled():
            return
        network = self.network_edit.text().strip()
        if network:
            self._update_setting(SettingsUpdate(network=network))
        else:
            self._update_setting(SettingsUpdate(clear_network=True))

    def _update_setting(self, change: SettingsUpdate) -> None:
        async def update(client: LocalClient) -> None:
            settings = await client.update_settings(change)
            self._show_settings(settings)

        self._run(update)

    def add_relay(self) -> None:
        """Add the relay whose address (or some text holding it) is in the field."""
        text = self.relay_edit.text()
        if not text.strip() or not self.add_relay_button.isEnabled():
            return
        try:
            address = relay_address_from_text(text)
        except PeerupError as exc:
            self.banner.show_error(exc.code, exc.message, exc.hint)
            return

        async def add(client: LocalClient) -> None:
            await client.add_relay(address)
            self.relay_edit.clear()
            self.banner.show_info(
                translate(
                    "Preferences",
                    "Added the relay %1. This device asks it for a reservation now; the list "
                    "shows how that goes.",
                ).replace("%1", relay_label(address))
            )

        self._run(add)

    def remove_selected_relay(self) -> None:
        """Ask, then stop using the selected relay."""
        address = self.selected_relay()
        if address is None or self._busy:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(translate("Preferences", "Remove relay"))
        box.setText(
            translate(
                "Preferences",
                "Stop using the relay %1? Devices outside your network may no longer reach "
                "this one.",
            ).replace("%1", relay_label(address))
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName(translate("Preferences", "Remove relay"))

        def answered(button: int) -> None:
            self._confirm = None
            box.deleteLater()
            if button == QMessageBox.StandardButton.Yes:
                self._run(remove)

        async def remove(client: LocalClient) -> None:
            await client.remove_relay(address)
            self.banner.show_info(
                translate("Preferences", "Removed the relay %1.").replace(
                    "%1", relay_label(address)
                )
            )

        box.finished.connect(answered)
        self._confirm = box
        box.open()

    # ---- requests ----------------------------------------------------------------------------

    def _run(self, request: Callable[[LocalClient], Awaitable[None]]) -> None:
        """Run one request to the daemon; its error goes to the banner, the view to the state."""

        async def run() -> None:
            self._set_busy(+1)
            try:
                async with self._bridge.client() as client:
                    await request(client)
            except ApiError as exc:
                self.banner.show_api_error(exc)
                if self._settings is not None:
                    self._show_settings(self._settings)  # the switches as the engine has them
            else:
                if self.banner.kind == "error":
                    self.banner.clear_message()
            finally:
                self._set_busy(-1)

        self._tasks.spawn(run())

    def _set_busy(self, step: int) -> None:
        self._busy += step
        self._update_buttons()
        self.busy_changed.emit(bool(self._busy))

    async def close_actions(self) -> None:
        """Cancel the requests still running (on Quit)."""
        if self._confirm is not None:
            self._confirm.reject()
        await self._tasks.cancel_all()
