"""The forwards table: one row per forward, fed by the bridge's folded state.

:meth:`ForwardsModel.set_state` takes the forwards and peers of each new state and changes only
what changed (rows removed, updated with ``dataChanged``, inserted at the end), so the view keeps
its selection while the counters and rates tick about once a second. A row shows the forward's
peer's path (direct or relayed) from the state's peers, and its last error in plain words by its
code (:func:`app.gui.texts.error_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt
from PySide6.QtGui import QBrush

from app.core.status import ForwardInfo, ForwardState, PathInfo, PathType, PeerInfo
from app.gui.models.peers import WARNING_COLOUR, short_id
from app.gui.models.rows import Index, RowsModel
from app.gui.texts import error_text

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

FORWARD_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's ForwardInfo

IDLE_RATE = 0.5
"""Bytes per second below which a rate shows as none (what rounds to 0 B/s is no traffic)."""


class Column(IntEnum):
    """The table's columns, in order."""

    LOCAL = 0
    TARGET = 1
    PATH = 2
    VERIFIED = 3
    STATE = 4
    CONNECTIONS = 5
    RATE = 6
    BYTES = 7
    ERROR = 8


@dataclass(frozen=True, slots=True)
class ForwardRow:
    """What one row shows: the forward, and the path to its peer (None: not connected)."""

    forward: ForwardInfo
    path: PathInfo | None


def data_size(count: float) -> str:
    """A byte count as the user's language writes it (``1.5 KiB``, ``512 bytes``)."""
    return QLocale().formattedDataSize(round(count), 1, QLocale.DataSizeFormat.DataSizeIecFormat)


def rate_text(forward: ForwardInfo) -> str:
    """``↑ 1.5 KiB/s  ↓ 2.0 MiB/s`` while bytes move (each direction that moves), else a dash."""
    parts = [
        translate("Forwards", "%1 %2/s").replace("%1", arrow).replace("%2", data_size(rate))
        for arrow, rate in (("↑", forward.rate_up), ("↓", forward.rate_down))
        if rate >= IDLE_RATE
    ]
    return "  ".join(parts) if parts else "–"


def bytes_text(forward: ForwardInfo) -> str:
    """``↑ 1.2 KiB  ↓ 5.0 MiB``: what went through the forward so far, both ways."""
    return f"↑ {data_size(forward.bytes_up)}  ↓ {data_size(forward.bytes_down)}"


def state_text(forward: ForwardInfo) -> str:
    """The forward's state in words: stopped (disabled), starting, listening, failed, closed."""
    if not forward.enabled:
        return translate("Forwards", "stopped")
    return {
        ForwardState.STARTING: translate("Forwards", "starting"),
        ForwardState.LISTENING: translate("Forwards", "listening"),
        ForwardState.FAILED: translate("Forwards", "failed"),
        ForwardState.STOPPED: translate("Forwards", "stopped"),
        ForwardState.CLOSED: translate("Forwards", "closed"),
    }[forward.state]


def path_badge(path: PathInfo | None) -> str:
    """``Direct``, ``Relayed``, or ``offline`` when the peer is not connected."""
    if path is None:
        return translate("Forwards", "offline")
    if path.path_type is PathType.DIRECT:
        return translate("Forwards", "Direct")
    return translate("Forwards", "Relayed")


def target_text(forward: ForwardInfo) -> str:
    """``home / ssh``: the peer (by name when it has one) and its service."""
    peer = forward.peer_name or short_id(forward.peer_id)
    return translate("Forwards", "%1 / %2").replace("%1", peer).replace("%2", forward.service)


def error_words(forward: ForwardInfo) -> str:
    """The forward's last error in plain words (by its code), or nothing."""
    if not forward.last_error:
        return ""
    return error_text(forward.last_error_code or "", forward.last_error)


class ForwardsModel(RowsModel[ForwardRow]):
    """The forwards of the state, by ID; :meth:`set_state` applies a new state incrementally."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Create an empty model."""
        super().__init__(len(Column), parent)

    def key(self, row: ForwardRow) -> str:
        """A forward is known by its ID."""
        return row.forward.id

    def headers(self) -> tuple[str, ...]:
        """The column titles."""
        return (
            translate("Forwards", "Local address"),
            translate("Forwards", "Peer / service"),
            translate("Forwards", "Path"),
            translate("Forwards", "Verified"),
            translate("Forwards", "State"),
            translate("Forwards", "Connections"),
            translate("Forwards", "Rate"),
            translate("Forwards", "Transferred"),
            translate("Forwards", "Last error"),
        )

    def set_state(self, forwards: Sequence[ForwardInfo], peers: Sequence[PeerInfo]) -> None:
        """Show ``forwards`` (with their peers' paths from ``peers``): only what changed."""
        paths = {p.peer_id: p.path for p in peers}
        self.replace_rows([ForwardRow(f, paths.get(f.peer_id)) for f in forwards])

    def forward(self, row: int) -> ForwardInfo:
        """The forward shown in ``row``."""
        return self.row(row).forward

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip, colour or the row's forward."""
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        row = self.row(index.row())
        column = Column(index.column())
        if role == FORWARD_ROLE:
            return row.forward
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and self._warns(row.forward, column):
            return QBrush(WARNING_COLOUR)
        return None

    @staticmethod
    def _warns(forward: ForwardInfo, column: Column) -> bool:
        if column is Column.VERIFIED:
            return not forward.verified
        if column is Column.STATE:
            return forward.state is ForwardState.FAILED
        return column is Column.ERROR

    def _text(self, row: ForwardRow, column: Column) -> str:
        forward = row.forward
        if column is Column.LOCAL:
            return forward.listen_address
        if column is Column.TARGET:
            return target_text(forward)
        if column is Column.PATH:
            return path_badge(row.path)
        if column is Column.VERIFIED:
            if forward.verified:
                return translate("Forwards", "✔ verified")
            return translate("Forwards", "[UNVERIFIED]")
        if column is Column.STATE:
            return state_text(forward)
        if column is Column.CONNECTIONS:
            return (
                translate("Forwards", "%1 / %2")
                .replace("%1", str(forward.connections_active))
                .replace("%2", str(forward.connections_total))
            )
        if column is Column.RATE:
            return rate_text(forward)
        if column is Column.BYTES:
            return bytes_text(forward)
        return error_words(forward)

    def _tooltip(self, row: ForwardRow, column: Column) -> str:
        forward = row.forward
        if column is Column.TARGET:
            return forward.peer_id
        if column is Column.PATH and row.path is not None:
            return row.path.address
        if column is Column.CONNECTIONS:
            return (
                translate("Forwards", "%1 active, %2 since it opened")
                .replace("%1", str(forward.connections_active))
                .replace("%2", str(forward.connections_total))
            )
        if column is Column.ERROR and forward.last_error:
            return (
                translate("Forwards", "%n error(s); the last one: %1", None, forward.errors)
            ).replace("%1", forward.last_error)
        if column is Column.STATE and forward.persistent:
            return translate(
                "Forwards", "%1; kept in the config: it opens again at every start"
            ).replace("%1", state_text(forward))
        return self._text(row, column)
