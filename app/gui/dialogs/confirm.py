"""The last step of a pairing, shared by the invite wizard and the join dialog: compare the 4 emoji
with the other device, then mark the peer verified, or warn and offer to remove it.

The emoji page is :class:`~app.gui.widgets.sas.SasPanel`. "They match" sends
``confirm_invite(peer)`` (the daemon marks the peer verified); "They don't match" sends nothing: the
peer stays unverified, and the page says why that matters and offers to remove it. The requests
run in the owning dialog's :class:`~app.gui.tasks.TaskSet`, so closing the dialog cancels them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ApiError
from app.core.pairing.invite import SasView
from app.gui.bridge import Bridge
from app.gui.tasks import TaskSet
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.pages import PageStack, fit_to_contents
from app.gui.widgets.sas import SasPanel

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


def heading(text: str) -> QLabel:
    """A page's title: bold, larger, word-wrapped."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def wrapped(text: str = "") -> QLabel:
    """A word-wrapped label whose text can be selected with the mouse."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ConfirmStep(QWidget):
    """Compare the emoji, then confirm (verified) or warn (the peer stays unverified).

    Attributes:
        panel: The emoji page.
        sas: The SAS shown (None before :meth:`start`).
        peer_id: The peer being confirmed.
        verified: After an answer: whether the peer was marked verified.
        removed: Whether the peer was removed after a mismatch.
        banner: Errors of the requests, and the warning of a changed key.
        result: The outcome in words (on the result page).

    Signals:
        answered(bool): The answer was applied: True = verified, False = left unverified.
        show_peers_requested(): "Show peers" was chosen.
    """

    answered = Signal(bool)
    show_peers_requested = Signal()

    COMPARE, RESULT = range(2)

    def __init__(self, bridge: Bridge, tasks: TaskSet, parent: QWidget | None = None) -> None:
        """Create the step (empty until :meth:`start`).

        Args:
            bridge: Where the requests go.
            tasks: The owning dialog's tasks (cancelled when it closes).
            parent: The Qt parent.
        """
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = tasks
        self.sas: SasView | None = None
        self.peer_id = ""
        self._name = ""
        self.verified = False
        self.removed = False

        self.title = heading(translate("ConfirmStep", "Compare the emoji"))
        self.intro = wrapped()
        self.banner = MessageBanner()
        self.panel = SasPanel()
        self.panel.answered.connect(self._on_answer)
        self.later = wrapped(
            translate(
                "ConfirmStep",
                "If you close this window without answering, the device stays unverified; you "
                "can verify it later from the peers window.",
            )
        )
        self.later.setEnabled(False)  # greyed: a side note
        compare = QWidget()
        compare_layout = QVBoxLayout(compare)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addWidget(self.intro)
        compare_layout.addWidget(self.panel)
        compare_layout.addWidget(self.later)
        compare_layout.addStretch(1)

        self.result = wrapped()
        self.remove_button = QPushButton(translate("ConfirmStep", "&Remove this device"))
        self.remove_button.clicked.connect(self._on_remove)
        self.show_peers_button = QPushButton(translate("ConfirmStep", "Show &peers"))
        self.show_peers_button.clicked.connect(self.show_peers_requested.emit)
        result_buttons = QHBoxLayout()
        result_buttons.addWidget(self.remove_button)
        result_buttons.addWidget(self.show_peers_button)
        result_buttons.addStretch(1)
        outcome = QWidget()
        outcome_layout = QVBoxLayout(outcome)
        outcome_layout.setContentsMargins(0, 0, 0, 0)
        outcome_layout.addWidget(self.result)
        outcome_layout.addLayout(result_buttons)
        outcome_layout.addStretch(1)

        self.pages = PageStack()
        self.pages.add_page(compare)
        self.pages.add_page(outcome)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)

    def start(
        self,
        peer_id: str,
        name: str | None,
        sas: SasView,
        intro: str,
        *,
        key_changed: bool = False,
    ) -> None:
        """Ask to compare ``sas`` for ``peer_id`` (stored under ``name``).

        Args:
            peer_id: The peer that just paired.
            name: Its name here (None: it has none).
            sas: What both screens show.
            intro: What happened, in words (e.g. "laptop joined").
            key_changed: The name belonged to another key before: warn.
        """
        self.peer_id, self._name = peer_id, name or peer_id
        self.sas = sas
        self.verified = self.removed = False
        self.title.setText(translate("ConfirmStep", "Compare the emoji"))
        self.intro.setText(intro)
        self.panel.set_sas(sas.emoji, sas.names, sas.digits)
        self.panel.set_answer_enabled(True)
        self.banner.clear_message()
        if key_changed:
            self.banner.show_error(
                "peer-key-changed",
                translate(
                    "ConfirmStep", "“%1” was known with another key before: compare carefully."
                ).replace("%1", self._name),
            )
        self.pages.show_page(self.COMPARE)
        self.panel.match_button.setFocus()

    def rename(self, name: str) -> None:
        """The peer got another name (the wizard renamed it as asked)."""
        self._name = name

    # ---- answers -----------------------------------------------------------------------------

    def _on_answer(self, match: bool) -> None:
        self.panel.set_answer_enabled(False)
        if match:
            self._tasks.spawn(self._confirm())
        else:
            self._show_mismatch()

    async def _confirm(self) -> None:
        try:
            async with self._bridge.client() as client:
                await client.confirm_invite(self.peer_id)
        except ApiError as exc:
            self.banner.show_api_error(exc)
            self.panel.set_answer_enabled(True)
            return
        self.verified = True
        self.banner.clear_message()
        self.title.setText(translate("ConfirmStep", "Verified"))
        self.result.setText(
            translate(
                "ConfirmStep",
                "✓ “%1” is verified and in your peers list. It shows as [VERIFIED] on this "
                "device; the other device marks this one when its user answers too.",
            ).replace("%1", self._name)
        )
        self.remove_button.hide()
        self.pages.show_page(self.RESULT)
        fit_to_contents(self.window())
        self.answered.emit(True)

    def _show_mismatch(self) -> None:
        self.title.setText(translate("ConfirmStep", "Not verified"))
        self.banner.show_warning(
            translate(
                "ConfirmStep",
                "The emoji differ: someone may have intercepted the code and be in the middle.",
            )
        )
        self.result.setText(
            translate(
                "ConfirmStep",
                "“%1” stays unverified ([UNVERIFIED] everywhere) but can still connect to this "
                "device. Unless you know why the emoji differed, remove it and pair again "
                "with a new code, in person or over a call.",
            ).replace("%1", self._name)
        )
        self.remove_button.setText(
            translate("ConfirmStep", "&Remove “%1”").replace("%1", self._name)
        )
        self.remove_button.show()
        self.remove_button.setEnabled(True)
        self.pages.show_page(self.RESULT)
        fit_to_contents(self.window())
        self.answered.emit(False)

    def _on_remove(self) -> None:
        self.remove_button.setEnabled(False)
        self._tasks.spawn(self._remove())

    async def _remove(self) -> None:
        try:
            async with self._bridge.client() as client:
                await client.deauthorize(self.peer_id)
        except ApiError as exc:
            self.banner.show_api_error(exc)
            self.remove_button.setEnabled(True)
            return
        self.removed = True
        self.banner.show_info(
            translate(
                "ConfirmStep", "“%1” was removed: it can no longer connect to this device."
            ).replace("%1", self._name)
        )
        self.remove_button.hide()
