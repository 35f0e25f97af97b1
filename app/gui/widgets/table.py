"""The one way the GUI's tables look and behave: whole rows, one at a time, Tab leaves them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.gui.models.rows import RowsModel


def rows_table(
    model: RowsModel[Any], stretch: int, name: str = "", parent: QWidget | None = None
) -> QTableView:
    """A table of ``model``'s rows: columns as wide as their contents but ``stretch``, which takes
    the room left over so the table fills its width; ``name`` for screen readers (a window that
    retranslates its texts sets it there instead)."""
    table = QTableView(parent)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
    table.verticalHeader().hide()
    columns = table.horizontalHeader()
    columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    columns.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    if name:
        table.setAccessibleName(name)
    return table
