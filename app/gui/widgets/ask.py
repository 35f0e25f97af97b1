"""The one way the GUI asks before it removes something: Yes or Cancel, Cancel the default."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def ask_to_confirm(
    parent: QWidget,
    title: str,
    text: str,
    on_yes: Callable[[], object],
    *,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> QMessageBox:
    """Ask ``text`` in a window-modal box that does not block the Qt thread.

    ``on_yes`` runs when the person chooses Yes; Cancel, Escape and closing the box do nothing.
    The box deletes itself once answered.

    Returns:
        The open box (its parent keeps it; tests answer it).
    """
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setAccessibleName(title)
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def answered(button: int) -> None:
        if button == QMessageBox.StandardButton.Yes:
            on_yes()

    box.finished.connect(answered)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
