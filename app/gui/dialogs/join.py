"""The join dialog (tray ▸ Join with a code…, or a ``peerup://join/…`` link opened anywhere).

One field takes everything :func:`app.core.codes.joincode.parse_join_code` reads: an invite code,
its ``peerup://join/`` link, a short ``7-word-word-word`` code (with completion of its words), or
a relay's pairing code. What the text is shows below it as it is typed. Join runs the request as a
task of this dialog (``POST join``, or ``POST pairing/join`` for a pairing code) and follows its
steps on the watch stream (``join-progress``); Cancel cancels the task, the request closes and
the daemon cancels the join. An invite ends on the emoji page
(:class:`~app.gui.dialogs.confirm.ConfirmStep`); a pairing code ends with the group's members the
relay introduced, with their verification state, kept current by the watch stream.
"""

from __future__ import annotations

import re

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QStringListModel,
    QSysInfo,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ApiError
from app.api.models import PairingJoinReply, Snapshot, WatchEvent
from app.core.codes.invitecode import InviteCode
from app.core.codes.joincode import JoinCode, parse_join_code
from app.core.codes.lancode import LanCode, code_words
from app.core.errors import InvalidCodeError
from app.core.pairing.invite import JoinResult
from app.core.status import KEY_CHANGED, JoinProgress, JoinStep, PeersIntroduced
from app.gui.bridge import Bridge
from app.gui.dialogs.confirm import ConfirmStep, heading, wrapped
from app.gui.models.peers import short_id
from app.gui.tasks import TaskSet
from app.gui.texts import error_text
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.pages import PageStack, fit_to_contents, width_strut

MIN_WIDTH = 560  # pixels: room for the texts without wrapping every few words

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

_SEPARATOR = re.compile(r"[-\s]+")
_SHORT_START = re.compile(r"^\s*\d{1,3}[-\s]")
STEPS = (JoinStep.CONNECTING, JoinStep.EXCHANGING_KEYS, JoinStep.CONFIRMING)


class WordCompleter(QObject):
    """Completes the words of a short code (``7-guidance-aftermath-crumpled``) in a line edit.

    The word list depends on the word's place (the PGP list alternates two lists), so the
    completer follows the cursor: after the number and each dash it offers the words that may
    stand there, and a chosen word replaces what was typed of it.

    Attributes:
        completer: The Qt completer (its popup shows the candidates).
    """

    def __init__(self, edit: QLineEdit) -> None:
        """Complete in ``edit``."""
        super().__init__(edit)
        self._edit = edit
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._insert)
        self._position = 0
        edit.textEdited.connect(self._update)
        popup = self.completer.popup()
        if popup is not None:
            popup.installEventFilter(self)  # after the completer's own: this one runs first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Qt: Tab in the list takes the word offered, as Enter does (not the next field)."""
        popup = self.completer.popup()
        if (
            watched is popup
            and popup is not None
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and popup.currentIndex().isValid()
        ):
            popup.hide()
            self._insert(str(popup.currentIndex().data()))
            return True
        return super().eventFilter(watched, event)

    def _word_at_cursor(self) -> tuple[int, str]:
        """The place (1-3) of the word being typed and what was typed of it; (0, "") if none."""
        before = self._edit.text()[: self._edit.cursorPosition()]
        if not _SHORT_START.match(before):
            return 0, ""
        parts = _SEPARATOR.split(before.lstrip())
        position = len(parts) - 1
        prefix = parts[-1]
        if not 1 <= position <= 3 or not prefix.isalpha():
            return 0, ""
        return position, prefix

    def _update(self, _text: str) -> None:
        position, prefix = self._word_at_cursor()
        if position == 0:
            self._hide_popup()
            return
        if position != self._position:
            self._model.setStringList(list(code_words(position)))
            self._position = position
        self.completer.setCompletionPrefix(prefix)
        exact = self.completer.currentCompletion().lower() == prefix.lower()
        if self.completer.completionCount() == 0 or (
            exact and self.completer.completionCount() == 1
        ):
            self._hide_popup()
            return
        self.completer.complete()
        popup = self.completer.popup()
        if popup is not None:  # the first word chosen: Enter or Tab takes it
            popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def _insert(self, word: str) -> None:
        position, prefix = self._word_at_cursor()
        if position == 0:
            return
        cursor = self._edit.cursorPosition()
        text = self._edit.text()
        start = cursor - len(prefix)
        tail = "-" if position < 3 and not text[cursor:].startswith(("-", " ")) else ""
        self._edit.setText(text[:start] + word + tail + text[cursor:])
        self._edit.setCursorPosition(start + len(word) + len(tail))
        self._edit.textEdited.emit(self._edit.text())


def describe_code(code: JoinCode) -> str:
    """What a parsed code is, in words (shown under the field)."""
    if isinstance(code, LanCode):
        return translate(
            "JoinDialog",
            "A short code: peer-up looks for the inviting device (number %1) on this network.",
        ).replace("%1", str(code.nameplate))
    if isinstance(code, InviteCode):
        return translate("JoinDialog", "An invite code from the device %1.").replace(
            "%1", short_id(str(code.inviter))
        )
    return translate(
        "JoinDialog", "A relay pairing code: join a group on the relay %1 and meet its members."
    ).replace("%1", short_id(str(code.relay_peer_id)))


def step_texts(pairing: bool) -> dict[JoinStep, str]:
    """The steps of a join (or of a relay pairing join), in words."""
    if pairing:
        return {
            JoinStep.CONNECTING: translate("JoinDialog", "Reaching the relay"),
            JoinStep.EXCHANGING_KEYS: translate("JoinDialog", "Presenting the code to the relay"),
            JoinStep.CONFIRMING: translate("JoinDialog", "Checking the group's members"),
        }
    return {
        JoinStep.CONNECTING: translate("JoinDialog", "Reaching the other device"),
        JoinStep.EXCHANGING_KEYS: translate("JoinDialog", "Exchanging keys (checking the code)"),
        JoinStep.CONFIRMING: translate("JoinDialog", "Confirming the keys and exchanging names"),
    }


class JoinDialog(QDialog):
    """Join another device (or a relay's group) with a code.

    Attributes:
        code: The code, link or short code.
        kind: What the text in ``code`` is, or what is wrong with it.
        device_name: The name the other side will know this device by (optional).
        banner: Errors (by code) and cancellations.
        steps: One label per step of the join.
        confirm: The emoji page (invites).
        members: The group's members (relay pairing).
        join_id: The ``join-progress`` ID of the running join, once seen.

    Signals:
        show_peers_requested(): "Show peers" was chosen.
    """

    show_peers_requested = Signal()

    ENTER, PROGRESS, CONFIRM, MEMBERS = range(4)

    def __init__(self, bridge: Bridge, text: str = "", parent: QWidget | None = None) -> None:
        """Create the dialog with ``text`` in the field (shown by the caller)."""
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = TaskSet()
        self._parsed: JoinCode | None = None
        self._expected_peer: str | None = None
        self._via = ""
        self._reason: str | None = None
        self._failure: ApiError | None = None
        self._group: PairingJoinReply | None = None
        self._introduced: dict[str, str] = {}
        self.join_id: str | None = None
        self.setWindowTitle(translate("JoinDialog", "Join with a code"))
        self.setAccessibleName(translate("JoinDialog", "Join with a code"))
        self.banner = MessageBanner()
        self.pages = PageStack()
        self.pages.add_page(self._enter_page())
        self.pages.add_page(self._progress_page())
        self.confirm = ConfirmStep(bridge, self._tasks)
        self.confirm.answered.connect(self._on_answered)
        self.confirm.show_peers_requested.connect(self.show_peers_requested.emit)
        self.pages.add_page(self.confirm)
        self.pages.add_page(self._members_page())

        self.close_button = QPushButton(translate("JoinDialog", "Cancel"))
        self.close_button.clicked.connect(self._on_close_button)
        self.join_button = QPushButton(translate("JoinDialog", "&Join"))
        self.join_button.clicked.connect(self.join)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.join_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        layout.addItem(width_strut(MIN_WIDTH))

        bridge.event_received.connect(self._on_event)
        bridge.state_changed.connect(self._on_state)
        self.set_text(text)
        self._show_page(self.ENTER)

    # ---- pages -------------------------------------------------------------------------------

    def _enter_page(self) -> QWidget:
        page = QWidget()
        self.code = QLineEdit()
        self.code.setMaxLength(4096)
        self.code.setMinimumWidth(420)
        self.code.setPlaceholderText(
            translate("JoinDialog", "AMAX-E7OV-…, peerup://join/… or 7-word-word-word")
        )
        self.code.setAccessibleName(translate("JoinDialog", "Code or link"))
        self.code.textChanged.connect(self._on_text)
        self.words = WordCompleter(self.code)
        self.kind = wrapped()
        self.kind.setAccessibleName(translate("JoinDialog", "What the code is"))
        self.device_name = QLineEdit()
        self.device_name.setMaxLength(64)
        self.device_name.setPlaceholderText(QSysInfo.machineHostName().split(".")[0])
        self.device_name.setAccessibleName(translate("JoinDialog", "Name this device as"))
        code_label = QLabel(translate("JoinDialog", "&Code or link:"))
        code_label.setBuddy(self.code)
        name_label = QLabel(translate("JoinDialog", "&Name this device as:"))
        name_label.setBuddy(self.device_name)
        form = QGridLayout()  # not a QFormLayout: it leaves gaps around word-wrapped rows
        form.addWidget(code_label, 0, 0)
        form.addWidget(self.code, 0, 1)
        form.addWidget(self.kind, 1, 1)
        form.addWidget(name_label, 2, 0)
        form.addWidget(self.device_name, 2, 1)
        form.setColumnStretch(1, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(translate("JoinDialog", "Join with a code")))
        layout.addWidget(
            wrapped(
                translate(
                    "JoinDialog",
                    "Paste the code (or the link) the other device shows, or type its short "
                    "code. A relay's pairing code works here too.",
                )
            )
        )
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_title = heading(translate("JoinDialog", "Joining…"))
        self.steps: dict[JoinStep, QLabel] = {step: QLabel() for step in STEPS}
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: a step's length is unknown
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(translate("JoinDialog", "Joining"))
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress_what = wrapped()
        layout.addWidget(self.progress_title)
        layout.addWidget(self.progress_what)
        for label in self.steps.values():
            layout.addWidget(label)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        return page

    def _members_page(self) -> QWidget:
        page = QWidget()
        self.group_title = heading(translate("JoinDialog", "You joined the group"))
        self.group_text = wrapped()
        self.members = QTreeWidget()
        self.members.setRootIsDecorated(False)
        self.members.setHeaderLabels(
            [
                translate("JoinDialog", "Member"),
                translate("JoinDialog", "Peer ID"),
                translate("JoinDialog", "Verified"),
            ]
        )
        self.members.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.members.header().setStretchLastSection(True)
        self.members.setAccessibleName(translate("JoinDialog", "Group members"))
        self.members_hint = wrapped(
            translate(
                "JoinDialog",
                "Members who join later are introduced too. Every member starts unverified: "
                "compare emoji with each of them (Verify… in the peers window).",
            )
        )
        self.members_peers = QPushButton(translate("JoinDialog", "Show &peers"))
        self.members_peers.clicked.connect(self.show_peers_requested.emit)
        row = QHBoxLayout()
        row.addWidget(self.members_peers)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.group_title)
        layout.addWidget(self.group_text)
        layout.addWidget(self.members)
        layout.addWidget(self.members_hint)
        layout.addLayout(row)
        return page

    def _show_page(self, page: int) -> None:
        self.pages.show_page(page)
        self.join_button.setVisible(page == self.ENTER)
        self.join_button.setDefault(page == self.ENTER)
        if page == self.ENTER:
            self.close_button.setText(translate("JoinDialog", "Cancel"))
            self.code.setFocus()
        elif page == self.PROGRESS:
            self.close_button.setText(translate("JoinDialog", "Cancel"))
            self.close_button.setFocus()
        elif page == self.MEMBERS:
            self.close_button.setText(translate("JoinDialog", "&Done"))
            self.close_button.setDefault(True)
            self.close_button.setFocus()
        else:
            self.close_button.setText(translate("JoinDialog", "Close"))
        fit_to_contents(self)

    # ---- the code ----------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Put ``text`` (a code or link) into the field, as a ``peerup://`` link opens it."""
        if self.pages.current_index() != self.ENTER:
            return  # a join is under way or done: a new link does not cut it off
        self.code.setText(text.strip())
        self.code.setCursorPosition(0)

    def _on_text(self, text: str) -> None:
        self._parsed = None
        if not text.strip():
            self.kind.setText("")
            self.kind.setStyleSheet("")
            self.join_button.setEnabled(False)
            return
        try:
            self._parsed = parse_join_code(text)
        except InvalidCodeError as exc:
            # The headline in the user's language; the parser's precise detail (English) after.
            detail = (
                exc.message[:1].upper() + exc.message[1:] + (f" ({exc.hint})" if exc.hint else "")
            )
            self.kind.setText(error_text(exc.code, exc.message) + " " + detail + ".")
            self.kind.setStyleSheet("color: #a61b1b;")
            self.join_button.setEnabled(False)
            return
        self.kind.setText(describe_code(self._parsed))
        self.kind.setStyleSheet("")
        self.join_button.setEnabled(True)

    # ---- the join ----------------------------------------------------------------------------

    def join(self) -> None:
        """Join with the code in the field."""
        code = self._parsed
        if code is None or self.pages.current_index() != self.ENTER:
            return
        pairing = not isinstance(code, InviteCode | LanCode)
        if isinstance(code, InviteCode):
            self._expected_peer = str(code.inviter)
        elif isinstance(code, LanCode):
            self._expected_peer = None
        else:
            self._expected_peer = str(code.relay_peer_id)
        self.show_steps(pairing)
        text, name = self.code.text(), self.device_name.text().strip()
        self._tasks.spawn(self._pair(text, name) if pairing else self._join(text, name))

    def show_steps(self, pairing: bool) -> None:
        """Show the progress page of a join (or a relay pairing join), at its first step."""
        self._via = "relay-pairing" if pairing else "invite"
        self.join_id = None
        self._reason = None
        self._failure = None
        self.banner.clear_message()
        self.progress_what.setText(describe_code(self._parsed) if self._parsed else "")
        texts = step_texts(pairing)
        for step in STEPS:
            mark = "▶ " if step is JoinStep.CONNECTING else "○ "
            self.steps[step].setText(mark + texts[step])
        self._show_page(self.PROGRESS)

    async def _join(self, text: str, name: str) -> None:
        try:
            async with self._bridge.client() as client:
                result = await client.join(text, name=name)
        except ApiError as exc:
            self._failed(exc)
            return
        self._show_confirm(result)

    async def _pair(self, text: str, name: str) -> None:
        try:
            async with self._bridge.client() as client:
                reply = await client.pairing_join(text, name=name)
        except ApiError as exc:
            self._failed(exc)
            return
        self.show_group(reply)

    def _on_event(self, item: WatchEvent) -> None:
        event = item.event
        if isinstance(event, JoinProgress) and event.via == self._via:
            self._on_step(event)
        elif (
            isinstance(event, PeersIntroduced)
            and self._group is not None
            and event.group_id == self._group.group_id
        ):
            for peer in event.peers:
                self._introduced[peer.peer_id] = peer.name
            self._fill_members()

    def _on_step(self, event: JoinProgress) -> None:
        if self.join_id is None:
            ours = self._expected_peer is None or event.peer_id == self._expected_peer
            joining = self.pages.current_index() == self.PROGRESS
            if event.step is not JoinStep.CONNECTING or not ours or not joining:
                return
            self.join_id = event.join_id
        elif event.join_id != self.join_id:
            return
        self.show_step(event)

    def show_step(self, event: JoinProgress) -> None:
        """Show how far the join got (its ``join-progress`` events)."""
        if event.step is JoinStep.FAILED:
            self._reason = event.reason_code
            if self._failure is not None:  # the reply came first: now the reason is known
                self._show_failure()
            return
        texts = step_texts(self._via == "relay-pairing")
        reached = STEPS.index(event.step) if event.step in STEPS else len(STEPS)
        for index, step in enumerate(STEPS):
            mark = "✓ " if index < reached else "▶ " if index == reached else "○ "
            self.steps[step].setText(mark + texts[step])

    def _failed(self, exc: ApiError) -> None:
        self._failure = exc
        self._show_failure()
        self._show_page(self.ENTER)

    def _show_failure(self) -> None:
        exc = self._failure
        assert exc is not None
        code = exc.code
        if code == "pairing-failed" and self._reason:
            code = self._reason
            if code == "not-found" and isinstance(self._parsed, LanCode):
                code = "no-inviter-here"
        self.banner.show_error(code, exc.message, exc.hint)

    def cancel_join(self) -> None:
        """Cancel the join under way: its request closes and the daemon stops the join."""
        self._tasks.cancel()
        self.banner.show_info(translate("JoinDialog", "The join was cancelled."))
        self._show_page(self.ENTER)

    def _show_confirm(self, result: JoinResult) -> None:
        intro = translate("JoinDialog", "You joined “%1”.").replace(
            "%1", result.name or short_id(result.peer_id)
        )
        if result.services:
            intro += " " + translate("JoinDialog", "It offers: %1.").replace(
                "%1", ", ".join(result.services)
            )
        self.confirm.start(
            result.peer_id,
            result.name,
            result.sas,
            intro,
            key_changed=result.warning_code == KEY_CHANGED,
        )
        self._show_page(self.CONFIRM)
        self.confirm.panel.match_button.setFocus()

    def _on_answered(self, _verified: bool) -> None:
        self.close_button.setText(translate("JoinDialog", "&Done"))
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    # ---- a relay pairing group ---------------------------------------------------------------

    def show_group(self, reply: PairingJoinReply) -> None:
        """Show the group joined and its members (more come as the relay introduces them)."""
        self._group = reply
        self._introduced = {m.peer_id: m.name for m in reply.members}
        text = translate(
            "JoinDialog", "The relay %1 admitted this device to its group of %n device(s).", None,
            reply.group_size,
        ).replace("%1", short_id(reply.relay))  # fmt: skip
        if reply.relay_added:
            text += " " + translate("JoinDialog", "It is now one of this device's relays.")
        if not reply.proofs_verified:
            text += " " + translate(
                "JoinDialog",
                "This relay runs the Go peer-up: its introductions cannot be checked, only "
                "trusted.",
            )
        self.group_text.setText(text)
        self._fill_members()
        self._show_page(self.MEMBERS)

    def _on_state(self, _state: Snapshot | None) -> None:
        if self._group is not None:
            self._fill_members()

    def _fill_members(self) -> None:
        state = self._bridge.state
        known = {p.peer_id: p for p in state.peers} if state is not None else {}
        self.members.clear()
        for peer_id, name in self._introduced.items():
            peer = known.get(peer_id)
            verified = peer is not None and peer.verified
            item = QTreeWidgetItem(
                [
                    (peer.name if peer is not None and peer.name else name),
                    short_id(peer_id),
                    translate("JoinDialog", "[VERIFIED]")
                    if verified
                    else translate("JoinDialog", "[UNVERIFIED]"),
                ]
            )
            item.setToolTip(1, peer_id)
            item.setData(0, Qt.ItemDataRole.UserRole, peer_id)
            self.members.addTopLevelItem(item)
        if not self._introduced:
            self.members.hide()
            self.group_title.setText(translate("JoinDialog", "You joined the group first"))
            self.members_hint.setText(
                translate(
                    "JoinDialog",
                    "No other member has joined yet: the relay introduces them as they join. "
                    "Every member starts unverified: compare emoji with each of them (Verify… "
                    "in the peers window).",
                )
            )
        else:
            self.members.show()
            self.group_title.setText(translate("JoinDialog", "You joined the group"))
            self._fit_members()

    def _fit_members(self) -> None:
        """As tall as its rows (a few at least, a scroll bar beyond a dozen)."""
        rows = min(max(self.members.topLevelItemCount(), 3), 12)
        row = self.members.sizeHintForRow(0) if self.members.topLevelItemCount() else 20
        header = self.members.header().sizeHint().height()
        self.members.setFixedHeight(header + rows * row + 2 * self.members.frameWidth() + 4)

    # ---- closing -----------------------------------------------------------------------------

    def _on_close_button(self) -> None:
        if self.pages.current_index() == self.PROGRESS:
            self.cancel_join()
        else:
            self.reject()

    def reject(self) -> None:
        """Qt (Escape): cancels a join under way first; closes otherwise."""
        if self.pages.current_index() == self.PROGRESS:
            self.cancel_join()
            return
        super().reject()

    def done(self, result: int) -> None:
        """Qt: closing cancels what still runs."""
        self._tasks.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Qt: the window's close button cancels what still runs."""
        self._tasks.cancel()
        super().closeEvent(event)

    async def close_actions(self) -> None:
        """Cancel the requests still running and wait until they have ended."""
        await self._tasks.cancel_all()
