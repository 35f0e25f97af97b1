"""The emoji verification dialog: both people compare 4 emoji (or 6 digits) and answer.

One dialog per peer, not modal. It runs ``/peerup/verify/1.0.0`` over the API (``start_verify``,
``answer_verify``, ``cancel_verify``) and follows its run in the bridge's ``state_changed``
(``Snapshot.verify_sessions``), so both sides' answers and the result show up without polling:

1. progress while the two devices exchange keys (Cancel cancels the run);
2. the emoji page (:class:`~app.gui.widgets.sas.SasPanel`): "They match" / "They don't match";
3. waiting for the other side's answer (the emoji stay on screen);
4. the result: verified, or a mismatch with a clear warning (the peer stays unverified) and an
   offer to remove the peer.

When the peer asked first (a run waiting for our answer), the dialog answers that run. For a
peer that only speaks the Go peer-up's protocol (``verify-unsupported``), it shows the Go tool's
static fingerprint with the same look; "They match" marks the peer verified by hand. That only
detects a mix-up of devices, and the page says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ApiError
from app.api.models import Snapshot
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.status import VerifySessionInfo, VerifyState
from app.gui.bridge import Bridge
from app.gui.models.peers import short_id
from app.gui.tasks import TaskSet
from app.gui.texts import verify_failure_text
from app.gui.widgets.banner import MessageBanner
from app.gui.widgets.sas import SasPanel

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

_RANK = {
    VerifyState.EXCHANGING: 0,
    VerifyState.ASKING: 1,
    VerifyState.WAITING_PEER: 2,
    VerifyState.VERIFIED: 3,
    VerifyState.REJECTED: 3,
    VerifyState.FAILED: 3,
}
_OVER = (VerifyState.VERIFIED, VerifyState.REJECTED, VerifyState.FAILED)
_LIVE_SAS = (VerifyState.ASKING, VerifyState.WAITING_PEER)
_CROSSED = ("replaced", "crossed")  # both started at once: the other run goes on
RESULT_WIDTH = 520  # logical pixels: the result and progress pages' width


class Page(enum.IntEnum):
    """The dialog's pages, in its stack."""

    PROGRESS = 0
    SAS = 1
    FINGERPRINT = 2
    RESULT = 3


class Outcome(enum.StrEnum):
    """What the result page says."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"
    FAILED = "failed"


_BADGE_COLORS = {
    Outcome.VERIFIED: "#2e7d32",
    Outcome.MISMATCH: "#e65100",
    Outcome.FAILED: "#c62828",
}


class Badge(QWidget):
    """A round badge with a check mark (good) or an exclamation mark (warning, error)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """A badge of 48 logical pixels (drawn with lines: crisp at any DPI)."""
        super().__init__(parent)
        self.outcome = Outcome.VERIFIED
        self.setFixedSize(48, 48)

    def sizeHint(self) -> QSize:
        """48 by 48 logical pixels."""
        return QSize(48, 48)

    def set_outcome(self, outcome: Outcome) -> None:
        """Show the badge of ``outcome``."""
        self.outcome = outcome
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Draw the circle and its mark."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 2.0
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_BADGE_COLORS[self.outcome]))
        painter.drawEllipse(QRectF(1, 1, side, side))
        pen = QPen(QColor("white"), side / 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        s = side / 48
        if self.outcome is Outcome.VERIFIED:
            painter.drawPolyline(
                [QPointF(14 * s, 25 * s), QPointF(21 * s, 32 * s), QPointF(35 * s, 17 * s)]
            )
        else:
            painter.drawLine(QPointF(25 * s, 12 * s), QPointF(25 * s, 28 * s))
            painter.drawPoint(QPointF(25 * s, 36 * s))
        painter.end()


class Pages(QWidget):
    """Pages of which one shows; the others take no room.

    Unlike ``QStackedWidget``, whose height for a width is the tallest page's, this sizes to
    the page shown, so the dialog shrinks from the emoji to a two-line result.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """No pages yet."""
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current = 0

    def addWidget(self, page: QWidget) -> None:
        """Add ``page``; the first added shows."""
        self._layout.addWidget(page)
        page.setVisible(len(self._pages) == self._current)
        self._pages.append(page)

    def count(self) -> int:
        """How many pages."""
        return len(self._pages)

    def widget(self, index: int) -> QWidget:
        """Page ``index``."""
        return self._pages[index]

    def currentIndex(self) -> int:
        """The index of the page shown."""
        return self._current

    def setCurrentIndex(self, index: int) -> None:
        """Show page ``index`` alone."""
        self._current = index
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)


def _title_font(widget: QWidget) -> QFont:
    font = QFont(widget.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    return font


class VerifyDialog(QDialog):
    """Verify one peer: the emoji page, the answers through the API, the result.

    Attributes:
        peer_id: The peer being verified.
        pages: The stack of :class:`Page`.
        banner: Errors in plain words.
        sas: The emoji page of the interactive check.
        fingerprint: The emoji page of the Go peer-up's static fingerprint.
        session: The run shown (None before it started, and on the fingerprint page).
        outcome: The result shown (None while not on the result page).

    Signals:
        changed(): What the dialog shows changed (a page, a button), for tests and assistive
            tools; ``finished`` says it closed.
    """

    changed = Signal()

    def __init__(self, bridge: Bridge, peer_id: str, parent: QWidget | None = None) -> None:
        """Build the dialog for ``peer_id``; :meth:`begin` starts (or answers) a run."""
        super().__init__(parent)
        self._bridge = bridge
        self.peer_id = peer_id
        self._tasks = TaskSet()
        self._start_task: asyncio.Task[None] | None = None
        self._closing = False
        self.session: VerifySessionInfo | None = None
        self.outcome: Outcome | None = None
        self.setModal(False)
        self.setWindowTitle(translate("VerifyDialog", "Verify %1").replace("%1", self._name()))
        self.setAccessibleName(self.windowTitle())

        self.banner = MessageBanner()
        self.pages = Pages()
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._sas_page())
        self.pages.addWidget(self._fingerprint_page())
        self.pages.addWidget(self._result_page())

        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self._remove)
        self.fingerprint_button = QPushButton(
            translate("VerifyDialog", "Compare the &fingerprint instead")
        )
        self.fingerprint_button.clicked.connect(lambda: self.show_fingerprint(unsupported=False))
        self.retry_button = QPushButton(translate("VerifyDialog", "&Try again"))
        self.retry_button.clicked.connect(self._retry)
        self.close_button = QPushButton()
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.fingerprint_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)

        self._countdown = QTimer(self)  # reads only the run's fixed expiry, never the state
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        bridge.state_changed.connect(self._on_state)
        bridge.peer_removed.connect(self._on_removed)
        self._set_page(Page.PROGRESS)
        self._set_buttons()

    # ---- pages -------------------------------------------------------------------------------

    def _progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_text = QLabel()
        self.progress_text.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)  # busy: how long the peer takes is unknown
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName(translate("VerifyDialog", "Working"))
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.progress_bar)
        layout.addStretch(1)
        page.setMinimumWidth(RESULT_WIDTH)
        return page

    def _sas_page(self) -> QWidget:
        page = QWidget()
        self.sas_title = QLabel()
        self.sas_title.setFont(_title_font(self))
        self.sas_title.setWordWrap(True)
        self.countdown = QLabel()
        self.countdown.setEnabled(False)  # greyed: a side note
        title = QHBoxLayout()
        title.addWidget(self.sas_title, 1)
        title.addWidget(self.countdown, 0, Qt.AlignmentFlag.AlignBottom)
        self.sas = SasPanel()
        self.sas.answered.connect(self._answer)
        self.sas_busy = QProgressBar()
        self.sas_busy.setRange(0, 0)
        self.sas_busy.setTextVisible(False)
        self.sas_busy.setMaximumWidth(120)
        self.sas_busy.setAccessibleName(translate("VerifyDialog", "Waiting"))
        self.sas_status = QLabel()
        self.sas_status.setWordWrap(True)
        self.sas_waiting = QWidget()
        status = QHBoxLayout(self.sas_waiting)
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.sas_busy)
        status.addWidget(self.sas_status, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(title)
        layout.addWidget(self.sas)
        layout.addWidget(self.sas_waiting)
        return page

    def _fingerprint_page(self) -> QWidget:
        page = QWidget()
        self.fingerprint_title = QLabel()
        self.fingerprint_title.setFont(_title_font(self))
        self.fingerprint_title.setWordWrap(True)
        self.fingerprint_note = MessageBanner()
        self.fingerprint = SasPanel()
        self.fingerprint.answered.connect(self._answer_fingerprint)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.fingerprint_title)
        layout.addWidget(self.fingerprint_note)
        layout.addWidget(self.fingerprint)
        return page

    def _result_page(self) -> QWidget:
        page = QWidget()
        self.badge = Badge()
        self.result_title = QLabel()
        self.result_title.setFont(_title_font(self))
        self.result_title.setWordWrap(True)
        self.result_text = QLabel()
        self.result_text.setWordWrap(True)
        self.result_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_warning = MessageBanner()
        texts = QVBoxLayout()
        texts.setSpacing(6)
        texts.addWidget(self.result_title)
        texts.addWidget(self.result_text)
        row = QHBoxLayout()
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addSpacing(10)
        row.addLayout(texts, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addLayout(row)
        layout.addWidget(self.result_warning)
        layout.addStretch(1)
        page.setMinimumWidth(RESULT_WIDTH)
        return page

    # ---- starting ----------------------------------------------------------------------------

    def begin(self) -> None:
        """Answer the peer's waiting request, or start a new run."""
        request = self._incoming(self._bridge.state)
        if request is not None:
            self._render(request)
        else:
            self._start()

    def _start(self) -> None:
        self.banner.clear_message()
        self.session = None
        self.outcome = None
        self._show_progress(
            translate(
                "VerifyDialog",
                "Asking %1 to verify… The two devices exchange keys; this takes a few seconds. "
                "%1 must be online.",
            ).replace("%1", self._name())
        )
        self._start_task = self._tasks.spawn(self._run_start())

    async def _run_start(self) -> None:
        try:
            async with self._bridge.client() as client:
                info = await client.start_verify(self.peer_id)
        except ApiError as exc:
            self._start_task = None
            self._start_failed(exc)
            return
        self._start_task = None
        self._render(info)

    def _start_failed(self, exc: ApiError) -> None:
        if exc.code == "verify-unsupported":
            self.show_fingerprint(unsupported=True)
            return
        request = self._incoming(self._bridge.state)
        if request is not None:  # both started at once: the peer's run survived
            self._render(request)
            return
        self.banner.show_api_error(exc)
        self._show_result(
            Outcome.FAILED,
            translate("VerifyDialog", "The verification did not start"),
            translate(
                "VerifyDialog",
                "Check that %1 is online and try again. If it cannot run the interactive "
                "check, compare the fixed fingerprint instead.",
            ).replace("%1", self._name()),
        )

    def _retry(self) -> None:
        self._start()

    # ---- following the run -------------------------------------------------------------------

    def _incoming(self, state: Snapshot | None) -> VerifySessionInfo | None:
        """The peer's request waiting for our answer, if any."""
        if state is None:
            return None
        for s in state.verify_sessions:
            if (
                s.peer_id == self.peer_id
                and s.role == "responder"
                and s.state is VerifyState.ASKING
            ):
                return s
        return None

    def _on_state(self, state: Snapshot | None) -> None:
        if state is None or self._closing:
            return
        if self.session is not None:
            for s in state.verify_sessions:
                if s.id == self.session.id:
                    self._render(s)
                    break
        if self._may_adopt():
            request = self._incoming(state)
            if request is not None:
                self._render(request)

    def _may_adopt(self) -> bool:
        """Whether a new request from the peer may replace what the dialog shows."""
        if self._start_task is not None or self.pages.currentIndex() == Page.FINGERPRINT:
            return False
        if self.outcome in (Outcome.VERIFIED, Outcome.MISMATCH):
            return False
        s = self.session
        return s is None or (s.state is VerifyState.FAILED) or self.outcome is Outcome.FAILED

    def _render(self, s: VerifySessionInfo) -> None:
        """Show run ``s`` (an older state of the run shown is ignored)."""
        old = self.session
        if (
            old is not None
            and old.id == s.id
            and (_RANK[s.state] < _RANK[old.state] or old.state in _OVER)
        ):
            return  # the answer stream and the watch stream may deliver a state twice
        self.session = s
        if s.state is VerifyState.EXCHANGING:
            self._show_progress(
                translate("VerifyDialog", "Exchanging keys with %1…").replace("%1", self._name())
            )
        elif s.state in (VerifyState.ASKING, VerifyState.WAITING_PEER):
            self._show_sas(s, new=old is None or old.id != s.id or old.state not in _LIVE_SAS)
        elif s.state is VerifyState.VERIFIED:
            self._countdown.stop()
            self._show_result(
                Outcome.VERIFIED,
                translate("VerifyDialog", "%1 is verified").replace("%1", self._name()),
                translate(
                    "VerifyDialog",
                    "Both of you confirmed the same emoji. %1 is marked verified on both devices.",
                ).replace("%1", self._name()),
            )
        elif s.state is VerifyState.REJECTED:
            self._countdown.stop()
            who = (
                translate("VerifyDialog", "You said the emoji differ.")
                if not s.local_match
                else translate("VerifyDialog", "%1 said the emoji differ on their screen.")
            )
            self._show_mismatch(who.replace("%1", self._name()))
        elif s.error_reason in _CROSSED:
            self._show_progress(
                translate(
                    "VerifyDialog",
                    "%1 started a verification at the same time. Waiting for it…",
                ).replace("%1", self._name())
            )
            request = self._incoming(self._bridge.state)
            if request is not None:
                self._render(request)
        else:
            self._countdown.stop()
            self._show_result(
                Outcome.FAILED,
                translate("VerifyDialog", "The verification did not finish"),
                verify_failure_text(s.error_reason, s.error)
                + "\n"
                + translate("VerifyDialog", "%1 stays unverified. You can try again.").replace(
                    "%1", self._name()
                ),
            )

    def _show_progress(self, text: str) -> None:
        self.outcome = None
        self.progress_text.setText(text)
        self._set_page(Page.PROGRESS)
        self._set_buttons()

    def _show_sas(self, s: VerifySessionInfo, *, new: bool) -> None:
        assert s.sas is not None
        self.outcome = None
        if new:
            self.sas.set_sas(s.sas.emoji, s.sas.names, s.sas.digits)
            if s.role == "responder":
                title = translate("VerifyDialog", "%1 asks to verify this device")
            else:
                title = translate("VerifyDialog", "Compare with %1")
            self.sas_title.setText(title.replace("%1", self._name()))
        asking = s.state is VerifyState.ASKING
        self.sas.set_answer_enabled(asking)
        self.sas_waiting.setVisible(not asking)
        if not asking:
            said = (
                translate("VerifyDialog", "You said they match.")
                if s.local_match
                else translate("VerifyDialog", "You said they differ.")
            )
            self.sas_status.setText(
                said
                + " "
                + translate("VerifyDialog", "Waiting for %1 to answer…").replace("%1", self._name())
            )
        self._set_page(Page.SAS)
        if not self._countdown.isActive():
            self._countdown.start()
        self._tick()
        self._set_buttons()
        if new and asking:
            self.sas.mismatch_button.setFocus()

    def _show_mismatch(self, why: str) -> None:
        self._show_result(
            Outcome.MISMATCH,
            translate("VerifyDialog", "The emoji do not match"),
            why,
            warning=translate(
                "VerifyDialog",
                "Someone may be intercepting the connection, or this is not the device you "
                "think. %1 stays unverified: do not trust it. If you cannot explain the "
                "difference, remove it and pair again with a new invite.",
            ).replace("%1", self._name()),
        )

    def _show_result(self, outcome: Outcome, title: str, text: str, *, warning: str = "") -> None:
        self.outcome = outcome
        self._countdown.stop()
        self.badge.set_outcome(outcome)
        self.result_title.setText(title)
        self._set_result_text(text)
        if warning:
            self.result_warning.show_warning(warning)
        else:
            self.result_warning.clear_message()
        self._set_page(Page.RESULT)
        self._set_buttons()

    def _set_result_text(self, text: str) -> None:
        # A stacked page gets no height-for-width: make room for the wrapped lines by hand.
        self.result_text.setText(text)
        width = RESULT_WIDTH - self.badge.width() - 10
        self.result_text.setMinimumHeight(self.result_text.heightForWidth(width))

    def _set_page(self, page: Page) -> None:
        """Show ``page``, the dialog sized to it (a result needs less room than the emoji)."""
        changed = self.pages.currentIndex() != page
        self.pages.setCurrentIndex(page)
        if changed:
            self.adjustSize()

    def _tick(self) -> None:
        s = self.session
        if s is None or self.pages.currentIndex() != Page.SAS:
            self._countdown.stop()
            return
        left = max(0, round(s.expires_at - time.time()))
        self.countdown.setText(
            translate("VerifyDialog", "Expires in %1").replace(
                "%1", f"{left // 60}:{left % 60:02d}"
            )
        )

    def _set_buttons(self) -> None:
        page = self.pages.currentIndex()
        failed = page == Page.RESULT and self.outcome is Outcome.FAILED
        mismatch = page == Page.RESULT and self.outcome is Outcome.MISMATCH
        self.retry_button.setVisible(failed)
        self.fingerprint_button.setVisible(failed)
        self.remove_button.setVisible(mismatch)
        self.remove_button.setEnabled(True)
        self.remove_button.setText(
            translate("VerifyDialog", "&Remove %1").replace("%1", self._name())
        )
        done = page == Page.RESULT or (page == Page.FINGERPRINT and not self._live())
        self.close_button.setText(
            translate("VerifyDialog", "&Close") if done else translate("VerifyDialog", "&Cancel")
        )
        if page == Page.RESULT:
            self.close_button.setFocus()
        self.changed.emit()

    # ---- answers -----------------------------------------------------------------------------

    def _answer(self, match: bool) -> None:
        s = self.session
        if s is None or s.state is not VerifyState.ASKING:
            return
        self.sas.set_answer_enabled(False)
        self.banner.clear_message()
        self._tasks.spawn(self._send_answer(s.id, match))

    async def _send_answer(self, session_id: str, match: bool) -> None:
        try:
            async with self._bridge.client() as client:
                async for s in client.answer_verify(session_id, match):
                    self._render(s)
        except ApiError as exc:
            self.banner.show_api_error(exc)
            if self.session is not None and self.session.state is VerifyState.ASKING:
                self.sas.set_answer_enabled(True)

    # ---- the Go peer-up's fingerprint --------------------------------------------------------

    def show_fingerprint(self, *, unsupported: bool) -> None:
        """Show the static fingerprint of this pair (the Go peer-up's ``peerup verify``)."""
        self.banner.clear_message()
        self.session = None
        self.outcome = None
        state = self._bridge.state
        if state is None:
            self.banner.show_error("daemon-not-running", "peer-up is not running.")
            return
        fp = reference_fingerprint(
            PeerId.parse(state.status.peer_id).raw, PeerId.parse(self.peer_id).raw
        )
        self.fingerprint.set_sas(fp.emoji, fp.names, fp.numeric)
        self.fingerprint.set_answer_enabled(True)
        self.fingerprint_title.setText(
            translate("VerifyDialog", "Compare the fingerprint with %1").replace("%1", self._name())
        )
        why = (
            translate(
                "VerifyDialog",
                "%1 cannot run the interactive check (it may run the Go peer-up).",
            )
            if unsupported
            else translate("VerifyDialog", "%1 cannot run the interactive check right now.")
        )
        self.fingerprint_note.show_warning(
            why.replace("%1", self._name())
            + " "
            + translate(
                "VerifyDialog",
                "Compare this fixed fingerprint instead: it is the same on both devices, every "
                "time. It only detects a mix-up of devices, not someone intercepting the "
                "connection.",
            )
        )
        self._set_page(Page.FINGERPRINT)
        self._set_buttons()
        self.fingerprint.mismatch_button.setFocus()

    def _answer_fingerprint(self, match: bool) -> None:
        if not match:
            self._show_mismatch(translate("VerifyDialog", "You said the fingerprints differ."))
            return
        self.fingerprint.set_answer_enabled(False)
        self._tasks.spawn(self._mark_verified())

    async def _mark_verified(self) -> None:
        try:
            async with self._bridge.client() as client:
                await client.set_verified(self.peer_id, True)
        except ApiError as exc:
            self.banner.show_api_error(exc)
            self.fingerprint.set_answer_enabled(True)
            return
        self._show_result(
            Outcome.VERIFIED,
            translate("VerifyDialog", "%1 is verified on this device").replace("%1", self._name()),
            translate(
                "VerifyDialog",
                "You confirmed the fingerprint. Ask the person at %1 to do the same on their "
                "device (peerup verify, or Verify… in peer-up).",
            ).replace("%1", self._name()),
        )

    # ---- removing, cancelling, closing -------------------------------------------------------

    def _remove(self) -> None:
        self.remove_button.setEnabled(False)
        self._tasks.spawn(self._bridge.remove_peer(self.peer_id))

    def _on_removed(self, peer_id: str) -> None:
        if peer_id == self.peer_id and self.outcome is Outcome.MISMATCH:
            self.remove_button.hide()
            self.result_warning.show_info(
                translate(
                    "VerifyDialog",
                    "%1 was removed: it can no longer reach this device. To connect again, "
                    "pair with a new invite.",
                ).replace("%1", self._name())
            )

    def _live(self) -> bool:
        """Whether a run is under way that closing must cancel."""
        if self._start_task is not None:
            return True
        s = self.session
        return s is not None and s.state not in _OVER and self.outcome is None

    def reject(self) -> None:
        """Cancel (Escape, the Cancel button, closing the window): a live run is cancelled first."""
        if self._closing:
            return
        if self._live():
            self._closing = True
            self._show_progress(translate("VerifyDialog", "Cancelling…"))
            self.close_button.setEnabled(False)
            self._tasks.spawn(self._cancel_then_close())
            return
        self._closing = True
        self._countdown.stop()
        super().reject()

    async def _cancel_then_close(self) -> None:
        start, self._start_task = self._start_task, None
        if start is not None:
            start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await start
        with contextlib.suppress(ApiError):
            async with self._bridge.client() as client:
                # The run by its ID; or, when the start was cut short before the reply, the
                # runs of ours with this peer that the daemon still has under way.
                for s in await client.verify_sessions():
                    mine = self.session is not None and s.id == self.session.id
                    started = s.role == "initiator" and s.peer_id == self.peer_id
                    if s.state not in _OVER and (mine or (start is not None and started)):
                        await client.cancel_verify(s.id)
        self._countdown.stop()
        QDialog.reject(self)

    async def close_actions(self) -> None:
        """Cancel the requests still running (on Quit)."""
        await self._tasks.cancel_all()

    # ---- helpers -----------------------------------------------------------------------------

    def _name(self) -> str:
        state = self._bridge.state
        if state is not None:
            for peer in state.peers:
                if peer.peer_id == self.peer_id and peer.name:
                    return peer.name
        if self.session is not None and self.session.peer_name:
            return self.session.peer_name
        return short_id(self.peer_id)
