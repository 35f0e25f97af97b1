"""What every screenshot test shares: the languages, a picture that is not blank, nothing cut
off, and saving into ``$PEERUP_SCREENSHOTS`` (``make screenshots`` sets it to docs/screenshots)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget


def not_blank(image: QImage) -> bool:
    """Whether ``image`` shows anything (some pixel differs from its corner's)."""
    first = image.pixelColor(0, 0)
    step = max(1, image.width() // 40)
    return any(
        image.pixelColor(x, y) != first
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def save(pixmap: QPixmap, name: str, lang: str) -> QPixmap:
    """Check ``pixmap`` shows something; write it as ``name[-lang].png`` when asked to."""
    assert not_blank(pixmap.toImage()), name
    out = os.environ.get("PEERUP_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        suffix = "" if lang == "en" else f"-{lang}"
        assert pixmap.save(str(Path(out) / f"{name}{suffix}.png"))
    return pixmap


def shoot(widget: QWidget, name: str, lang: str) -> QPixmap:
    """:func:`save` a picture of ``widget`` as it is on screen."""
    return save(widget.grab(), name, lang)


def assert_nothing_cut_off(top: QWidget) -> None:
    """Every visible button and one-line label in ``top`` is as wide as its text needs."""
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top):
            continue
        one_line = isinstance(widget, QLabel) and not widget.wordWrap() and widget.text()
        if one_line or isinstance(widget, QAbstractButton):
            assert widget.width() >= widget.sizeHint().width(), (
                type(widget).__name__,
                widget.property("text"),
            )
