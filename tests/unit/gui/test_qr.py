"""The QR code drawn with QPainter decodes back to the peer ID (zxing-cpp reads the pixels)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
from PySide6.QtGui import QImage

from app.gui.widgets.qr import QrWidget, qr_matrix

zxingcpp = pytest.importorskip("zxingcpp", reason="the dev extra is not installed")

PEER_ID = "12D3KooWLapt0pZ8mT9BqVdR3fKc4XyE6hNw2PsJ7uGa5bLx1Qn"


def test_the_drawn_code_decodes_to_the_text(qapp: object) -> None:
    widget = QrWidget(PEER_ID)
    widget.resize(264, 264)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = bytes(image.constBits())
    pixels = b"".join(rows[y * stride : y * stride + width] for y in range(height))
    view = memoryview(pixels).cast("B", (height, width))
    [found] = zxingcpp.read_barcodes(view)
    assert found.text == PEER_ID
    assert found.format == zxingcpp.BarcodeFormat.QRCode


def test_matrix_is_square_and_empty_text_draws_nothing(qapp: object) -> None:
    matrix = qr_matrix(PEER_ID)
    assert len(matrix) == len(matrix[0]) >= 21
    widget = QrWidget()
    assert widget.text() == ""
    assert not widget.grab().isNull()
