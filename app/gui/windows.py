"""The tray's windows and dialogs: at most one of each (per key), raised when asked again.

A dialog (a ``QDialog``) is forgotten once it closes, and deleted once its requests have ended;
a window (the peers window, the port forwards window) stays until Quit, hidden when closed. At
Quit, :meth:`Windows.close_all` ends every one's requests first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

from PySide6.QtWidgets import QDialog, QWidget

from app.gui.tasks import TaskSet


@runtime_checkable
class HasRequests(Protocol):
    """A window whose API requests run as tasks it owns."""

    async def close_actions(self) -> None:
        """Cancel the window's requests still running and wait until they have ended."""


W = TypeVar("W", bound=QWidget)


class Windows:
    """The open windows and dialogs of one tray, by kind and key."""

    def __init__(self) -> None:
        """No window is open yet."""
        self._open: dict[tuple[type[QWidget], str], QWidget] = {}
        self._tasks = TaskSet()

    def find(self, kind: type[W], key: str = "") -> W | None:
        """The open window of ``kind`` for ``key`` (e.g. a peer ID), or None."""
        window = self._open.get((kind, key))
        return window if isinstance(window, kind) else None

    def show(self, kind: type[W], make: Callable[[], W], key: str = "") -> tuple[W, bool]:
        """Show the window of ``kind`` for ``key`` on top, focused; ``make()`` it if none is open.

        Returns:
            The window, and whether it was made now.
        """
        window = self.find(kind, key)
        made = window is None
        if window is None:
            window = make()
            self._open[(kind, key)] = window
            if isinstance(window, QDialog):
                window.finished.connect(
                    lambda _result=0, k=(kind, key), w=window: self._closed(k, w)
                )
        window.show()
        window.raise_()
        window.activateWindow()
        return window, made

    def _closed(self, key: tuple[type[QWidget], str], dialog: QWidget) -> None:
        if self._open.get(key) is dialog:
            del self._open[key]
        self._tasks.spawn(self._dispose(dialog))

    @staticmethod
    async def _dispose(window: QWidget) -> None:
        if isinstance(window, HasRequests):
            await window.close_actions()
        window.deleteLater()

    async def close_all(self) -> None:
        """End every window's requests and delete it (at Quit)."""
        windows = list(self._open.values())
        self._open.clear()
        for window in windows:
            window.hide()  # hide, not close: closing the last window quits Qt
            await self._dispose(window)
        await self._tasks.cancel_all()
