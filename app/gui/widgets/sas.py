"""The emoji page every pairing and verification shows: 4 emoji, their names, the digits, and the
two answers "They match" / "They don't match".

The callers decide what an answer does (an invite confirms through the API, a verification run
sends its answer); this widget only shows the string and asks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

translate = QCoreApplication.translate


class SasPanel(QWidget):
    """Shows a short authentication string and asks whether it matches the other screen.

    Signals:
        answered(bool): True for "They match", False for "They don't match".
    """

    answered = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        """Create the panel (empty until :meth:`set_sas`)."""
        super().__init__(parent)
        self.prompt = QLabel(
            translate(
                "SasPanel",
                "Compare with the other device. Read the words aloud: they must be the same, "
                "in the same order.",
            )
        )
        self.prompt.setWordWrap(True)
        self._grid = QGridLayout()
        self.digits = QLabel()
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.match_button = QPushButton(translate("SasPanel", "They &match"))
        self.mismatch_button = QPushButton(translate("SasPanel", "They &don't match"))
        self.match_button.clicked.connect(lambda: self.answered.emit(True))
        self.mismatch_button.clicked.connect(lambda: self.answered.emit(False))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.mismatch_button)
        buttons.addWidget(self.match_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(self._grid)
        layout.addWidget(self.digits)
        layout.addLayout(buttons)
        self.emoji: tuple[str, ...] = ()
        self.names: tuple[str, ...] = ()

    def set_sas(self, emoji: Sequence[str], names: Sequence[str], digits: str) -> None:
        """Show ``emoji`` (4) with their English ``names`` and the 6-digit alternative."""
        self.emoji, self.names = tuple(emoji), tuple(names)
        while (item := self._grid.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        big = QFont(self.font())
        big.setPointSize(big.pointSize() * 3)
        for column, (glyph, name) in enumerate(zip(self.emoji, self.names, strict=True)):
            picture = QLabel(glyph)
            picture.setFont(big)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(name)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._grid.addWidget(picture, 0, column)
            self._grid.addWidget(caption, 1, column)
        numbers = translate("SasPanel", "Or compare the numbers: %1")
        self.digits.setText(numbers.replace("%1", digits))

    def set_answer_enabled(self, enabled: bool) -> None:
        """Allow or forbid answering (e.g. while the answer is being sent)."""
        self.match_button.setEnabled(enabled)
        self.mismatch_button.setEnabled(enabled)
