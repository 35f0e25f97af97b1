"""The one way the GUI's tables look and behave: whole rows, one at a time, Tab leaves them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableView,
    QWidget,
)

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


def connect_row_menu(table: QTableView, menu_for_row: Callable[[int], QMenu]) -> None:
    """Right-click (or the menu key) on a row selects it and pops up ``menu_for_row(row)``."""
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def popup(pos: QPoint) -> None:
        index = table.indexAt(pos)
        if index.isValid():
            table.selectRow(index.row())
            menu_for_row(index.row()).popup(table.viewport().mapToGlobal(pos))

    table.customContextMenuRequested.connect(popup)


def action_buttons(*actions: tuple[str, str, Callable[[], None]]) -> list[QPushButton]:
    """One button per ``(text, accessible name, slot)``, clicked calling its slot."""
    buttons = []
    for text, name, slot in actions:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        buttons.append(button)
    return buttons
