"""Desktop notifications through the tray, from :mod:`app.gui.notify`'s decisions.

Each kind can be turned off; the choices persist with ``QSettings`` (``notify/<kind>``). The one
timer here is a single shot armed for the end of a coalescing window when a summary is held;
it reads no state.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer, Signal

from app.api.models import Snapshot
from app.gui.bridge import Bridge
from app.gui.notify import Coalescer, Kind, Notice, notices
from app.gui.texts import error_text

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

Show = Callable[[str, str], None]


def kind_label(kind: Kind) -> str:
    """The preference's label for ``kind``."""
    return {
        Kind.PEER_JOINED: translate("Notifications", "A peer joined"),
        Kind.VERIFY_REQUESTED: translate("Notifications", "Verification requested"),
        Kind.FORWARD_FAILED: translate("Notifications", "A forward failed"),
        Kind.PATH_DIRECT: translate("Notifications", "A path became direct"),
        Kind.PATH_RELAYED: translate("Notifications", "A path fell back to the relay"),
        Kind.KEY_CHANGED: translate("Notifications", "A peer's key changed"),
        Kind.GRADE_CHANGED: translate("Notifications", "Our reachability grade changed"),
    }[kind]


def notice_text(notice: Notice) -> tuple[str, str]:
    """The title and text of a notification."""
    name = notice.name
    if notice.kind is Kind.PEER_JOINED:
        title = translate("Notifications", "%1 joined").replace("%1", name)
        text = translate("Notifications", "%1 can now reach this device.").replace("%1", name)
    elif notice.kind is Kind.VERIFY_REQUESTED:
        title = translate("Notifications", "%1 asks to verify").replace("%1", name)
        text = translate(
            "Notifications",
            "Click here (or choose it in the tray menu) to compare the emoji with %1.",
        ).replace("%1", name)
    elif notice.kind is Kind.FORWARD_FAILED:
        title = translate("Notifications", "Forward failed: %1").replace("%1", name)
        text = error_text(notice.detail, notice.detail)
    elif notice.kind is Kind.PATH_DIRECT:
        title = translate("Notifications", "%1: direct").replace("%1", name)
        text = translate("Notifications", "The connection to %1 is now direct.").replace("%1", name)
    elif notice.kind is Kind.PATH_RELAYED:
        title = translate("Notifications", "%1: relayed").replace("%1", name)
        text = translate("Notifications", "The connection to %1 fell back to the relay.").replace(
            "%1", name
        )
    elif notice.kind is Kind.KEY_CHANGED:
        title = translate("Notifications", "The key of %1 changed").replace("%1", name)
        text = translate(
            "Notifications", "%1 now has a different key: it is unverified. Verify it again."
        ).replace("%1", name)
    else:
        title = translate("Notifications", "Reachability %1").replace("%1", name)
        text = translate("Notifications", "This device's reachability grade is now %1.").replace(
            "%1", name
        )
    if notice.repeats > 1:
        text += "\n" + translate("Notifications", "(changed %n times)", "", notice.repeats)
    return title, text


class Notifications(QObject):
    """Follows the bridge's state and shows the notifications the user has left on.

    Signals:
        shown(str, str): A notification was shown (title, text).
        verify_request_shown(str): The notification just shown is a peer's request to verify
            (its peer ID): clicking it opens the verification dialog.
    """

    shown = Signal(str, str)
    verify_request_shown = Signal(str)

    def __init__(
        self,
        bridge: Bridge,
        show: Show,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        settings: QSettings | None = None,
    ) -> None:
        """Follow ``bridge``; ``show(title, text)`` displays one notification.

        Args:
            bridge: Whose ``state_changed`` to follow.
            show: Displays one notification (title, text).
            parent: The Qt parent.
            clock: Seconds, monotonic (for coalescing).
            settings: Where the per-kind switches persist (default: the user's settings).
        """
        super().__init__(parent)
        self._show = show
        self._clock = clock
        self._before: Snapshot | None = None
        self._coalescer = Coalescer()
        self._settings = settings if settings is not None else QSettings("peer-up", "peerup-tray")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        bridge.state_changed.connect(self._on_state)

    def enabled(self, kind: Kind) -> bool:
        """Whether notifications of ``kind`` are shown (the default: yes)."""
        return str(self._settings.value(f"notify/{kind.value}", "true")) == "true"

    def set_enabled(self, kind: Kind, on: bool) -> None:
        """Turn notifications of ``kind`` on or off (persisted)."""
        self._settings.setValue(f"notify/{kind.value}", "true" if on else "false")

    def _on_state(self, state: Snapshot | None) -> None:
        found = notices(self._before, state)
        self._before = state
        now = self._clock()
        for notice in found:
            if self.enabled(notice.kind) and (shown := self._coalescer.add(notice, now)):
                self._display(shown)
        self._arm()

    def _flush(self) -> None:
        for notice in self._coalescer.due(self._clock()):
            if self.enabled(notice.kind):
                self._display(notice)
        self._arm()

    def _arm(self) -> None:
        due = self._coalescer.next_due()
        if due is not None:
            self._timer.start(max(0, round((due - self._clock()) * 1000)) + 10)

    def _display(self, notice: Notice) -> None:
        title, text = notice_text(notice)
        self._show(title, text)
        self.shown.emit(title, text)
        if notice.kind is Kind.VERIFY_REQUESTED:
            self.verify_request_shown.emit(notice.subject)
