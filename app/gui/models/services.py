"""The exposed services table: one row per service, fed by the bridge's folded state.

:meth:`ServicesModel.set_state` changes only what changed, as the peers and forwards models do.
The "Enabled" column is a check box; ticking it changes nothing here: the model asks for the
change with ``enable_requested`` and shows it once the engine reports it (the watch stream).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from app.core.status import PeerInfo, ServiceInfo
from app.gui.models.peers import short_id
from app.gui.models.rows import Index, RowsModel

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate

SERVICE_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's ServiceInfo


class Column(IntEnum):
    """The table's columns, in order."""

    NAME = 0
    LOCAL = 1
    ALLOWED = 2
    VERIFIED_ONLY = 3
    ENABLED = 4
    STREAMS = 5


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """What one row shows: the service and the names of its allowed peers."""

    service: ServiceInfo
    allowed_names: tuple[str, ...]


def allowed_text(names: Sequence[str]) -> str:
    """Who may use a service: "all authorized peers", or the peers' names."""
    if not names:
        return translate("Services", "all authorized peers")
    return ", ".join(names)


class ServicesModel(RowsModel[ServiceRow]):
    """The exposed services; :meth:`set_state` applies a new state incrementally.

    Signals:
        enable_requested(str, bool): The user ticked or cleared a service's "Enabled" box.
    """

    enable_requested = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        """Create an empty model."""
        super().__init__(len(Column), parent)

    def key(self, row: ServiceRow) -> str:
        """A service is known by its name."""
        return row.service.name

    def headers(self) -> tuple[str, ...]:
        """The column titles."""
        return (
            translate("Services", "Name"),
            translate("Services", "Local address"),
            translate("Services", "Who may use it"),
            translate("Services", "Verified peers only"),
            translate("Services", "Enabled"),
            translate("Services", "Connections"),
        )

    def set_state(self, services: Sequence[ServiceInfo], peers: Sequence[PeerInfo]) -> None:
        """Show ``services`` (naming allowed peers from ``peers``): only what changed."""
        names = {p.peer_id: p.name or short_id(p.peer_id) for p in peers}
        self.replace_rows(
            [
                ServiceRow(s, tuple(names.get(p, short_id(p)) for p in s.allowed_peers))
                for s in services
            ]
        )

    def service(self, row: int) -> ServiceInfo:
        """The service shown in ``row``."""
        return self.row(row).service

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Qt: the "Enabled" cell is a check box."""
        flags = super().flags(index)
        if index.isValid() and index.column() == Column.ENABLED:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: ANN401
        """Qt: a cell's text, tooltip, check state or the row's service."""
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        row = self.row(index.row())
        column = Column(index.column())
        if role == SERVICE_ROLE:
            return row.service
        if role == Qt.ItemDataRole.CheckStateRole and column is Column.ENABLED:
            on = row.service.enabled
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._tooltip(row, column)
        return None

    def setData(
        self,
        index: Index,
        value: Any,  # noqa: ANN401 (Qt's variant)
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        """Qt: a tick in "Enabled" asks for the change (the state shows it once it is made)."""
        if (
            not index.isValid()
            or index.column() != Column.ENABLED
            or role != Qt.ItemDataRole.CheckStateRole
            or index.row() >= self.rowCount()
        ):
            return False
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        service = self.row(index.row()).service
        if wanted != service.enabled:
            self.enable_requested.emit(service.name, wanted)
        return False

    def _text(self, row: ServiceRow, column: Column) -> str:
        service = row.service
        if column is Column.NAME:
            return service.name
        if column is Column.LOCAL:
            return service.local_address
        if column is Column.ALLOWED:
            return allowed_text(row.allowed_names)
        if column is Column.VERIFIED_ONLY:
            if service.verified_only:
                return translate("Services", "yes")
            return translate("Services", "no")
        if column is Column.ENABLED:
            if service.enabled:
                return translate("Services", "enabled")
            return translate("Services", "disabled")
        return (
            translate("Services", "%1 / %2")
            .replace("%1", str(service.streams_active))
            .replace("%2", str(service.streams_total))
        )

    def _tooltip(self, row: ServiceRow, column: Column) -> str:
        service = row.service
        if column is Column.ALLOWED and service.allowed_peers:
            return "\n".join(service.allowed_peers)
        if column is Column.STREAMS:
            return (
                translate("Services", "%1 active, %2 since it was exposed")
                .replace("%1", str(service.streams_active))
                .replace("%2", str(service.streams_total))
            )
        if column is Column.VERIFIED_ONLY and service.verified_only:
            return translate(
                "Services", "Only peers whose key a person verified (the emoji) may use it."
            )
        return self._text(row, column)
