"""The emoji page every pairing and verification shows: 4 emoji, their names, the digits, and the
two answers "They match" / "They don't match".

The pictures are the bundled Twemoji SVGs (:mod:`app.gui.glyphs`), drawn as vectors at the
screen's resolution, never the system's emoji font: fonts draw the same emoji differently, and
both screens must look alike. The names come from :mod:`app.gui.emoji_names` in the user's
language; people read them aloud, so they matter more than the pictures.

The callers decide what an answer does (an invite confirms through the API, a verification run
sends its answer); this widget only shows the string and asks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.gui.emoji_names import emoji_name
from app.gui.glyphs import glyph_resource

log = logging.getLogger("peerup.gui")

translate = QCoreApplication.translate

GLYPH_SIZE = 88  # logical pixels: large enough to tell a fox from a dog across a desk
CELL_WIDTH = 136


def load_glyph(emoji: str) -> QSvgRenderer | None:
    """The bundled picture of ``emoji``, or None (logged) when there is none or it is broken."""
    try:
        data = glyph_resource(emoji).read_bytes()
    except (OSError, ValueError) as exc:
        log.warning("no bundled glyph for %r (%s): drawing the text", emoji, exc)
        return None
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        log.warning("the bundled glyph for %r is not a valid SVG: drawing the text", emoji)
        return None
    return renderer


class EmojiGlyph(QWidget):
    """One emoji, drawn from its bundled SVG (crisp at any size and DPI).

    Attributes:
        emoji: The emoji shown.
        renderer: The SVG's renderer; None when the text glyph is drawn instead.
    """

    def __init__(self, emoji: str, size: int = GLYPH_SIZE, parent: QWidget | None = None) -> None:
        """Load the picture of ``emoji`` (falls back to the text glyph, with a warning)."""
        super().__init__(parent)
        self.emoji = emoji
        self.renderer = load_glyph(emoji)
        self._size = size
        self.setFixedSize(size, size)

    def sizeHint(self) -> QSize:
        """Square, the size given."""
        return QSize(self._size, self._size)

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Draw the SVG into the widget (Qt renders vectors at the device's pixel ratio)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        if self.renderer is not None:
            self.renderer.render(painter, box)
        else:
            font = QFont(self.font())
            font.setPixelSize(round(side * 0.75))
            painter.setFont(font)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.emoji)
        painter.end()


class EmojiCell(QFrame):
    """A card: the picture above its name (the cell's accessible name is the name).

    Attributes:
        glyph: The picture.
        caption: The name.
    """

    def __init__(self, emoji: str, name: str, parent: QWidget | None = None) -> None:
        """Show ``emoji`` with ``name``."""
        super().__init__(parent)
        self.setObjectName("emojiCell")
        self.setStyleSheet(
            "QFrame#emojiCell { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 8px; }"
        )
        # Preferred height: a row's cells share the tallest one's height (a name on two lines).
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.glyph = EmojiGlyph(emoji)
        self.glyph.setAccessibleName(name)
        self.caption = QLabel(name)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setWordWrap(True)
        bold = QFont(self.caption.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.caption.setFont(bold)
        # Word wrap breaks between words only: the longest word must fit ("Schraubenschlüssel").
        metrics = QFontMetrics(bold)
        longest = max((metrics.horizontalAdvance(w) for w in name.split()), default=0)
        self.caption.setMinimumWidth(longest + 8)
        self.setAccessibleName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 8, 10)
        layout.setSpacing(8)
        layout.addWidget(self.glyph, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.setMinimumWidth(max(CELL_WIDTH, layout.minimumSize().width()))


class SasPanel(QWidget):
    """Shows a short authentication string and asks whether it matches the other screen.

    Attributes:
        emoji: The emoji given to :meth:`set_sas`.
        names: The names given to :meth:`set_sas` (the API's English names).
        shown_names: The names shown (the user's language).
        cells: One :class:`EmojiCell` per emoji.
        digits: The numeric alternative.

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
        self._row = QHBoxLayout()
        self._row.setSpacing(10)
        self.digits = QLabel()
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digits.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        numbers = QFont(self.digits.font())
        numbers.setPointSizeF(numbers.pointSizeF() * 1.15)
        self.digits.setFont(numbers)
        self.match_button = QPushButton(translate("SasPanel", "They &match"))
        self.mismatch_button = QPushButton(translate("SasPanel", "They &don't match"))
        self.match_button.clicked.connect(lambda: self.answered.emit(True))
        self.mismatch_button.clicked.connect(lambda: self.answered.emit(False))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.mismatch_button)
        buttons.addWidget(self.match_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.prompt)
        layout.addLayout(self._row)
        layout.addWidget(self.digits)
        layout.addLayout(buttons)
        self.emoji: tuple[str, ...] = ()
        self.names: tuple[str, ...] = ()
        self.shown_names: tuple[str, ...] = ()
        self.cells: list[EmojiCell] = []

    def set_sas(self, emoji: Sequence[str], names: Sequence[str], digits: str) -> None:
        """Show ``emoji`` (4) with their names in the user's language, and ``digits``.

        ``names`` are the API's English names: shown only for an emoji outside the table.
        """
        self.emoji, self.names = tuple(emoji), tuple(names)
        self.shown_names = tuple(
            emoji_name(glyph, name) for glyph, name in zip(self.emoji, self.names, strict=True)
        )
        for cell in self.cells:
            self._row.removeWidget(cell)
            cell.deleteLater()
        self.cells = [EmojiCell(e, n) for e, n in zip(self.emoji, self.shown_names, strict=True)]
        widest = max((cell.minimumWidth() for cell in self.cells), default=0)
        for cell in self.cells:
            cell.setMinimumWidth(widest)  # cards of one size, whatever the names' lengths
            self._row.addWidget(cell, 1)
        self.setAccessibleDescription(" · ".join(self.shown_names) + " · " + digits)
        numbers = translate("SasPanel", "Or compare the numbers: %1")
        self.digits.setText(numbers.replace("%1", digits))

    def set_answer_enabled(self, enabled: bool) -> None:
        """Allow or forbid answering (e.g. while the answer is being sent)."""
        self.match_button.setEnabled(enabled)
        self.mismatch_button.setEnabled(enabled)
