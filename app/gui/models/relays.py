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
    LIMIT = 2  # what the relay grants each connection


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


def limit_text(relay: RelayInfo) -> str:
    """What the relay grants each connection to us: ``128 KiB / 2 min``, ``No limit``,
    or ``""`` while there is no reservation."""
    if not relay.reserved:
        return ""
    limit = relay.limit
    if limit is None:
        return translate("Relays", "No limit")
    parts = []
    if limit.data is not None:
        parts.append(_bytes_text(limit.data))
    if limit.duration is not None:
        parts.append(_seconds_text(limit.duration))
    return " / ".join(parts)


def limit_tooltip(relay: RelayInfo) -> str:
    """Why the limit matters: a tight one is too little for forwards."""
    limit = relay.limit if relay.reserved else None
    if limit is None:
        return ""
    text = translate("Relays", "This relay allows %1 per connection.").replace(
        "%1", limit_text(relay)
    )
    if limit.tight:
        text += "\n" + translate(
            "Relays",
            "Too little for forwards: they go direct or through another relay, or are refused "
            "with a plain error. Run your own relay (peerup relay serve) for forwards.",
        )
    return text


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
        return (
            translate("Relays", "Relay"),
            translate("Relays", "Reservation"),
            translate("Relays", "Limit"),  # per connection (the tooltip says so)
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip or colour."""
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        relay = self.row(index.row())
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.LIMIT:
                return limit_text(relay)
            return relay_label(relay.address) if column is Column.RELAY else reservation_text(relay)
        if column is Column.LIMIT:
            return self._limit_data(relay, role)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if column is Column.RELAY:
                return relay.address
            texts = (reservation_text(relay), relay.error or "")
            return "\n".join(dict.fromkeys(t for t in texts if t))
        failed = not relay.reserved and bool(relay.error_code or relay.error)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATE and failed:
            return QBrush(WARNING_COLOUR)
        return None

    @staticmethod
    def _limit_data(relay: RelayInfo, role: int) -> Any:  # noqa: ANN401
        if role == Qt.ItemDataRole.ToolTipRole:
            return limit_tooltip(relay) or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return limit_tooltip(relay) or limit_text(relay)
        tight = relay.reserved and relay.limit is not None and relay.limit.tight
        if role == Qt.ItemDataRole.ForegroundRole and tight:
            return QBrush(WARNING_COLOUR)
        return None
