"""Pages shown one at a time, the window sized by the page shown.

A ``QStackedWidget`` is as large as its largest page, and as tall as its tallest page's
word-wrapped text at any width (its layout asks every page, shown or not), so a short page sits
in empty space. Here the pages are siblings in one layout and only the current one is visible:
hidden widgets take no room.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QSizePolicy, QSpacerItem, QVBoxLayout, QWidget


class PageStack(QWidget):
    """A stack of pages; only the current one is shown and takes room."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create an empty stack."""
        super().__init__(parent)
        self._pages: list[QWidget] = []
        self._current = -1
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def add_page(self, page: QWidget) -> int:
        """Add ``page`` (hidden unless it is the first); returns its index."""
        self._pages.append(page)
        self._layout.addWidget(page)
        if self._current < 0:
            self._current = 0
        else:
            page.hide()
        return len(self._pages) - 1

    def current_index(self) -> int:
        """The index of the page shown (-1 when empty)."""
        return self._current

    def page(self, index: int) -> QWidget:
        """The page at ``index``."""
        return self._pages[index]

    def show_page(self, index: int) -> None:
        """Show page ``index`` and hide the others."""
        self._current = index
        for number, page in enumerate(self._pages):
            page.setVisible(number == index)


def width_strut(width: int) -> QSpacerItem:
    """An item that keeps a layout at least ``width`` pixels wide.

    Unlike ``setMinimumWidth`` on the window, it leaves the layout's own minimum in force (a
    widget's explicit minimum replaces what its layout needs, even when smaller).
    """
    return QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)


def fit_to_contents(window: QWidget) -> None:
    """Resize ``window`` to what its contents need now, smaller too.

    The layout requests that showing and hiding widgets posted are handled first: until then the
    window's minimum size is still that of what it showed before, and a window never shrinks
    below its minimum.
    """
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    window.adjustSize()
