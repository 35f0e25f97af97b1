"""The relays table of the preferences: each configured relay and its reservation's state.

Fed with ``status.relays`` of the bridge's folded state (a ``relays-changed`` event brings a
fresh snapshot); :meth:`RelaysModel.replace_rows` changes only the rows that changed, so the
selection stays on its relay while reservations come and go.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QObject, Qt
from PySide6.QtGui import QBrush

from app.core.circuitlimit import CircuitLimit
from app.core.status import RelayInfo
from app.gui.models.peers import WARNING_COLOUR, relay_host, short_id
from app.gui.models.rows import Index, RowsModel
from app.gui.texts import error_text

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


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
    """The reservation's state in plain words: until when (and the relay's limit, if it sets
    one), or why there is none."""
    if relay.reserved:
        if relay.expires_at is None:
            return translate("Relays", "Reserved") + limit_note(relay)
        until = QDateTime.fromSecsSinceEpoch(round(relay.expires_at)).time()
        return translate("Relays", "Reserved until %1").replace(
            "%1", QLocale().toString(until, QLocale.FormatType.ShortFormat)
        ) + limit_note(relay)
    if relay.error_code or relay.error:
        return error_text(relay.error_code or "", relay.error or "")
    return translate("Relays", "Reserving a slot…")


def limit_text(limit: CircuitLimit) -> str:
    """``128 KiB / 2 min per connection`` in the user's language (only the kinds limited)."""
    parts = []
    if limit.data is not None:
        parts.append(_bytes_text(limit.data))
    if limit.duration is not None:
        parts.append(_seconds_text(limit.duration))
    return translate("Relays", "%1 per connection").replace("%1", " / ".join(parts))


def limit_note(relay: RelayInfo) -> str:
    """`` · limited: 128 KiB / 2 min per connection`` for a limit too tight for forwards,
    `` · limit: 1 GiB / 1 h per connection`` for a generous one, ``""`` for none."""
    limit = relay.limit
    if limit is None:
        return ""
    if limit.tight:
        return " · " + translate("Relays", "limited: %1").replace("%1", limit_text(limit))
    return " · " + translate("Relays", "limit: %1").replace("%1", limit_text(limit))


def _bytes_text(count: int) -> str:
    # QLocale.formattedDataSize speaks the user's language (128 KiB, 128 KB in some).
    return QLocale().formattedDataSize(count, 0 if count % 1024 == 0 else 1)


def _seconds_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return translate("Relays", "%n h", "", seconds // 3600)
    if seconds % 60 == 0:
        return translate("Relays", "%n min", "", seconds // 60)
    return translate("Relays", "%n s", "", seconds)


class RelaysModel(RowsModel[RelayInfo]):
    """The configured relays with their reservations, by address."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Create an empty model."""
        super().__init__(len(Column), parent)

    def key(self, row: RelayInfo) -> str:
        """A relay is known by its address."""
        return row.address

    def headers(self) -> tuple[str, ...]:
        """The column titles."""
        return (translate("Relays", "Relay"), translate("Relays", "Reservation"))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip or colour."""
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        relay = self.row(index.row())
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
