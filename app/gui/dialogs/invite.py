"""The invite wizard (tray ▸ Invite a device…): a one-time code for another device, then the emoji.

Page 1 names the other device, picks how long the code stays valid and whether to offer a short
code on this network. Page 2 opens the invite: ``POST invite`` is a long request whose stream
brings the code first (shown as a large QR code of its ``peerup://join/`` link, as text and as
the link, with the short code on a LAN), then each attempt, until someone joins or the code
burns, expires or is cancelled. Page 3 is :class:`~app.gui.dialogs.confirm.ConfirmStep`: compare
the emoji, confirm.

The invite lives as long as its request: the request runs as a task of this dialog, and closing
the dialog (Cancel, Escape, the window's close button) cancels it, which closes the stream, and
the daemon cancels the invite: the code stops working. The countdown is a 1 s timer that reads
only the expiry the stream gave; everything else comes from the stream.
"""

from __future__ import annotations

import contextlib
import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.api.client import LocalClient
from app.api.errors import ApiError
from app.core.pairing.invite import InviteProgress
from app.core.status import KEY_CHANGED
from app.gui.bridge import Bridge
from app.gui.dialogs.confirm import ConfirmStep, heading, wrapped
from app.gui.tasks import TaskSet
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.pages import PageStack, fit_to_contents, width_strut
from app.gui.widgets.qr import QrWidget

MIN_WIDTH = 560  # pixels: room for the texts without wrapping every few words

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

CODE_GROUPS_PER_LINE = 6
QR_SIDE = 288  # pixels: a phone's camera reads a ~230-character link from across a desk


def expiry_choices() -> list[tuple[int, str]]:
    """How long a code may stay valid: seconds and the words for them."""
    return [
        (600, translate("InviteDialog", "10 minutes")),
        (3600, translate("InviteDialog", "1 hour")),
        (86400, translate("InviteDialog", "24 hours")),
    ]


def countdown_text(seconds: float) -> str:
    """``M:SS`` (or ``H:MM:SS`` from an hour on) of a time left."""
    left = max(0, int(seconds))
    hours, rest = divmod(left, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def code_lines(code: str, groups: int = CODE_GROUPS_PER_LINE) -> str:
    """``code`` in lines of ``groups`` dash-separated groups (each line but the last ends in its
    dash), so it reads like the terminal's and the dialog's width does not depend on wrapping."""
    parts = code.split("-")
    lines = ["-".join(parts[i : i + groups]) for i in range(0, len(parts), groups)]
    return "-\n".join(lines)


def _monospace(widget: QWidget) -> None:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(QFont(widget.font()).pointSizeF())
    widget.setFont(font)


class InviteDialog(QDialog):
    """Invite another device: name it, show its code, compare the emoji.

    Attributes:
        peer_name: The name to give the other device (optional).
        expiry: How long the code stays valid.
        lan: Also offer a short code on this network.
        qr: The QR code of the link.
        code: The code (empty until it came).
        code_text: The code, shown in lines of a few groups.
        link: The ``peerup://join/…`` link.
        short_code: The short ``7-word-word-word`` code (on a LAN).
        countdown: Time left.
        status: What the invite is waiting for, or how it ended.
        banner: Errors, failed attempts and end states.
        confirm: The emoji page.
        ended: The invite ended without a join (burned, expired, cancelled, failed).

    Signals:
        show_peers_requested(): "Show peers" was chosen.
    """

    show_peers_requested = Signal()

    SETUP, CODE, CONFIRM = range(3)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        """Create the wizard on its first page (shown by the caller)."""
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = TaskSet()
        self._expires_at = 0.0
        self._peer_id = ""
        self._name = ""
        self._stored_name = ""
        self.ended = False
        self.setWindowTitle(translate("InviteDialog", "Invite a device"))
        self.setAccessibleName(translate("InviteDialog", "Invite a device"))
        self.banner = MessageBanner()
        self.pages = PageStack()
        self.pages.add_page(self._setup_page())
        self.pages.add_page(self._code_page())
        self.confirm = ConfirmStep(bridge, self._tasks)
        self.confirm.answered.connect(self._on_answered)
        self.confirm.show_peers_requested.connect(self.show_peers_requested.emit)
        self.pages.add_page(self.confirm)

        self.new_button = QPushButton(translate("InviteDialog", "&New invite"))
        self.new_button.clicked.connect(self._restart)
        self.close_button = QPushButton(translate("InviteDialog", "Cancel"))
        self.close_button.clicked.connect(self.reject)
        self.create_button = QPushButton(translate("InviteDialog", "C&reate code"))
        self.create_button.clicked.connect(self.create_invite)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.create_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        layout.addItem(width_strut(MIN_WIDTH))

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._show_page(self.SETUP)

    # ---- pages -------------------------------------------------------------------------------

    def _setup_page(self) -> QWidget:
        page = QWidget()
        self.peer_name = QLineEdit()
        self.peer_name.setMaxLength(64)
        self.peer_name.setPlaceholderText(translate("InviteDialog", "e.g. phone (optional)"))
        self.peer_name.setAccessibleName(translate("InviteDialog", "Name for the other device"))
        self.expiry = QComboBox()
        for seconds, text in expiry_choices():
            self.expiry.addItem(text, seconds)
        self.expiry.setAccessibleName(translate("InviteDialog", "How long the code is valid"))
        self.lan = QCheckBox(translate("InviteDialog", "Also offer a &short code on this network"))
        lan_note = wrapped(
            translate(
                "InviteDialog",
                "A short code such as 7-guidance-aftermath-crumpled is easy to type, but it "
                "announces this device on the local network while the invite is open.",
            )
        )
        lan_note.setEnabled(False)
        name_label = QLabel(translate("InviteDialog", "&Name for the other device:"))
        name_label.setBuddy(self.peer_name)
        expiry_label = QLabel(translate("InviteDialog", "Code &valid for:"))
        expiry_label.setBuddy(self.expiry)
        form = QGridLayout()  # not a QFormLayout: it leaves gaps around word-wrapped rows
        form.addWidget(name_label, 0, 0)
        form.addWidget(self.peer_name, 0, 1)
        form.addWidget(expiry_label, 1, 0)
        form.addWidget(self.expiry, 1, 1)
        form.addWidget(self.lan, 2, 1)
        form.addWidget(lan_note, 3, 1)
        form.setColumnStretch(1, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(translate("InviteDialog", "Invite a device")))
        layout.addWidget(
            wrapped(
                translate(
                    "InviteDialog",
                    "This makes a one-time code for the other device. It works once, for a "
                    "limited time; whoever has it can try it three times, so share it only with "
                    "the other device. Both screens then show the same four emoji.",
                )
            )
        )
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _code_page(self) -> QWidget:
        page = QWidget()
        self.qr = QrWidget()
        self.qr.setFixedSize(QR_SIDE, QR_SIDE)
        self.qr.setAccessibleName(translate("InviteDialog", "QR code of the invite link"))
        self.code = ""
        self.code_text = QLabel()
        self.code_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _monospace(self.code_text)
        self.code_text.setAccessibleName(translate("InviteDialog", "Invite code"))
        self.copy_code = QPushButton(translate("InviteDialog", "&Copy code"))
        self.copy_code.clicked.connect(lambda: self._copy(self.code))
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName(translate("InviteDialog", "Invite link"))
        self.copy_link = QPushButton(translate("InviteDialog", "Copy &link"))
        self.copy_link.clicked.connect(lambda: self._copy(self.link.text()))
        self.short_label = QLabel(translate("InviteDialog", "On this network, the short code:"))
        self.short_code = QLabel()
        short_font = QFont(self.short_code.font())
        short_font.setPointSizeF(short_font.pointSizeF() * 1.3)
        short_font.setBold(True)
        self.short_code.setFont(short_font)
        self.short_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.short_code.setAccessibleName(translate("InviteDialog", "Short code"))
        self.copy_short = QPushButton(translate("InviteDialog", "Copy s&hort code"))
        self.copy_short.clicked.connect(lambda: self._copy(self.short_code.text()))
        self.countdown = QLabel()
        self.countdown.setAccessibleName(translate("InviteDialog", "Time left"))
        self.status = QLabel()  # short texts; a wrapped label here would space the column out
        self.status.setAccessibleName(translate("InviteDialog", "Invite status"))
        self.copied = QLabel()
        self.how = wrapped(
            translate(
                "InviteDialog",
                "On the other device, scan the QR code or open the link, or paste the code "
                "into peer-up's “Join with a code…”. Closing this window cancels the invite: "
                "the code stops working.",
            )
        )

        grid = QGridLayout()
        grid.addWidget(self.code_text, 0, 0)
        grid.addWidget(self.copy_code, 0, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.link, 1, 0)
        grid.addWidget(self.copy_link, 1, 1)
        grid.addWidget(self.short_label, 2, 0, 1, 2)
        grid.addWidget(self.short_code, 3, 0)
        grid.addWidget(self.copy_short, 3, 1)
        grid.setColumnStretch(0, 1)
        details = QVBoxLayout()
        details.addLayout(grid)
        details.addWidget(self.countdown)
        details.addWidget(self.status)
        details.addWidget(self.copied)
        details.addStretch(1)
        # The QR code and the room beside it, hidden together when the invite has ended.
        self.qr_box = QWidget()
        qr_layout = QHBoxLayout(self.qr_box)
        qr_layout.setContentsMargins(0, 0, 12, 0)
        qr_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        body = QHBoxLayout()
        body.addWidget(self.qr_box, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(details, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._code_title = translate("InviteDialog", "Give this code to the other device")
        self.code_heading = heading(self._code_title)
        layout.addWidget(self.code_heading)
        layout.addLayout(body, 1)
        layout.addWidget(self.how)
        return page

    def _show_page(self, page: int) -> None:
        self.pages.show_page(page)
        self.create_button.setVisible(page == self.SETUP)
        self.create_button.setDefault(page == self.SETUP)
        self.new_button.setVisible(page == self.CODE and self.ended)
        if page == self.SETUP:
            self.close_button.setText(translate("InviteDialog", "Cancel"))
            self.peer_name.setFocus()
        elif page == self.CODE:
            self.close_button.setText(
                translate("InviteDialog", "Close")
                if self.ended
                else translate("InviteDialog", "Cancel invite")
            )
        fit_to_contents(self)

    # ---- the invite --------------------------------------------------------------------------

    def create_invite(self) -> None:
        """Open the invite with page 1's choices and show its code when it comes."""
        if self.pages.current_index() != self.SETUP:
            return
        self.banner.clear_message()
        self.ended = False
        self._name = self.peer_name.text().strip()
        for widget in self._code_widgets():
            widget.setVisible(True)
        self.code_heading.setText(self._code_title)
        self.qr.set_text("")
        self.code = ""
        self.code_text.setText("")
        self.link.setText("")
        self.copied.setText("")
        self._set_short("")
        self.countdown.setText("")
        self.status.setText(translate("InviteDialog", "Creating the code…"))
        self._show_page(self.CODE)
        ttl = float(self.expiry.currentData())
        self._tasks.spawn(self._run(ttl, self.lan.isChecked()))

    async def _run(self, ttl: float, lan: bool) -> None:
        try:
            async with (
                self._bridge.client() as client,
                contextlib.aclosing(client.invite(ttl=ttl, lan=lan)) as stream,
            ):
                async for progress in stream:
                    self.show_progress(progress)
                    if progress.kind == "joined":
                        await self._rename(client)
                    if progress.final:
                        return
        except ApiError as exc:
            self._end(exc.code, exc.message, exc.hint)
            return
        if not self.ended and self.pages.current_index() == self.CODE:  # ended without a word
            self._end(
                "connection-lost", translate("InviteDialog", "The invite ended unexpectedly.")
            )

    async def _rename(self, client: LocalClient) -> None:
        """Give the new peer the name chosen on page 1 (if any, and if it differs)."""
        if not self._name or self._name == self._stored_name or not self._peer_id:
            return
        try:
            entry = await client.rename_peer(self._peer_id, self._name)
        except ApiError as exc:
            self.confirm.banner.show_api_error(exc)
            return
        self._stored_name = entry.name or self._name
        self.confirm.rename(self._stored_name)
        self.confirm.intro.setText(self._joined_text())

    def show_progress(self, progress: InviteProgress) -> None:
        """Show one line of the invite's stream."""
        kind = progress.kind
        if kind == "code":
            self._show_code(progress)
        elif kind == "attempt":
            self.status.setText(translate("InviteDialog", "Someone is joining: checking the code…"))
        elif kind == "attempt-failed":
            self.status.setText(translate("InviteDialog", "Waiting for the other device…"))
            self.banner.show_warning(
                translate(
                    "InviteDialog",
                    "A join attempt failed: a wrong code? %n attempt(s) left before the code "
                    "burns.",
                    None,
                    progress.attempts_left,
                )
            )
        elif kind in ("burned", "expired", "cancelled"):
            self._end(f"invite-{kind}")  # error_texts() says it by the code
        elif kind == "joined":
            self._show_joined(progress)

    def _show_code(self, progress: InviteProgress) -> None:
        self._show_page(self.CODE)
        self.qr.set_text(progress.link or progress.code or "")
        self.code = progress.code or ""
        self.code_text.setText(code_lines(self.code))
        self.link.setText(progress.link or "")
        self.link.setCursorPosition(0)
        self._set_short(progress.short_code or "")
        if self.lan.isChecked() and not progress.short_code:
            self.short_label.setText(
                translate(
                    "InviteDialog", "No short code: this device cannot announce it on this network."
                )
            )
            self.short_label.show()
        self._expires_at = float(progress.expires_at or 0)
        self._tick()
        self._ticker.start()
        self.status.setText(translate("InviteDialog", "Waiting for the other device…"))
        self.copy_code.setFocus()

    def _set_short(self, text: str) -> None:
        self.short_code.setText(text)
        self.short_label.setText(translate("InviteDialog", "On this network, the short code:"))
        for widget in (self.short_label, self.short_code, self.copy_short):
            widget.setVisible(bool(text))

    def _tick(self) -> None:
        left = self._expires_at - time.time()
        self.countdown.setText(
            translate("InviteDialog", "Expires in %1").replace("%1", countdown_text(left))
        )
        if left <= 0:
            self._ticker.stop()

    def _end(self, code: str, message: str = "", hint: str | None = None) -> None:
        """The invite ended without a join (why: an error ``code``): the code is dead; offer a
        new one."""
        self.ended = True
        self._ticker.stop()
        for widget in self._code_widgets():
            widget.setVisible(False)
        self._set_short("")
        self.countdown.setText("")
        self.code_heading.setText(translate("InviteDialog", "The invite has ended"))
        self.status.setText(
            translate("InviteDialog", "This code no longer works. A new invite makes a new one.")
        )
        self.banner.show_error(code, message, hint)
        self._show_page(self.CODE)
        self.new_button.setFocus()

    def _code_widgets(self) -> tuple[QWidget, ...]:
        return (self.qr_box, self.code_text, self.link, self.copy_code, self.copy_link, self.how)

    def _show_joined(self, progress: InviteProgress) -> None:
        self._ticker.stop()
        self.banner.clear_message()
        self._peer_id = progress.peer_id or ""
        self._stored_name = progress.name or ""
        if progress.sas is None:  # the engine always sends one; no emoji, nothing to compare
            self.status.setText(self._joined_text())
            return
        self.confirm.start(
            self._peer_id,
            progress.name,
            progress.sas,
            self._joined_text(),
            key_changed=progress.warning_code == KEY_CHANGED,
        )
        self._show_page(self.CONFIRM)
        self.close_button.setText(translate("InviteDialog", "Close"))

    def _joined_text(self) -> str:
        name = self._stored_name or self._peer_id
        return translate("InviteDialog", "“%1” joined.").replace("%1", name)

    def _on_answered(self, _verified: bool) -> None:
        self.close_button.setText(translate("InviteDialog", "&Done"))
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def _restart(self) -> None:
        self.banner.clear_message()
        self.ended = False
        self._show_page(self.SETUP)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.setText(translate("InviteDialog", "Copied."))

    # ---- closing -----------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Qt: closing by any way cancels the invite (its request's task)."""
        self._ticker.stop()
        self._tasks.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Qt: the window's close button closes as Cancel does."""
        self._ticker.stop()
        self._tasks.cancel()
        super().closeEvent(event)

    async def close_actions(self) -> None:
        """Cancel the requests still running and wait until they have ended."""
        await self._tasks.cancel_all()
