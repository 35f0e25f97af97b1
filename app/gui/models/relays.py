"""The relays table of the preferences: each configured relay and its reservation's state.

Fed with ``status.relays`` of the bridge's folded state (a ``relays-changed`` event brings a
fresh snapshot); :meth:`RelaysModel.set_relays` changes only the rows that changed, so the
selection stays on its relay while reservations come and go.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush

from app.core.status import RelayInfo
from app.gui.models.peers import WARNING_COLOUR, relay_host, short_id
from app.gui.texts import error_text

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """The table's columns, in order."""

    RELAY = 0
    STATE = 1


def relay_label(address: str) -> str:
    """A relay as people read it: ``host:port · …<end of its peer ID>``."""
    parts = address.split("/")
    host = relay_host(address)
    port = next(
        (parts[i + 1] for i, p in enumerate(parts[:-1]) if p in ("tcp", "udp")),
        "",
    )
    where = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    peer = address.rsplit("/p2p/", 1)[1] if "/p2p/" in address else ""
    return f"{where} · {short_id(peer)}" if peer else where


def reservation_text(relay: RelayInfo) -> str:
    """The reservation's state in plain words: until when, or why there is none."""
    if relay.reserved:
        if relay.expires_at is None:
            return translate("Relays", "Reserved")
        until = QDateTime.fromSecsSinceEpoch(round(relay.expires_at)).time()
        return translate("Relays", "Reserved until %1").replace(
            "%1", QLocale().toString(until, QLocale.FormatType.ShortFormat)
        )
    if relay.error_code or relay.error:
        return error_text(relay.error_code or "", relay.error or "")
    return translate("Relays", "Reserving a slot…")


class RelaysModel(QAbstractTableModel):
    """The configured relays with their reservations."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Create an empty model."""
        super().__init__(parent)
        self._relays: list[RelayInfo] = []

    def set_relays(self, relays: Sequence[RelayInfo]) -> None:
        """Show ``relays``: remove, update and insert only the rows that changed."""
        wanted = {r.address: r for r in relays}
        for row in reversed(range(len(self._relays))):
            if self._relays[row].address not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._relays[row]
                self.endRemoveRows()
        for row, old in enumerate(self._relays):
            new = wanted[old.address]
            if new != old:
                self._relays[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
        known = {r.address for r in self._relays}
        fresh = [r for r in relays if r.address not in known]
        if fresh:
            first = len(self._relays)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._relays.extend(fresh)
            self.endInsertRows()

    def relay(self, row: int) -> RelayInfo:
        """The relay shown in ``row``."""
        return self._relays[row]

    def row_of(self, address: str) -> int | None:
        """The row showing the relay at ``address``, if any."""
        return next((i for i, r in enumerate(self._relays) if r.address == address), None)

    def retranslate(self) -> None:
        """Tell the views that every text changed (the language did)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self._relays:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._relays) - 1, len(Column) - 1)
            )

    # ---- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """Qt: the number of relays."""
        return 0 if parent.isValid() else len(self._relays)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """Qt: the number of columns."""
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: ANN401 (Qt's variant)
        """Qt: the column titles."""
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (translate("Relays", "Relay"), translate("Relays", "Reservation"))[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip or colour."""
        if not index.isValid() or index.row() >= len(self._relays):
            return None
        relay = self._relays[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return relay_label(relay.address) if column is Column.RELAY else reservation_text(relay)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if column is Column.RELAY:
                return relay.address
            texts = (reservation_text(relay), relay.error or "")
            return "\n".join(dict.fromkeys(t for t in texts if t))
        failed = not relay.reserved and bool(relay.error_code or relay.error)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATE and failed:
            return QBrush(WARNING_COLOUR)
        return None
