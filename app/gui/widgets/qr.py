"""A QR code drawn with QPainter from the ``qrcode`` package's module matrix (no Pillow)."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

QUIET = 2  # modules of white border around the code


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of a QR code for ``text`` (True = dark), without the quiet zone."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


class QrWidget(QWidget):
    """Shows ``text`` as a QR code, scaled to the widget, dark on white whatever the theme."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        """Create the widget showing ``text`` (nothing when empty)."""
        super().__init__(parent)
        self._matrix: list[list[bool]] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        """Show ``text``."""
        self._text = text
        self._matrix = qr_matrix(text) if text else []
        self.update()

    def text(self) -> str:
        """The text shown."""
        return self._text

    def sizeHint(self) -> QSize:
        """Qt: a size where each module is a few pixels."""
        return QSize(132, 132)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Qt: draw the modules, each a whole number of device pixels (crisp at any scale)."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self._matrix:
            count = len(self._matrix) + 2 * QUIET
            # Device pixels per logical pixel: the screen's, or that of an image it is drawn on.
            ratio = painter.deviceTransform().m11() or 1.0
            # In device pixels: every module the same size, the code centred in the widget.
            width, height = round(self.width() * ratio), round(self.height() * ratio)
            module = max(1, min(width, height) // count)
            left = (width - module * count) // 2 + QUIET * module
            top = (height - module * count) // 2 + QUIET * module
            painter.scale(1 / ratio, 1 / ratio)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("black"))
            for y, row in enumerate(self._matrix):
                x = 0
                while x < len(row):
                    if not row[x]:
                        x += 1
                        continue
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    # One rectangle per run of dark modules: no seams between neighbours.
                    painter.drawRect(
                        QRect(left + start * module, top + y * module, (x - start) * module, module)
                    )
        painter.end()
