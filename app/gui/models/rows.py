"""The base of the GUI's tables: rows keyed by an ID, changed in place as the state changes.

Every window is a view of the watch stream's state; each new state goes through
:meth:`RowsModel.replace_rows`, which removes, updates and inserts only the rows that changed, so a
selection, a scroll position and an open editor survive the updates a live table gets every second.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel, Generic[R]):
    """A table model of ``R`` rows, each known by :meth:`key`; subclasses say what they show.

    Subclasses implement :meth:`key`, :meth:`headers` and ``data``; :meth:`changed` may note
    something when a row changes (e.g. when a peer was last seen).
    """

    def __init__(self, columns: int, parent: QObject | None = None) -> None:
        """Create an empty model of ``columns`` columns."""
        super().__init__(parent)
        self._rows: list[R] = []
        self._columns = columns

    def key(self, row: R) -> Hashable:
        """What identifies ``row`` from one state to the next (a peer ID, an address…)."""
        raise NotImplementedError

    def headers(self) -> Sequence[str]:
        """The column titles, in the user's language."""
        raise NotImplementedError

    def changed(self, old: R, new: R) -> None:
        """Called for a row about to be replaced by a different one (nothing by default)."""

    def replace_rows(self, rows: Sequence[R]) -> None:
        """Show ``rows``: remove, update and insert only the rows that changed."""
        wanted = {self.key(r): r for r in rows}
        for index in reversed(range(len(self._rows))):
            if self.key(self._rows[index]) not in wanted:
                self.beginRemoveRows(QModelIndex(), index, index)
                del self._rows[index]
                self.endRemoveRows()
        for index, old in enumerate(self._rows):
            new = wanted[self.key(old)]
            if new != old:
                self.changed(old, new)
                self._rows[index] = new
                self.dataChanged.emit(self.index(index, 0), self.index(index, self._columns - 1))
        known = {self.key(r) for r in self._rows}
        fresh = [r for r in rows if self.key(r) not in known]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()

    def row(self, index: int) -> R:
        """The row shown at ``index``."""
        return self._rows[index]

    def row_of(self, key: Hashable) -> int | None:
        """The index of the row known by ``key``, if it is shown."""
        return next((i for i, r in enumerate(self._rows) if self.key(r) == key), None)

    def retranslate(self) -> None:
        """Tell the views that every text changed (the language did)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self._columns - 1)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, self._columns - 1)
            )

    # ---- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """Qt: the number of rows."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """Qt: the number of columns."""
        return 0 if parent.isValid() else self._columns

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: ANN401 (Qt's variant)
        """Qt: the column titles."""
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.headers()[section]
