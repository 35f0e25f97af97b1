"""The peers table: one row per known peer, fed by the bridge's folded state.

:meth:`PeersModel.replace_rows` takes the peers of each new state and changes only what changed:
rows of peers that went away are removed, new peers are inserted at the end, and a changed peer
emits ``dataChanged`` for its row. The view keeps its selection and scroll position through the
stream of events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from app.core.status import PathType, PeerInfo
from app.gui.models.rows import Index, RowsModel
from app.gui.texts import reason_text

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

WARNING_COLOUR = QColor(176, 64, 0)
PEER_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's PeerInfo


class Column(IntEnum):
    """The table's columns, in order."""

    NAME = 0
    PEER_ID = 1
    VERIFIED = 2
    PATH = 3
    RTT = 4
    LAST_SEEN = 5
    GRADE = 6


def short_id(peer_id: str) -> str:
    """The end of a peer ID, as people compare them (``…`` + 8 characters)."""
    return peer_id if len(peer_id) <= 12 else "…" + peer_id[-8:]


def path_text(peer: PeerInfo) -> str:
    """ "Direct · tcp", "Relayed · tcp via /ip4/…", offline, or expired (no longer authorized)."""
    path = peer.path
    if path is None and peer.expired:
        return translate("Peers", "expired: not authorized")
    if path is None:
        return translate("Peers", "offline")
    if path.path_type is PathType.DIRECT:
        return translate("Peers", "Direct · %1").replace("%1", path.transport)
    return (
        translate("Peers", "Relayed · %1 via %2")
        .replace("%1", path.transport)
        .replace("%2", relay_host(path.address))
    )


def relay_host(address: str) -> str:
    """The relay's host in a circuit address (the tooltip shows the whole address)."""
    parts = address.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in ("ip4", "ip6", "dns", "dns4", "dns6"):
            return parts[i + 1]
    return address.split("/p2p-circuit")[0]


def rtt_text(peer: PeerInfo) -> str:
    """The round trip in ms, or a dash."""
    if peer.path is None or peer.path.rtt_ms is None:
        return "–"
    return translate("Peers", "%1 ms").replace("%1", f"{peer.path.rtt_ms:.0f}")


def grade_text(peer: PeerInfo) -> str:
    """The peer's grade letter and its reason, or "?"."""
    reach = peer.reachability
    if reach is None:
        return "?"
    return reach.grade.value


class PeersModel(RowsModel[PeerInfo]):
    """The known peers, by peer ID; :meth:`replace_rows` applies a new state incrementally."""

    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        """Create an empty model.

        Args:
            parent: The Qt parent.
            clock: Unix time now (when a peer was last seen connected).
        """
        super().__init__(len(Column), parent)
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def key(self, row: PeerInfo) -> str:
        """A peer is known by its peer ID."""
        return row.peer_id

    def changed(self, old: PeerInfo, new: PeerInfo) -> None:
        """A peer that disconnects was last seen now."""
        if old.connected and not new.connected:
            self._last_seen[new.peer_id] = self._clock()

    def headers(self) -> tuple[str, ...]:
        """The column titles."""
        return (
            translate("Peers", "Name"),
            translate("Peers", "Peer ID"),
            translate("Peers", "Verified"),
            translate("Peers", "Path"),
            translate("Peers", "RTT"),
            translate("Peers", "Last seen"),
            translate("Peers", "Grade"),
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip, colour or the row's peer."""
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        peer = self.row(index.row())
        column = Column(index.column())
        if role == PEER_ROLE:
            return peer
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(peer, column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._tooltip(peer, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.VERIFIED:
            return None if peer.verified else QBrush(WARNING_COLOUR)
        return None

    def _text(self, peer: PeerInfo, column: Column) -> str:
        if column is Column.NAME:
            return peer.name or translate("Peers", "(no name)")
        if column is Column.PEER_ID:
            return short_id(peer.peer_id)
        if column is Column.VERIFIED:
            if peer.verified:
                return translate("Peers", "✔ verified")
            return translate("Peers", "[UNVERIFIED]")
        if column is Column.PATH:
            return path_text(peer)
        if column is Column.RTT:
            return rtt_text(peer)
        if column is Column.LAST_SEEN:
            return self._last_seen_text(peer)
        return grade_text(peer)

    def _tooltip(self, peer: PeerInfo, column: Column) -> str:
        if column is Column.PEER_ID:
            return peer.peer_id
        if column is Column.GRADE and peer.reachability is not None:
            r = peer.reachability
            reason, hint = reason_text(r.reason_code, r.reason, r.hint)
            expected = ""
            if peer.path is None and peer.expected_path is not None:
                expected = (
                    translate("Peers", "Both grades predict a direct connection.")
                    if peer.expected_path is PathType.DIRECT
                    else translate("Peers", "Both grades predict a relayed connection.")
                )
            return "\n".join(t for t in (f"{r.grade.value}: {reason}", hint, expected) if t)
        if column is Column.PATH and peer.path is not None:
            return peer.path.address
        if column is Column.PATH and peer.remembered_addresses:
            return translate("Peers", "Remembered addresses: %1").replace(
                "%1", ", ".join(a.address for a in peer.remembered_addresses)
            )
        return self._text(peer, column)

    def _last_seen_text(self, peer: PeerInfo) -> str:
        if peer.path is not None:
            return translate("Peers", "connected since %1").replace(
                "%1", _time(peer.path.connected_at)
            )
        seen = self._last_seen.get(peer.peer_id)
        if seen is None and peer.remembered_addresses:
            seen = max(a.last_seen for a in peer.remembered_addresses)
        if seen is None:
            return translate("Peers", "never")
        return _time(seen)


def _time(unix: float) -> str:
    moment = QDateTime.fromSecsSinceEpoch(round(unix))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)
